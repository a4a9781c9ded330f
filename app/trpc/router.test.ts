import { randomUUID } from "node:crypto";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { describe, expect, it } from "vitest";
import { insertSignInAttempt } from "../../db/queries/admin-users.ts";
import { clientAddress, masterActor, uniqueEmail } from "../../test/factories.ts";
import { TEST_MASTER_KEY } from "../../test/setup-db.ts";
import { startSession } from "~/auth/lucia.server";
import { db } from "~/lib/db.server";
import { createAdminAccount } from "~/services/admin-accounts.server";
import { createApiToken } from "~/services/api-tokens.server";
import { THROTTLE } from "~/services/sign-in.server";
import { createContext } from "./init.ts";
import { appRouter } from "./router.ts";

/** Calls the tRPC endpoint exactly as the resource route does, with a real Request. */
async function call(path: string, init: { method?: "GET" | "POST"; headers?: Record<string, string>; body?: unknown; from?: string } = {}) {
  const method = init.method ?? "GET";
  const url = new URL(`http://localhost/api/trpc/${path}`);
  if (method === "GET" && init.body !== undefined) url.searchParams.set("input", JSON.stringify(init.body));
  const request = new Request(url, {
    method,
    headers: { "content-type": "application/json", ...init.headers },
    body: method === "POST" ? JSON.stringify(init.body ?? null) : undefined,
  });
  const response = await fetchRequestHandler({
    endpoint: "/api/trpc",
    req: request,
    router: appRouter,
    createContext: () => createContext(request, { requestId: "test-request", clientAddress: init.from ?? clientAddress() }),
  });
  return { status: response.status, body: (await response.json()) as { result?: { data: unknown }; error?: { message: string; data: Record<string, unknown> } } };
}

describe("tRPC API", () => {
  it("accepts X-Admin-Key with the master key", async () => {
    const res = await call("system.me", { headers: { "x-admin-key": TEST_MASTER_KEY } });
    expect(res.status).toBe(200);
    expect(res.body.result?.data).toEqual({ id: "master", name: "Master key", email: null, role: "owner" });
  });

  it("refuses a wrong X-Admin-Key with 401 and says what the header must hold", async () => {
    const res = await call("system.me", { headers: { "x-admin-key": "sk-admin-guess" } });
    expect(res.status).toBe(401);
    expect(res.body.error?.message).toContain("X-Admin-Key header is not the MASTER_KEY");
  });

  it("refuses wrong X-Admin-Keys from an address that keeps sending them, and never the right key", async () => {
    const from = clientAddress();
    const at = new Date(Date.now() - 60_000);
    for (let i = 0; i < THROTTLE.refuseAfter; i++) {
      await insertSignInAttempt(db(), { id: randomUUID(), account: "api:x-admin-key", clientAddress: from, succeeded: false, at });
    }
    const locked = await call("system.me", { headers: { "x-admin-key": "sk-guess-again" }, from });
    expect(locked.status).toBe(429);
    expect(locked.body.error?.message).toContain("Too many wrong attempts from your network address");
    expect((await call("system.me", { headers: { "x-admin-key": TEST_MASTER_KEY }, from })).status).toBe(200);
    expect((await call("system.me", { headers: { "x-admin-key": TEST_MASTER_KEY } })).status).toBe(200);
  });

  it("accepts an API token as Authorization: Bearer, and refuses an unknown one with 401", async () => {
    const { token } = await createApiToken(masterActor, { name: "trpc script", role: "viewer" });
    const me = await call("system.me", { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    expect(me.body.result?.data).toMatchObject({ id: "master", role: "viewer" });
    const write = await call("system.checkWorker", { method: "POST", headers: { authorization: `Bearer ${token}` } });
    expect(write.status).toBe(403);
    const unknown = await call("system.me", { headers: { authorization: `Bearer sla_${"x".repeat(32)}` } });
    expect(unknown.status).toBe(401);
    expect(unknown.body.error?.message).toMatch(/not known to this server/);
  });

  it("refuses a call with no credentials with 401", async () => {
    const res = await call("admins.list");
    expect(res.status).toBe(401);
    expect(res.body.error?.message).toMatch(/Sign in first/);
  });

  it("answers bad input with 400 and field errors, never a stack trace", async () => {
    const res = await call("admins.create", { method: "POST", headers: { "x-admin-key": TEST_MASTER_KEY }, body: { email: "nope", role: "admin" } });
    expect(res.status).toBe(400);
    expect(res.body.error?.data.fieldErrors).toMatchObject({ email: [expect.any(String)], name: [expect.any(String)], password: [expect.any(String)] });
    expect(JSON.stringify(res.body)).not.toMatch(/stack|\.ts:\d+/);
  });

  it("a viewer's session can read but gets 403 on a write", async () => {
    const email = uniqueEmail("viewer");
    const viewer = await createAdminAccount(masterActor, { email, name: "V", role: "viewer", password: "viewer password 1" });
    const cookie = (await startSession(viewer.id)).split(";")[0];
    const read = await call("admins.list", { headers: { cookie } });
    expect(read.status).toBe(200);
    const write = await call("system.checkWorker", { method: "POST", headers: { cookie } });
    expect(write.status).toBe(403);
    expect(write.body.error?.message).toMatch(/Viewers have read-only access/);
  });

  it("an admin account created through tRPC can use the API with its session", async () => {
    const email = uniqueEmail("api");
    const created = await call("admins.create", {
      method: "POST",
      headers: { "x-admin-key": TEST_MASTER_KEY },
      body: { email, name: "Scripted", role: "admin", password: "scripted password" },
    });
    expect(created.status).toBe(200);
    const id = (created.body.result?.data as { id: string }).id;
    const cookie = (await startSession(id)).split(";")[0];
    const me = await call("system.me", { headers: { cookie } });
    expect(me.body.result?.data).toMatchObject({ email, role: "admin" });
    const check = await call("system.checkWorker", { method: "POST", headers: { cookie } });
    expect(check.status).toBe(200);
  });
});

describe("every procedure", () => {
  it("declares what it takes and what it answers (.input and .output), so the wire is typed and documented both ways", () => {
    const procedures = (appRouter as unknown as { _def: { procedures: Record<string, { _def: { inputs?: unknown[]; output?: unknown } }> } })._def.procedures;
    const names = Object.keys(procedures);
    expect(names.length).toBeGreaterThan(20);
    const withoutInput = names.filter((name) => !procedures[name]!._def.inputs?.length);
    const withoutOutput = names.filter((name) => !procedures[name]!._def.output);
    expect({ withoutInput, withoutOutput }).toEqual({ withoutInput: [], withoutOutput: [] });
  });
});
