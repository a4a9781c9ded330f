import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { insertModelGroup } from "../../db/queries/model-groups.ts";
import { insertPortalSignInFailure } from "../../db/queries/portal.ts";
import { insertOrganization } from "../../db/queries/organizations.ts";
import { insertTeam, insertTeamKey, setTeamKeyStatus, setTeamModelGroups, updateTeamRow } from "../../db/queries/teams.ts";
import { insertUsageRows } from "../../db/queries/usage.ts";
import { auditEvents, portalLinks } from "../../db/schema/index.ts";
import { clientAddress, masterActor } from "../../test/factories.ts";
import { rest } from "../../test/rest.ts";
import { TEST_MASTER_KEY } from "../../test/setup-db.ts";
import { hashKey } from "~/integrations/litellm/client.server";
import { encryptSecret } from "~/lib/crypto.server";
import { db } from "~/lib/db.server";
import { maskKey } from "~/lib/logger.server";
import { AppError } from "~/lib/errors";
import type { Actor } from "~/auth/actor";
import { customerActor, portalSessionCookie, readPortalSession, type PortalSignIn } from "~/auth/portal-session.server";
import { createPortalLink, listPortalLinks, revokePortalLink } from "./portal/links.server.ts";
import { getPortalOverview, portalUsageCsv } from "./portal/overview.server.ts";
import { listTeamAlerts, setAlertThresholds } from "./alerts.server.ts";
import { viewTeamBudget } from "./budget.server.ts";
import { addCredits, adjustCredits, listLedger } from "./credits.server.ts";
import { deleteTeam, getTeam, resumeTeam, rotateTeamKey, suspendTeam, updateTeam } from "./teams.server.ts";
import {
  exportUsageCsv,
  getRecentRequests,
  getTeamDailyUsage,
  getTeamDashboard,
  getTeamUsage,
  getTeamUsageByEndUser,
  getTeamUsageByKey,
  type CsvExport,
} from "./usage/index.server.ts";
import { BAD_LINK_MESSAGE, PORTAL_THROTTLE, WRONG_KEY_MESSAGE, signInWithPortalLink, signInWithVirtualKey } from "./portal/sign-in.server.ts";

/**
 * The customers' portal: who gets in (live key, valid link), who does not (wrong, rotated, revoked,
 * expired, tampered, throttled), and that a customer of one team only ever reads that team.
 */

const viewer: Actor = { userId: "viewer-portal", name: "Viewer", email: "viewer@example.com", role: "viewer", via: "web" };
const run = () => Math.random().toString(36).slice(2, 8);
const newKey = () => `sk-${randomUUID().replace(/-/g, "")}`;

/** A team with a live key, a model group, and usage of its own: a few requests on known days. */
async function makeTeam(spendEach: string, requests: number) {
  const org = await insertOrganization(db(), { id: randomUUID(), name: `Portal Org ${run()}`, litellmOrganizationId: `portal-${run()}` });
  const group = (await insertModelGroup(db(), { id: randomUUID(), name: `portal-models-${run()}`, models: ["gpt-3.5-turbo"], verification: "verified" }))!;
  const team = await insertTeam(db(), { id: `team-${randomUUID()}`, name: `Portal Team ${run()}`, organizationId: org.id, maxBudget: "100", budgetDuration: "30d", budgetStartsAt: new Date(Date.now() - 86_400_000), rpmLimit: 100, tpmLimit: 50000 });
  await setTeamModelGroups(db(), team.id, [group.id]);
  const key = newKey();
  const keyRow = (await insertTeamKey(db(), { id: randomUUID(), teamId: team.id, keyHash: hashKey(key), keyEncrypted: encryptSecret(key), keyAlias: `a-${run()}`, status: "live" }))!;
  const now = Date.now();
  await insertUsageRows(
    db(),
    Array.from({ length: requests }, (_, i) => ({
      request_id: `req-${randomUUID()}`,
      team_id: team.id,
      key_hash: hashKey(key),
      model_group: "gpt-3.5-turbo",
      model: "openai/gpt-3.5-turbo",
      prompt_tokens: 10,
      completion_tokens: 5,
      total_tokens: 15,
      spend: spendEach,
      start_time: new Date(now - (i + 1) * 60_000).toISOString(),
      end_time: new Date(now - (i + 1) * 60_000 + 500).toISOString(),
      latency_ms: 500,
      status: "success" as const,
      end_user: `user-of-${team.id}`,
      metadata: null,
    })),
  );
  return { team, key, keyRow };
}

