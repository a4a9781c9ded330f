import { randomUUID } from "node:crypto";
import type { ActionFunctionArgs } from "@remix-run/node";
import { describe, expect, it } from "vitest";
import { insertSignInAttempt } from "../../db/queries/admin-users.ts";
import { insertPortalSignInFailure } from "../../db/queries/portal.ts";
import { insertOrganization } from "../../db/queries/organizations.ts";
import { insertTeam, insertTeamKey } from "../../db/queries/teams.ts";
import { clientAddress, masterActor, uniqueEmail } from "../../test/factories.ts";
import { rest } from "../../test/rest.ts";
import { TEST_MASTER_KEY } from "../../test/setup-db.ts";
import { hashKey } from "~/integrations/litellm/client.server";
import { encryptSecret } from "~/lib/crypto.server";
import { db } from "~/lib/db.server";
import { action as portalSignInAction } from "~/routes/portal.signin";
import { loader as portalLinkLoader } from "~/routes/portal.link.$token";
import { action as signInAction } from "~/routes/signin";
import { createAdminAccount } from "~/services/admin-accounts.server";
import { createApiToken } from "~/services/api-tokens.server";
import { createPortalLink } from "~/services/portal.server";
import { THROTTLE, clearThrottles, listThrottles, slowDownMs } from "./throttle.server.ts";

/**
 * No one can lock the owner out (issue 11 §2): a right credential always gets in, from the address
 * that sent wrong ones and from any other; wrong ones are slowed, then refused with 429 and
 * Retry-After. Through the real routes (POST /signin, /portal/signin, /portal/link/…, REST) and database.
 */

type Form = Record<string, string>;

async function post(route: (args: ActionFunctionArgs) => Promise<Response>, path: string, form: Form, from: string): Promise<Response> {
  const request = new Request(`http://localhost${path}`, { method: "POST", body: new URLSearchParams(form) });
  return route({ request, params: {}, context: { clientAddress: from, requestId: "test-request" } });
}

const signIn = (form: Form, from: string) => post(signInAction, "/signin", form, from);
const masterKey = (key: string) => ({ method: "master-key", masterKey: key, redirectTo: "/admin" });
const password = (email: string, pass: string) => ({ method: "password", email, password: pass, redirectTo: "/admin" });

/** A sign-in that got in: a redirect with a session cookie. */
function expectSignedIn(response: Response) {
  expect(response.status).toBe(302);
  expect(response.headers.get("set-cookie")).toMatch(/^saas_session=\w+/);
}

/** The message a page shows: a route's `message`, or the form-level error of a Conform reply (POST /signin). */
async function messageOf(response: Response): Promise<string> {
  const body = (await response.json()) as { message?: string; result?: { error?: Record<string, string[] | null> } };
  return body.message ?? body.result?.error?.[""]?.join(" ") ?? "";
}

/** Wrong attempts an address made earlier (rows, as POST /signin writes them). */
async function earlierFailures(from: string, n: number, account = "master") {
  const at = new Date(Date.now() - 60_000);
  for (let i = 0; i < n; i++) await insertSignInAttempt(db(), { id: randomUUID(), account, clientAddress: from, succeeded: false, at });
}

async function timed<T>(run: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await run();
  return { result, ms: performance.now() - started };
}

