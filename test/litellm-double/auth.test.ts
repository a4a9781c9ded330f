import { describe, expect, it } from "vitest";
import { COMPATS, MASTER, call, get, post, sha256, teamWithKey, useDouble } from "./test-helpers.ts";

describe.each(COMPATS)("CONTRACT §0 authentication (%s)", (compat) => {
  const d = useDouble({ compat });

  it("§0 public routes: /health/liveliness and /health/liveness answer the JSON string \"I'm alive!\" without a key", async () => {
    for (const path of ["/health/liveliness", "/health/liveness"]) {
      const r = await get(d.current, path, { key: null });
      expect(r.status).toBe(200);
      expect(r.text).toBe(JSON.stringify("I'm alive!"));
    }
  });

  it("§0 public routes / §1 Health: /health/readiness answers without a key (current: only {status: healthy}; legacy: the details)", async () => {
    const r = await get(d.current, "/health/readiness", { key: null });
    expect(r.status).toBe(200);
    if (compat === "current") {
      expect(r.body).toEqual({ status: "healthy" });
    } else {
      expect(r.body).toMatchObject({ status: "connected", db: "connected", cache: null, success_callbacks: [] });
      expect(r.body.litellm_version).toMatch(/^1\.\d+\.\d+$/);
    }
  });

  it.runIf(compat === "current")("§1 Health: /health/readiness/details needs a key and carries db, cache, litellm_version", async () => {
    expect((await get(d.current, "/health/readiness/details", { key: null })).status).toBe(401);
    const r = await get(d.current, "/health/readiness/details");
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: "healthy", db: "connected", cache: null, success_callbacks: [] });
    expect(r.body.litellm_version).toMatch(/^1\.\d+\.\d+$/);
  });

  it("§2 table: no key → 401 auth_error 'No api key passed in.'", async () => {
    const r = await post(d.current, "/team/new", {}, { key: null });
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ error: { message: "Authentication Error, No api key passed in.", type: "auth_error", param: "None", code: "401" } });
  });

  it("§0 Authorization without the `Bearer ` prefix → 401 malformed", async () => {
    const r = await post(d.current, "/team/new", {}, { key: null, headers: { authorization: MASTER } });
    expect(r.status).toBe(401);
    expect(r.body.error).toEqual({
      message: "Authentication Error, Malformed API Key passed in. Ensure Key has `Bearer ` prefix.",
      type: "auth_error",
      param: "None",
      code: "401",
    });
  });

  it("§0 lowercase `bearer ` works too", async () => {
    const r = await get(d.current, "/model/info", { key: null, headers: { authorization: `bearer ${MASTER}` } });
    expect(r.status).toBe(200);
  });

  it("§0 x-litellm-api-key supersedes Authorization", async () => {
    const good = await get(d.current, "/model/info", { key: "sk-wrong-key-0000", headers: { "x-litellm-api-key": MASTER } });
    expect(good.status).toBe(200);
    const bad = await get(d.current, "/model/info", { key: MASTER, headers: { "x-litellm-api-key": "sk-wrong-key-0000" } });
    expect(bad.status).toBe(401);
    expect(bad.body.error.type).toBe("token_not_found_in_db");
  });

  it("§0 a key that doesn't start with sk- (not the master key) → 401 'LiteLLM Virtual Key expected' with the key masked", async () => {
    const r = await post(d.current, "/team/new", {}, { key: "abcdefghijklmnopwxyz" });
    expect(r.status).toBe(401);
    expect(r.body.error).toEqual({
      message: "LiteLLM Virtual Key expected. Received=abcd****wxyz, expected to start with 'sk-'.",
      type: "auth_error",
      param: "None",
      code: "401",
    });
  });

  it("§0 a virtual key on an admin route → 401 auth_error, only proxy admin, user id masked", async () => {
    const { rawKey } = await teamWithKey(d.current, {}, { user_id: "abcdefyz" });
    const r = await post(d.current, "/team/new", {}, { key: rawKey });
    expect(r.status).toBe(401);
    expect(r.body.error).toEqual({
      message:
        "Authentication Error, Only proxy admin can be used to generate, delete, update info for new keys/users/teams. Route=/team/new. Your role=internal_user. Your user_id=abc***yz",
      type: "auth_error",
      param: "None",
      code: "401",
    });
  });

  it("§2 (f) an unknown sk- key → 401 token_not_found_in_db, param key, abbreviated key and hash", async () => {
    const raw = "sk-unknown-key-abcd";
    const r = await get(d.current, "/v1/models", { key: raw });
    expect(r.status).toBe(401);
    expect(r.body.error).toEqual({
      message: `Authentication Error, Invalid proxy server token passed. Received API Key = sk-...abcd, Key Hash (Token) =${sha256(raw)}. Unable to find token in cache or \`LiteLLM_VerificationTokenTable\``,
      type: "token_not_found_in_db",
      param: "key",
      code: "401",
    });
  });

  it("§0 the master key is accepted (the caller is proxy_admin / default_user_id)", async () => {
    const r = await post(d.current, "/team/new", {});
    expect(r.status).toBe(200);
    expect(r.body.members_with_roles).toContainEqual({ user_id: "default_user_id", user_email: null, role: "admin" });
  });

  it("test hooks under /_double/ need the master key", async () => {
    expect((await post(d.current, "/_double/flush", {}, { key: null })).status).toBe(401);
    const { rawKey } = await teamWithKey(d.current);
    expect((await post(d.current, "/_double/flush", {}, { key: rawKey })).status).toBe(401);
    expect((await post(d.current, "/_double/flush", {})).status).toBe(200);
  });

  it("a path LiteLLM doesn't serve → FastAPI's 404 {detail: 'Not Found'}; a wrong method → 405", async () => {
    expect(await call(d.current, "GET", "/no/such/route")).toMatchObject({ status: 404, body: { detail: "Not Found" } });
    expect(await call(d.current, "GET", "/team/new")).toMatchObject({ status: 405, body: { detail: "Method Not Allowed" } });
  });
});