const cookieFrom = async (signIn: PortalSignIn) => (await portalSessionCookie(signIn)).split(";")[0];

async function refused(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe("signing in with the virtual key", () => {
  it("opens a session for the key's team only, in an httpOnly cookie scoped to /portal", async () => {
    const a = await makeTeam("0.25", 4);
    await makeTeam("1.5", 3);
    const signIn = await signInWithVirtualKey({ key: a.key }, clientAddress());
    const setCookie = await portalSessionCookie(signIn);
    expect(setCookie).toMatch(/^saas_portal=[^;]+\.[^;]+;/); // value.signature
    expect(setCookie.split("; ").slice(1).sort()).toEqual(["HttpOnly", expect.stringMatching(/^Max-Age=\d+$/), "Path=/portal", "SameSite=Lax"]);
    expect(setCookie).not.toContain(a.key);
    expect(setCookie).not.toContain(signIn.token);
    const { session } = await readPortalSession(await cookieFrom(signIn));
    expect(session).toMatchObject({ teamId: a.team.id, method: "virtual-key" });
  });

  it("refuses a wrong key, and a suspended team's key, with one message that says nothing about teams", async () => {
    const a = await makeTeam("0.1", 1);
    const address = clientAddress();
    const wrong = await refused(signInWithVirtualKey({ key: newKey() }, address));
    expect(wrong).toMatchObject({ code: "UNAUTHORIZED", userMessage: WRONG_KEY_MESSAGE });
    await updateTeamRow(db(), a.team.id, { status: "suspended" });
    const suspended = await refused(signInWithVirtualKey({ key: a.key }, address));
    expect(suspended.userMessage).toBe(wrong.userMessage);
    expect(suspended.userMessage).not.toContain(a.key);
    const empty = await refused(signInWithVirtualKey({ key: " " }, address));
    expect(empty).toMatchObject({ code: "BAD_REQUEST", fieldErrors: { key: ["Enter your virtual key"] } });
  });

  it("refuses an address's wrong keys after many, says how long, and still lets the right key in", async () => {
    const a = await makeTeam("0.1", 1);
    const address = clientAddress();
    const at = new Date(Date.now() - 60_000);
    for (let i = 0; i < PORTAL_THROTTLE.refuseAfter; i++) await insertPortalSignInFailure(db(), { id: randomUUID(), clientAddress: address, at });
    const throttled = await refused(signInWithVirtualKey({ key: newKey() }, address));
    expect(throttled.code).toBe("TOO_MANY_REQUESTS");
    expect(throttled.userMessage).toMatch(/refused for the next \d+ minutes?/);
    expect(throttled.retryAfterSeconds).toBeGreaterThan(0);
    await expect(signInWithVirtualKey({ key: a.key }, address)).resolves.toMatchObject({ teamId: a.team.id });
    await expect(signInWithVirtualKey({ key: a.key }, clientAddress())).resolves.toMatchObject({ teamId: a.team.id });
  });
});

describe("portal sessions", () => {
  it("refuse a tampered cookie and clear it", async () => {
    const a = await makeTeam("0.1", 1);
    const signIn = await signInWithVirtualKey({ key: a.key }, clientAddress());
    const cookie = await cookieFrom(signIn);
    const tampered = `${cookie.slice(0, -1)}${cookie.endsWith("A") ? "B" : "A"}`;
    const result = await readPortalSession(tampered);
    expect(result.session).toBeNull();
    expect(result.clearCookie).toContain("Max-Age=0");
    // The bare token (unsigned) opens nothing either.
    expect((await readPortalSession(`saas_portal=${signIn.token}`)).session).toBeNull();
    expect((await readPortalSession("saas_portal=../../etc")).session).toBeNull();
    expect((await readPortalSession(`saas_portal=${a.team.id}`)).session).toBeNull();
  });

  it("end when the key is rotated, and when the team is suspended", async () => {
    const a = await makeTeam("0.1", 1);
    const cookie = await cookieFrom(await signInWithVirtualKey({ key: a.key }, clientAddress()));
    expect((await readPortalSession(cookie)).session).not.toBeNull();
    // Rotation: the old key retires, a new one goes live.
    await setTeamKeyStatus(db(), a.keyRow.id, "retiring");
    const rotated = newKey();
    await insertTeamKey(db(), { id: randomUUID(), teamId: a.team.id, keyHash: hashKey(rotated), keyEncrypted: encryptSecret(rotated), keyAlias: `b-${run()}`, status: "live" });
    expect(await readPortalSession(cookie)).toMatchObject({ session: null, clearCookie: expect.stringContaining("Max-Age=0") });
    await refused(signInWithVirtualKey({ key: a.key }, clientAddress()));

    const fresh = await cookieFrom(await signInWithVirtualKey({ key: rotated }, clientAddress()));
    expect((await readPortalSession(fresh)).session).not.toBeNull();
    await updateTeamRow(db(), a.team.id, { status: "suspended" });
    expect((await readPortalSession(fresh)).session).toBeNull();
  });
});

/** Usage rows of a team's key at given times and costs (exact decimal strings). */
async function addUsage(team: { id: string }, key: string, rows: Array<{ spend: string; at: Date }>) {
  await insertUsageRows(
    db(),
    rows.map((r) => ({
      request_id: `req-${randomUUID()}`,
      team_id: team.id,
      key_hash: hashKey(key),
      model_group: "gpt-3.5-turbo",
      model: "openai/gpt-3.5-turbo",
      prompt_tokens: 10,
      completion_tokens: 5,
      total_tokens: 15,
      spend: r.spend,
      start_time: r.at.toISOString(),
      end_time: new Date(r.at.getTime() + 500).toISOString(),
      latency_ms: 500,
      status: "success" as const,
      end_user: `user-of-${team.id}`,
      metadata: null,
    })),
  );
}

/** A CSV export's text (the requests table is streamed). */
const text = async (csv: CsvExport) => (typeof csv.body === "string" ? csv.body : new Response(csv.body).text());
const csvLines = (body: string) => body.trim().split(/\r?\n/).map((line) => line.split(","));
const column = (body: string, name: string): Array<string | undefined> => {
  const [header, ...rows] = csvLines(body);
  const i = header!.indexOf(name);
  expect(i).toBeGreaterThanOrEqual(0);
  return rows.map((r) => r[i]);
};

async function sessionOf(key: string) {
  const { session } = await readPortalSession(await cookieFrom(await signInWithVirtualKey({ key }, clientAddress())));
  return session!;
}

describe("what a customer sees", () => {
  it("is their own team's numbers, whatever team id the request names", async () => {
    const a = await makeTeam("0.25", 4);
    // Team b's cost per request has more decimals than a timestamp's milliseconds, so finding it means b's rows leaked.
    const b = await makeTeam("0.123456", 3);
    const session = await sessionOf(a.key);
    const overview = await getPortalOverview(session, { team_id: b.team.id, from: undefined });
    expect(overview.team.name).toBe(a.team.name);
    expect(overview.state).toBe("active");
    expect(overview.totals.spend).toBe(1);
    expect(overview.totals.requests).toBe(4);
    expect(overview.requests.rows).toHaveLength(4);
    expect(overview.requests.rows.every((r) => r.end_user === `user-of-${a.team.id}`)).toBe(true);
    expect(overview.model_names).toEqual(["gpt-3.5-turbo"]);
    expect(overview.team).toMatchObject({ rpm_limit: 100, tpm_limit: 50000 });
    expect(overview.budget.spent_this_period).toBe(1);
    expect(overview.api.key_masked).toBe(maskKey(a.key)); // the admin pages' format
    expect(overview.api.key_masked).toBe(`${a.key.slice(0, 5)}…${a.key.slice(-4)}`);
    expect(JSON.stringify(overview)).not.toContain(a.key);
    expect(JSON.stringify(overview)).not.toContain(b.team.id);

    for (const table of ["days", "models", "requests"] as const) {
      const csv = await portalUsageCsv(session, { table, team_id: b.team.id } as never);
      expect(csv.fileName).toContain(a.team.id);
      const body = await text(csv);
      expect(body).not.toContain(b.team.id);
      expect(body).not.toMatch(/0\.1234|0\.3703/); // b's cost per request, or its 3 requests summed
    }
    expect(csvLines(await text(await portalUsageCsv(session, { table: "requests" })))).toHaveLength(1 + 4);
    await expect(portalUsageCsv(session, { table: "teams" as never })).rejects.toMatchObject({ code: "BAD_REQUEST", fieldErrors: { table: [expect.any(String)] } });
  });

  it("has the admin pages' team state: near budget at 85 of 100", async () => {
    const a = await makeTeam("42.5", 2);
    expect((await getPortalOverview(await sessionOf(a.key))).state).toBe("near budget");
  });

  it("falls back to the default window when from/to are malformed, and says so", async () => {
    const a = await makeTeam("0.25", 2);
    const overview = await getPortalOverview(await sessionOf(a.key), { from: "yesterday" });
    expect(overview.window.error).toMatch(/from must be/);
    expect(overview.totals.requests).toBe(2);
  });

  it("has the requests table and the CSV follow the chosen range", async () => {
    const a = await makeTeam("0.25", 2); // two requests in the last minutes
    const day = (offset: number) => new Date(Date.now() - offset * 86_400_000).toISOString().slice(0, 10);
    const older = day(5);
    await addUsage(a.team, a.key, [
      { spend: "0.5", at: new Date(`${older}T10:00:00Z`) },
      { spend: "0.5", at: new Date(`${older}T11:00:00Z`) },
      { spend: "0.5", at: new Date(`${older}T12:00:00Z`) },
    ]);
    const session = await sessionOf(a.key);
    const then = await getPortalOverview(session, { from: older, to: older });
    expect(then.requests.rows.map((r) => r.time.slice(0, 10))).toEqual([older, older, older]);
    expect(then.totals.requests).toBe(3);
    const csvThen = await text(await portalUsageCsv(session, { table: "requests", from: older, to: older }));
    expect(column(csvThen, "time").map((t) => t!.slice(0, 10))).toEqual([older, older, older]);
    expect(column(csvThen, "spend_usd")).toEqual(["0.5", "0.5", "0.5"]);

    const recent = await getPortalOverview(session, { from: day(0) });
    expect(recent.requests.rows).toHaveLength(2);
    expect(recent.requests.rows.every((r) => r.time.slice(0, 10) === day(0) || r.time.slice(0, 10) === day(1))).toBe(true);
    expect(csvLines(await text(await portalUsageCsv(session, { table: "requests", from: day(1) })))).toHaveLength(1 + 2);
  });

  it("sums money exactly: days and the CSV carry the exact decimal, as the admin export does", async () => {
    const a = await makeTeam("0.0000000001", 3);
    await addUsage(a.team, a.key, [{ spend: "1234567.0000000001", at: new Date(Date.now() - 30_000) }]);
    const session = await sessionOf(a.key);
    // 1234567.0000000004 has more digits than a float holds: only exact sums keep the last one.
    const days = await portalUsageCsv(session, { table: "days" });
    expect(column(await text(days), "spend_usd").filter((v) => v !== "0")).toEqual(["1234567.0000000004"]);
    const models = await portalUsageCsv(session, { table: "models" });
    expect(column(await text(models), "spend_usd")).toEqual(["1234567.0000000004"]);
    const requests = await portalUsageCsv(session, { table: "requests" });
    expect(column(await text(requests), "spend_usd").sort()).toEqual(["0.0000000001", "0.0000000001", "0.0000000001", "1234567.0000000001"]);
    const admin = await exportUsageCsv(masterActor, { scope: "team", id: a.team.id, table: "days" });
    // The admin's file has billed_usd, margin_usd and margin_percent after spend_usd (admins only); the rest is the same.
    expect(csvLines(await text(days))).toEqual(csvLines(await text(admin)).map((cells) => cells.slice(0, -3)));
  });
});

describe("the curl example", () => {
  it("is a command that runs once LITELLM_KEY is set, with the masked key only beside it", async () => {
    const a = await makeTeam("0.1", 1);
    const { session } = await readPortalSession(await cookieFrom(await signInWithVirtualKey({ key: a.key }, clientAddress())));
    const { api } = await getPortalOverview(session!);
    const lines = api.curl!.split("\n");
    expect(lines[0]).toBe(api.export_key);
    expect(lines[0]).toMatch(/^export LITELLM_KEY=/);
    expect(lines[1]).toMatch(/^curl \S+\/chat\/completions \\$/);
    expect(api.curl).toContain('-H "Authorization: Bearer $LITELLM_KEY"');
    expect(api.curl).toContain('"model": "gpt-3.5-turbo"');
    expect(api.curl).not.toContain(api.key_masked!);
    expect(api.curl).not.toContain("…");
    expect(api.curl).not.toContain(a.key);
  });
});

describe("portal links", () => {
  it("are made by admins only, stored as a hash, shown once, and open a session for their team", async () => {
    const a = await makeTeam("0.1", 1);
    await expect(createPortalLink(viewer, { team_id: a.team.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    const link = await createPortalLink(masterActor, { team_id: a.team.id, expires_in: "1d", label: "Finance" });
    expect(link.token).toMatch(/^slp_/);
    expect(link.path).toBe(`/portal/link/${link.token}`);
    const [row] = await db().select().from(portalLinks).where(eq(portalLinks.id, link.link_id));
    expect(JSON.stringify(row)).not.toContain(link.token);
    const listed = await listPortalLinks(viewer, { team_id: a.team.id });
    expect(listed).toEqual([expect.objectContaining({ link_id: link.link_id, state: "active", label: "Finance", last_used_at: null })]);
    expect(JSON.stringify(listed)).not.toContain(link.token);

    const signIn = await signInWithPortalLink(link.token, clientAddress());
    expect((await readPortalSession(await cookieFrom(signIn))).session).toMatchObject({ teamId: a.team.id, method: "link" });
    expect((await listPortalLinks(viewer, { team_id: a.team.id }))[0].last_used_at).not.toBeNull();
    const audit = await db().select().from(auditEvents).where(eq(auditEvents.target, a.team.id));
    expect(audit.map((e) => e.action).sort()).toEqual(["portal-link.create", "portal-link.use"]);
  });

  it("are refused once revoked (and their sessions end) or expired", async () => {
    const a = await makeTeam("0.1", 1);
    const link = await createPortalLink(masterActor, { team_id: a.team.id, expires_in: "7d" });
    const cookie = await cookieFrom(await signInWithPortalLink(link.token, clientAddress()));
    await expect(revokePortalLink(viewer, { team_id: a.team.id, link_id: link.link_id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await revokePortalLink(masterActor, { team_id: a.team.id, link_id: link.link_id });
    expect((await readPortalSession(cookie)).session).toBeNull();
    const revoked = await refused(signInWithPortalLink(link.token, clientAddress()));
    expect(revoked).toMatchObject({ code: "UNAUTHORIZED", userMessage: BAD_LINK_MESSAGE });
    await expect(revokePortalLink(masterActor, { team_id: a.team.id, link_id: link.link_id })).rejects.toMatchObject({ code: "CONFLICT" });
    expect((await listPortalLinks(viewer, { team_id: a.team.id }))[0].state).toBe("revoked");
    expect(await db().select().from(auditEvents).where(and(eq(auditEvents.target, a.team.id), eq(auditEvents.action, "portal-link.revoke")))).toHaveLength(1);

    const short = await createPortalLink(masterActor, { team_id: a.team.id, expires_in: "1d" });
    const later = new Date(Date.now() + 2 * 86_400_000);
    expect(await refused(signInWithPortalLink(short.token, clientAddress(), later))).toMatchObject({ userMessage: BAD_LINK_MESSAGE });
    const live = await cookieFrom(await signInWithPortalLink(short.token, clientAddress()));
    expect((await readPortalSession(live, later)).session).toBeNull();
    expect((await listPortalLinks(viewer, { team_id: a.team.id }, later)).find((l) => l.link_id === short.link_id)?.state).toBe("expired");
    expect(await refused(signInWithPortalLink("slp_not-a-real-token", clientAddress()))).toMatchObject({ userMessage: BAD_LINK_MESSAGE });
  });

  it("cannot be revoked through another team's id", async () => {
    const a = await makeTeam("0.1", 1);
    const b = await makeTeam("0.1", 1);
    const link = await createPortalLink(masterActor, { team_id: a.team.id });
    await expect(revokePortalLink(masterActor, { team_id: b.team.id, link_id: link.link_id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect((await listPortalLinks(viewer, { team_id: a.team.id }))[0].state).toBe("active");
  });
});

describe("a customer of one team", () => {
  it("gets the not-found of a missing team for another team's portal links, and may not make links for its own", async () => {
    const a = await makeTeam("0.1", 1);
    const b = await makeTeam("0.1", 1);
    const link = await createPortalLink(masterActor, { team_id: b.team.id });
    const customer = customerActor({ teamId: a.team.id });
    const missing = { code: "NOT_FOUND", userMessage: `No team has the id ${b.team.id}.` };
    await expect(listPortalLinks(customer, { team_id: b.team.id })).rejects.toMatchObject(missing);
    await expect(createPortalLink(customer, { team_id: b.team.id })).rejects.toMatchObject(missing);
    await expect(revokePortalLink(customer, { team_id: b.team.id, link_id: link.link_id })).rejects.toMatchObject(missing);
    await expect(createPortalLink(customer, { team_id: a.team.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect((await listPortalLinks(masterActor, { team_id: b.team.id }))[0].state).toBe("active");
  });

  it("gets the not-found of a missing team from every team-scoped service of another team (reads, alerts, budget, credits, team changes)", async () => {
    const a = await makeTeam("0.1", 1);
    const b = await makeTeam("0.1", 1);
    const customer = customerActor({ teamId: a.team.id });
    const other = { team_id: b.team.id };
    const reads: Array<[string, () => Promise<unknown>]> = [
      ["getTeamDashboard", () => getTeamDashboard(customer, other)],
      ["getTeamUsage", () => getTeamUsage(customer, other)],
      ["getTeamDailyUsage", () => getTeamDailyUsage(customer, other)],
      ["getTeamUsageByKey", () => getTeamUsageByKey(customer, other)],
      ["getTeamUsageByEndUser", () => getTeamUsageByEndUser(customer, other)],
      ["getRecentRequests", () => getRecentRequests(customer, other)],
      ["exportUsageCsv", () => exportUsageCsv(customer, { scope: "team", id: b.team.id, table: "days" })],
      ["listTeamAlerts", () => listTeamAlerts(customer, other)],
      ["setAlertThresholds", () => setAlertThresholds(customer, { ...other, thresholds: [50] })],
      ["viewTeamBudget", () => viewTeamBudget(customer, other)],
      ["listLedger", () => listLedger(customer, other)],
      ["addCredits", () => addCredits(customer, { ...other, amount: 5, idempotency_key: randomUUID() })],
      ["adjustCredits", () => adjustCredits(customer, { ...other, amount: -1, reason: "a correction", idempotency_key: randomUUID() })],
      ["getTeam", () => getTeam(customer, other)],
      ["updateTeam", () => updateTeam(customer, { ...other, name: "Taken over" })],
      ["suspendTeam", () => suspendTeam(customer, other)],
      ["resumeTeam", () => resumeTeam(customer, other)],
      ["rotateTeamKey", () => rotateTeamKey(customer, other)],
      ["deleteTeam", () => deleteTeam(customer, other)],
    ];
    for (const [name, read] of reads) {
      const error = await read().then(() => null, (e: unknown) => e);
      expect({ name, error }).toMatchObject({ name, error: { code: "NOT_FOUND", userMessage: `No team has the id ${b.team.id}.` } });
    }
    // The same reads of its own team answer; what only admins do is refused, not hidden.
    await expect(getTeamDashboard(customer, { team_id: a.team.id })).resolves.toMatchObject({ team_id: a.team.id });
    await expect(viewTeamBudget(customer, { team_id: a.team.id })).resolves.toMatchObject({ mode: expect.any(String) });
    await expect(getTeam(customer, { team_id: a.team.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(addCredits(customer, { team_id: a.team.id, amount: 5, idempotency_key: randomUUID() })).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect((await getTeam(masterActor, other)).name).not.toBe("Taken over");
  });
});

describe("portal links over REST", () => {
  it("are created, listed and revoked with an admin credential; a portal session opens nothing under /api", async () => {
    const a = await makeTeam("0.1", 1);
    const asAdmin = { "X-Admin-Key": TEST_MASTER_KEY };
    const created = await rest("POST", `/api/teams/${a.team.id}/portal-links`, { headers: asAdmin, body: { expires_in: "30d", label: "Ops" } });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ team_id: a.team.id, label: "Ops", state: "active", path: expect.stringMatching(/^\/portal\/link\/slp_/) });
    const bad = await rest("POST", `/api/teams/${a.team.id}/portal-links`, { headers: asAdmin, body: { expires_in: "2y" } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fieldErrors.expires_in).toEqual(["expires_in must be 1d, 7d or 30d"]);
    const listed = await rest("GET", `/api/teams/${a.team.id}/portal-links`, { headers: asAdmin });
    expect(listed.body).toEqual([expect.objectContaining({ link_id: created.body.link_id })]);
    expect(listed.text).not.toContain(created.body.token);
    const revoked = await rest("POST", `/api/teams/${a.team.id}/portal-links/${created.body.link_id}/revoke`, { headers: asAdmin });
    expect(revoked.body.state).toBe("revoked");

    const cookie = await cookieFrom(await signInWithVirtualKey({ key: a.key }, clientAddress()));
    for (const path of [`/api/teams/${a.team.id}/usage`, `/api/teams/${a.team.id}/portal-links`, "/api/me"]) {
      expect((await rest("GET", path, { headers: { cookie } })).status).toBe(401);
    }
    // The team's own key as a bearer opens the jobs API only (docs/jobs.md): here a 403 that says so.
    const byKey = await rest("GET", `/api/teams/${a.team.id}/usage`, { headers: { Authorization: `Bearer ${a.key}` } });
    expect(byKey.status).toBe(403);
    expect(byKey.body.error.message).toContain("only opens the jobs API");
  });
});