describe("the master key at POST /signin", () => {
  it("gets in from the address that sent wrong keys and from any other", async () => {
    const a = clientAddress();
    for (let i = 0; i < THROTTLE.slowAfter + 1; i++) {
      expect((await signIn(masterKey(`sk-wrong-${i}`), a)).status).toBe(401);
    }
    expectSignedIn(await signIn(masterKey(TEST_MASTER_KEY), a));
    expectSignedIn(await signIn(masterKey(TEST_MASTER_KEY), clientAddress()));
  });

  it("answers wrong keys slowly past the first few, then refuses them with 429, Retry-After and what to do", async () => {
    const a = clientAddress();
    await earlierFailures(a, THROTTLE.slowAfter);
    const slowed = await timed(() => signIn(masterKey("sk-wrong-again"), a));
    expect(slowed.result.status).toBe(401);
    expect(slowed.ms).toBeGreaterThanOrEqual(slowDownMs(THROTTLE.slowAfter) - 5);
    expect(await messageOf(slowed.result)).toMatch(/That master key is not correct\. .*answered slowly/);

    await earlierFailures(a, THROTTLE.refuseAfter - THROTTLE.slowAfter - 1);
    const refused = await signIn(masterKey("sk-wrong-once-more"), a);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(13 * 60);
    const message = await messageOf(refused);
    expect(message).toContain("Too many wrong attempts from your network address");
    expect(message).toContain("The right master key, password or API token still gets in.");
    expect(message).toContain(`npm run admin -- unlock --address ${a}`);
    // Refused or not, the right key still gets in, from there and from elsewhere.
    expectSignedIn(await signIn(masterKey(TEST_MASTER_KEY), a));
    expectSignedIn(await signIn(masterKey(TEST_MASTER_KEY), clientAddress()));
  });

  it("stays open to the right key whatever is in the database from before a restart", async () => {
    const a = clientAddress();
    // Everything the throttle knows is in sign_in_attempts: a fresh process reads the same rows.
    await earlierFailures(a, 3 * THROTTLE.refuseAfter);
    await earlierFailures(clientAddress(), 3 * THROTTLE.refuseAfter);
    expectSignedIn(await signIn(masterKey(TEST_MASTER_KEY), a));
    expectSignedIn(await signIn(masterKey(TEST_MASTER_KEY), clientAddress()));
  });
});

