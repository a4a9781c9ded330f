import { createHash, randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { insertSignInAttempt } from "../../db/queries/admin-users.ts";
import { adminApiTokens, auditEvents } from "../../db/schema/index.ts";
import { clientAddress, masterActor, uniqueEmail } from "../../test/factories.ts";
import { TEST_MASTER_KEY } from "../../test/setup-db.ts";
import { db } from "~/lib/db.server";
import { AppError } from "~/lib/errors";
import type { AdminActor as Actor } from "~/auth/actor";
import { createAdminAccount, disableAdminAccount } from "./admin-accounts.server.ts";
import { authenticateApiToken, createApiToken, listApiTokens, revokeApiToken } from "./api-tokens.server.ts";
import { THROTTLE, authenticateAdminKey } from "./sign-in.server.ts";

async function accountActor(role: "owner" | "admin" | "viewer"): Promise<Actor> {
  const account = await createAdminAccount(masterActor, { email: uniqueEmail(role), name: `A ${role}`, role, password: `pw-${role}-long-enough` });
  return { userId: account.id, name: account.name, email: account.email, role, via: "web" };
}

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe("API tokens", () => {
  it("returns the token once and stores only its SHA-256", async () => {
    const created = await createApiToken(masterActor, { name: "deploy script", role: "admin" });
    expect(created.token).toMatch(/^sla_[A-Za-z0-9_-]{32}$/);
    expect(created).toMatchObject({ name: "deploy script", role: "admin", prefix: created.token.slice(0, 10), created_by: "master", revoked_at: null, last_used_at: null });

    const [row] = await db().select().from(adminApiTokens).where(eq(adminApiTokens.id, created.id));
    expect(row.tokenHash).toBe(createHash("sha256").update(created.token).digest("hex"));
    expect(JSON.stringify(row)).not.toContain(created.token);

    const listed = (await listApiTokens(masterActor)).find((t) => t.id === created.id)!;
    expect(listed).not.toHaveProperty("token");
    expect(JSON.stringify(listed)).not.toContain(created.token);

    const [audit] = await db().select().from(auditEvents).where(eq(auditEvents.target, created.id));
    expect(audit).toMatchObject({ actorId: "master", action: "api-token.create", via: "web" });
    expect(JSON.stringify(audit)).not.toContain(created.token);
  });

  it("acts as its creator, with the token's role", async () => {
    const admin = await accountActor("admin");
    const { token, id } = await createApiToken(admin, { name: "read-only", role: "viewer" });
    const actor = await authenticateApiToken(token, clientAddress());
    expect(actor).toMatchObject({ userId: admin.userId, role: "viewer", apiTokenId: id, email: admin.email });
    expect(actor.name).toContain('API token "read-only"');
  });

  it("never has more rights than its creator; viewers cannot create tokens", async () => {
    const admin = await accountActor("admin");
    const tooHigh = await refusal(createApiToken(admin, { name: "x", role: "owner" }));
    expect(tooHigh.code).toBe("FORBIDDEN");
    expect(tooHigh.fieldErrors?.role?.[0]).toMatch(/admin or viewer/);

    const viewer = await accountActor("viewer");
    expect((await refusal(createApiToken(viewer, { name: "x", role: "viewer" }))).message).toMatch(/read-only/);
    expect(await listApiTokens(viewer)).toEqual(expect.any(Array));
  });

  it("names each bad field", async () => {
    const error = await refusal(createApiToken(masterActor, { name: "  ", role: "root" as never }));
    expect(error.code).toBe("BAD_REQUEST");
    expect(Object.keys(error.fieldErrors ?? {}).sort()).toEqual(["name", "role"]);
  });

  it("an API token cannot create API tokens", async () => {
    const { token } = await createApiToken(masterActor, { name: "owner script", role: "owner" });
    const actor = { ...(await authenticateApiToken(token, clientAddress())), via: "rest" as const };
    const error = await refusal(createApiToken(actor, { name: "successor", role: "viewer" }));
    expect(error.code).toBe("FORBIDDEN");
    expect(error.message).toMatch(/cannot create API tokens/);
  });

  it("is refused once revoked, or once its creator is disabled", async () => {
    const { token, id } = await createApiToken(masterActor, { name: "to revoke", role: "viewer" });
    const revoked = await revokeApiToken(masterActor, { id });
    expect(revoked.revoked_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect((await refusal(authenticateApiToken(token, clientAddress()))).message).toMatch(/"to revoke"\) was revoked/);
    expect((await refusal(revokeApiToken(masterActor, { id }))).code).toBe("CONFLICT");
    expect((await refusal(revokeApiToken(masterActor, { id: "no-such-token" }))).code).toBe("NOT_FOUND");

    const admin = await accountActor("admin");
    const second = await createApiToken(admin, { name: "orphan", role: "admin" });
    await disableAdminAccount(masterActor, { id: admin.userId });
    const error = await refusal(authenticateApiToken(second.token, clientAddress()));
    expect(error.code).toBe("UNAUTHORIZED");
    expect(error.message).toMatch(/account that created it was disabled/);
  });

  it("only owners revoke owner tokens", async () => {
    const { id } = await createApiToken(masterActor, { name: "owner token", role: "owner" });
    const admin = await accountActor("admin");
    expect((await refusal(revokeApiToken(admin, { id }))).code).toBe("FORBIDDEN");
    const mine = await createApiToken(admin, { name: "admin token", role: "admin" });
    expect((await revokeApiToken(admin, { id: mine.id })).revoked_at).not.toBeNull();
  });

  it("refuses unknown and malformed tokens with a message saying what to send", async () => {
    const unknown = await refusal(authenticateApiToken(`sla_${"A".repeat(32)}`, clientAddress()));
    expect(unknown.code).toBe("UNAUTHORIZED");
    expect(unknown.message).toMatch(/not known to this server/);
    const malformed = await refusal(authenticateApiToken("sk-admin-master-key", clientAddress()));
    expect(malformed.message).toMatch(/X-Admin-Key/);
  });

  it("counts wrong tokens against the address, together with wrong X-Admin-Keys, and never refuses a right one", async () => {
    const from = clientAddress();
    const at = new Date(Date.now() - 60_000);
    // Earlier wrong tokens from this address, as authenticateApiToken records them.
    for (let i = 0; i < THROTTLE.refuseAfter; i++) {
      await insertSignInAttempt(db(), { id: randomUUID(), account: "api:bearer-token", clientAddress: from, succeeded: false, at });
    }
    expect((await refusal(authenticateApiToken(`sla_${"y".repeat(32)}`, from))).code).toBe("TOO_MANY_REQUESTS");
    expect((await refusal(authenticateAdminKey("sk-anything", from))).code).toBe("TOO_MANY_REQUESTS");
    const { token } = await createApiToken(masterActor, { name: "good", role: "viewer" });
    await expect(authenticateApiToken(token, from)).resolves.toMatchObject({ role: "viewer" });
    await expect(authenticateAdminKey(TEST_MASTER_KEY, from)).resolves.toMatchObject({ id: "master" });
    await expect(authenticateApiToken(token, clientAddress())).resolves.toMatchObject({ role: "viewer" });
  });

  it("updates last_used_at at most once a minute", async () => {
    const { token, id } = await createApiToken(masterActor, { name: "busy", role: "viewer" });
    const lastUsed = async () => (await db().select().from(adminApiTokens).where(eq(adminApiTokens.id, id)))[0].lastUsedAt?.getTime();
    const t0 = new Date();
    await authenticateApiToken(token, clientAddress(), t0);
    expect(await lastUsed()).toBe(t0.getTime());
    await authenticateApiToken(token, clientAddress(), new Date(t0.getTime() + 30_000));
    expect(await lastUsed()).toBe(t0.getTime());
    const t2 = new Date(t0.getTime() + 61_000);
    await authenticateApiToken(token, clientAddress(), t2);
    expect(await lastUsed()).toBe(t2.getTime());
  });
});
