import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { adminSessions } from "../../db/schema/index.ts";
import { masterActor, uniqueEmail } from "../../test/factories.ts";
import { db } from "~/lib/db.server";
import { createAdminAccount, disableAdminAccount } from "~/services/admin-accounts.server";
import { endSession, readSession, startSession } from "./lucia.server.ts";
import { isCrossSiteWrite } from "./origin.server.ts";

const cookieOf = (setCookie: string) => setCookie.split(";")[0];
const sessionIdOf = (setCookie: string) => cookieOf(setCookie).split("=")[1];

describe("admin sessions", () => {
  it("live in an httpOnly, SameSite=Lax cookie with an expiry", async () => {
    const setCookie = await startSession((await createAdminAccount(masterActor, { email: uniqueEmail(), name: "S", role: "admin", password: "session password" })).id);
    expect(setCookie).toMatch(/^saas_session=\w+;/);
    expect(setCookie).toContain("HttpOnly");
    expect(setCookie).toContain("SameSite=Lax");
    expect(setCookie).toContain("Path=/");
    expect(setCookie).toMatch(/Max-Age=\d+/);
  });

  it("end when they expire", async () => {
    const account = await createAdminAccount(masterActor, { email: uniqueEmail(), name: "E", role: "viewer", password: "session password" });
    const setCookie = await startSession(account.id);
    expect(await readSession(cookieOf(setCookie))).toMatchObject({ user: { id: account.id, role: "viewer" } });
    await db().update(adminSessions).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(adminSessions.id, sessionIdOf(setCookie)));
    const expired = await readSession(cookieOf(setCookie));
    expect(expired).not.toHaveProperty("user");
    expect(expired).toMatchObject({ clearCookie: expect.stringContaining("Max-Age=0") });
  });

  it("end at sign-out, and when the account is disabled", async () => {
    const account = await createAdminAccount(masterActor, { email: uniqueEmail(), name: "D", role: "admin", password: "session password" });
    const first = await startSession(account.id);
    await endSession(sessionIdOf(first));
    expect(await readSession(cookieOf(first))).not.toHaveProperty("user");
    const second = await startSession(account.id);
    await disableAdminAccount(masterActor, { id: account.id });
    expect(await readSession(cookieOf(second))).not.toHaveProperty("user");
  });
});

describe("cross-site form posts", () => {
  const host = "admin.example.com";
  it("are refused when the Origin is another site", () => {
    expect(isCrossSiteWrite({ method: "POST", origin: "https://evil.example", host, cookie: "saas_session=abc" })).toBe(true);
  });
  it("are refused when a session cookie comes without an Origin", () => {
    expect(isCrossSiteWrite({ method: "POST", origin: null, host, cookie: "other=1; saas_session=abc" })).toBe(true);
    expect(isCrossSiteWrite({ method: "POST", origin: null, host, cookie: "saas_portal=abc" })).toBe(true);
  });
  it("pass from our own origin, for reads, and for scripts without a session cookie", () => {
    expect(isCrossSiteWrite({ method: "POST", origin: "https://admin.example.com", host, cookie: "saas_session=abc" })).toBe(false);
    expect(isCrossSiteWrite({ method: "GET", origin: "https://evil.example", host, cookie: "saas_session=abc" })).toBe(false);
    expect(isCrossSiteWrite({ method: "POST", origin: null, host, cookie: null })).toBe(false);
  });
});