describe("named accounts at POST /signin", () => {
  it("after wrong passwords from one address, that address waits while the right password from another gets in", async () => {
    const email = uniqueEmail();
    await createAdminAccount(masterActor, { email, name: "Held", role: "admin", password: "correct horse battery" });
    const a = clientAddress();
    for (let i = 0; i < THROTTLE.perAccountFromAddress; i++) {
      expect((await signIn(password(email, `wrong password ${i}`), a)).status).toBe(401);
    }
    const held = await signIn(password(email, "correct horse battery"), a);
    expect(held.status).toBe(429);
    expect(Number(held.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await messageOf(held)).toMatch(/Too many wrong passwords for this account from your network address\. Wait \d+ minutes? .*another network.*unlock --account/);
    expectSignedIn(await signIn(password(email, "correct horse battery"), clientAddress()));
    // The master key is never held back.
    expectSignedIn(await signIn(masterKey(TEST_MASTER_KEY), a));
  });
});

describe("API credentials", () => {
  it("a right X-Admin-Key or API token gets in from an address that is refusing wrong ones", async () => {
    const a = clientAddress();
    await earlierFailures(a, THROTTLE.refuseAfter, "api:x-admin-key");
    const wrong = await rest("GET", "/api/me", { headers: { "x-admin-key": "sk-stale-key" }, from: a });
    expect(wrong.status).toBe(429);
    expect(Number(wrong.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(wrong.body.error.message).toContain("The right master key, password or API token still gets in.");
    expect((await rest("GET", "/api/me", { headers: { "x-admin-key": TEST_MASTER_KEY }, from: a })).status).toBe(200);
    const { token } = await createApiToken(masterActor, { name: "script", role: "viewer" });
    expect((await rest("GET", "/api/me", { headers: { authorization: `Bearer ${token}` }, from: a })).status).toBe(200);
    expect((await rest("GET", "/api/me", { headers: { authorization: `Bearer sla_${"x".repeat(32)}` }, from: a })).status).toBe(429);
  });
});

describe("the portal", () => {
  async function teamWithKey() {
    const run = randomUUID().slice(0, 8);
    const org = await insertOrganization(db(), { id: randomUUID(), name: `Throttle Org ${run}`, litellmOrganizationId: `throttle-${run}` });
    const team = await insertTeam(db(), { id: `team-${randomUUID()}`, name: `Throttle Team ${run}`, organizationId: org.id, maxBudget: "10", budgetDuration: "30d", budgetStartsAt: new Date(), rpmLimit: 10, tpmLimit: 1000 });
    const key = `sk-${randomUUID().replace(/-/g, "")}`;
    await insertTeamKey(db(), { id: randomUUID(), teamId: team.id, keyHash: hashKey(key), keyEncrypted: encryptSecret(key), keyAlias: `t-${run}`, status: "live" });
    return { team, key };
  }
  async function portalFailures(from: string, n: number) {
    const at = new Date(Date.now() - 60_000);
    for (let i = 0; i < n; i++) await insertPortalSignInFailure(db(), { id: randomUUID(), clientAddress: from, at });
  }
  const openLink = (token: string, from: string) =>
    portalLinkLoader({ request: new Request(`http://localhost/portal/link/${token}`), params: { token }, context: { clientAddress: from, requestId: "test-request" } });

  it("the right virtual key and a good link get in from an address that is refusing wrong ones", async () => {
    const { team, key } = await teamWithKey();
    const a = clientAddress();
    await portalFailures(a, THROTTLE.refuseAfter);
    const wrong = await post(portalSignInAction, "/portal/signin", { key: `sk-${randomUUID()}` }, a);
    expect(wrong.status).toBe(429);
    expect(Number(wrong.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await messageOf(wrong)).toMatch(/The right virtual key or portal link still gets in\. .*ask your provider/);
    const right = await post(portalSignInAction, "/portal/signin", { key }, a);
    expect(right.status).toBe(302);
    expect(right.headers.get("location")).toBe("/portal");
    const link = await createPortalLink(masterActor, { team_id: team.id, expires_in: "1d" });
    const opened = await openLink(link.token, a);
    expect(opened.status).toBe(302);
    expect(opened.headers.get("set-cookie")).toMatch(/^saas_portal=/);
    expect((await openLink(`slp_${"x".repeat(43)}`, a)).status).toBe(429);
  });
});

describe("clearing throttles", () => {
  it("clears one address, one account, or everything, and lists what is throttled", async () => {
    const a = clientAddress();
    const b = clientAddress();
    await earlierFailures(a, THROTTLE.refuseAfter);
    await earlierFailures(b, THROTTLE.slowAfter);
    expect((await signIn(masterKey("sk-wrong"), a)).status).toBe(429);
    const listed = await listThrottles();
    expect(listed).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ clientAddress: a, where: "sign-in", state: "refused", failures: THROTTLE.refuseAfter + 1 }),
        expect.objectContaining({ clientAddress: b, where: "sign-in", state: "slowed", failures: THROTTLE.slowAfter }),
      ]),
    );
    expect(await clearThrottles({ clientAddress: a })).toMatchObject({ signIn: THROTTLE.refuseAfter + 1 });
    const wrong = await timed(() => signIn(masterKey("sk-wrong"), a));
    expect(wrong.result.status).toBe(401);
    expect(await messageOf(wrong.result)).not.toContain("slowly");
    // b is untouched by clearing a.
    expect(await messageOf(await signIn(masterKey("sk-wrong"), b))).toContain("answered slowly");

    const email = uniqueEmail();
    await createAdminAccount(masterActor, { email, name: "Cleared", role: "viewer", password: "correct horse battery" });
    await earlierFailures(a, THROTTLE.perAccountFromAddress, `email:${email}`);
    expect((await signIn(password(email, "correct horse battery"), a)).status).toBe(429);
    await clearThrottles({ account: email.toUpperCase() });
    expectSignedIn(await signIn(password(email, "correct horse battery"), a));

    await clearThrottles("all");
    expect((await listThrottles()).filter((t) => t.clientAddress === a || t.clientAddress === b)).toEqual([]);
  });
});
