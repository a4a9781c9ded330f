import { describe, expect, it } from "vitest";
import { startLiteLLMDouble } from "./server.ts";
import { COMPATS, MASTER, chat, get, post, sha256, teamWithKey, uid, useDouble } from "./test-helpers.ts";

const GENERATE_RESPONSE_FIELDS = [
  "key",
  "token",
  "token_id",
  "key_name",
  "key_alias",
  "expires",
  "models",
  "spend",
  "max_budget",
  "user_id",
  "team_id",
  "organization_id",
  "project_id",
  "budget_id",
  "max_parallel_requests",
  "metadata",
  "tpm_limit",
  "rpm_limit",
  "budget_duration",
  "allowed_cache_controls",
  "soft_budget",
  "duration",
  "aliases",
  "config",
  "permissions",
  "model_max_budget",
  "blocked",
  "allowed_routes",
  "tags",
  "litellm_budget_table",
  "created_by",
  "updated_by",
  "created_at",
  "updated_at",
];

describe.each(COMPATS)("CONTRACT §1 /key/* (%s)", (compat) => {
  const now = new Date("2025-11-25T10:00:00Z");
  const d = useDouble({ compat, now });

  describe("POST /key/generate", () => {
    it("§1 /key/generate: the documented response with defaults; token = sha256(key) = token_id; key_name sk-...last4", async () => {
      const r = await post(d.current, "/key/generate", {});
      expect(r.status).toBe(200);
      expect(Object.keys(r.body)).toEqual(GENERATE_RESPONSE_FIELDS);
      expect(r.body.key).toMatch(/^sk-[A-Za-z0-9_-]{22}$/);
      expect(r.body.token).toBe(sha256(r.body.key));
      expect(r.body.token_id).toBe(r.body.token);
      expect(r.body.key_name).toBe(`sk-...${r.body.key.slice(-4)}`);
      expect(r.body).toMatchObject({
        key_alias: null,
        expires: null,
        models: [],
        spend: 0,
        max_budget: null,
        team_id: null,
        metadata: {},
        allowed_cache_controls: [],
        aliases: {},
        config: {},
        permissions: {},
        model_max_budget: {},
        blocked: null,
        allowed_routes: [],
        tags: null,
        litellm_budget_table: null,
        created_by: "default_user_id",
        updated_by: "default_user_id",
      });
    });

    it("§0 durations: `duration` is an exact offset from now; budget_reset_at is only visible through /key/info", async () => {
      const r = await post(d.current, "/key/generate", { duration: "2h", budget_duration: "1d" });
      expect(r.body.expires).toBe("2025-11-25T12:00:00.000Z");
      expect(r.body).not.toHaveProperty("budget_reset_at");
      const info = await get(d.current, `/key/info?key=${r.body.key}`);
      expect(info.body.info.budget_reset_at).toBe("2025-11-26T00:00:00.000Z");
    });

    it("§0 a user-supplied key must start with sk- → 400 HE with the Python repr message", async () => {
      const r = await post(d.current, "/key/generate", { key: "abcdefghijklwxyz" });
      expect(r.status).toBe(400);
      expect(r.body.error).toEqual({
        message: `{'error': "Invalid key format. LiteLLM Virtual Key must start with 'sk-'. Received: abcd****wxyz"}`,
        type: "internal_server_error",
        param: "None",
        code: "400",
      });
    });

    it("§1 /key/generate: a custom key shorter than 16 characters (MINIMUM_CUSTOM_KEY_LENGTH) → 400 HE, nothing created", async () => {
      const before = d.current.state.keys().length;
      const r = await post(d.current, "/key/generate", { key: "sk-0123456789ab" });
      expect(r.status).toBe(400);
      expect(r.body.error).toEqual({
        message: "{'error': 'Invalid key format. LiteLLM Virtual Key must be at least 16 characters long.'}",
        type: "internal_server_error",
        param: "None",
        code: "400",
      });
      expect(d.current.state.keys()).toHaveLength(before);
      expect((await post(d.current, "/key/generate", { key: "sk-0123456789abc" })).status).toBe(200);
    });

    it("§0 a user-supplied sk- key is used as is", async () => {
      const raw = `sk-${uid("own-key")}`;
      const r = await post(d.current, "/key/generate", { key: raw });
      expect(r.body.key).toBe(raw);
      expect(r.body.token).toBe(sha256(raw));
    });

    it("§1 /key/generate: duplicate key_alias → 400 bad_request_error, param key_alias", async () => {
      const alias = uid("alias");
      expect((await post(d.current, "/key/generate", { key_alias: alias })).status).toBe(200);
      const r = await post(d.current, "/key/generate", { key_alias: alias });
      expect(r.status).toBe(400);
      expect(r.body.error).toEqual({
        message: `Key with alias '${alias}' already exists. Unique key aliases across all keys are required.`,
        type: "bad_request_error",
        param: "key_alias",
        code: "400",
      });
    });

    it("§1 /key/generate: negative max_budget → 400 HE \"{'error': 'max_budget cannot be negative. Received: -1'}\"", async () => {
      const r = await post(d.current, "/key/generate", { max_budget: -1 });
      expect(r.status).toBe(400);
      expect(r.body.error).toEqual({ message: "{'error': 'max_budget cannot be negative. Received: -1'}", type: "internal_server_error", param: "None", code: "400" });
    });

    it("§1 /key/generate: an unknown team_id is not validated (dangling team_id)", async () => {
      const r = await post(d.current, "/key/generate", { team_id: "no-such-team" });
      expect(r.status).toBe(200);
      expect(r.body.team_id).toBe("no-such-team");
    });

    it("§1 /key/generate: model_max_budget without a licence → 500", async () => {
      const r = await post(d.current, "/key/generate", { model_max_budget: { "gpt-4o": { budget_limit: 0.5, time_period: "1d" } } });
      expect(r.status).toBe(500);
      expect(r.body.error.message).toMatch(/^You must have an enterprise license to set model_max_budget/);
      expect(r.body.error.code).toBe("500");
    });

    it("§1 /key/generate: tags without a licence → 500 'Only premium users can add tags to keys'", async () => {
      const r = await post(d.current, "/key/generate", { tags: ["a"] });
      expect(r.status).toBe(500);
      expect(r.body.error.message).toMatch(/^Only premium users can add tags to keys/);
    });

    it("§1 /key/generate: key_type rewrites allowed_routes", async () => {
      const r = await post(d.current, "/key/generate", { key_type: "llm_api" });
      expect(r.body.allowed_routes).toEqual(["llm_api_routes"]);
      const bad = await post(d.current, "/key/generate", { key_type: "nope" });
      expect(bad.status).toBe(422);
      expect(bad.body.detail[0]).toMatchObject({ type: "literal_error", loc: ["body", "key_type"] });
    });

    it("§0 a body that fails Pydantic validation → 422 {detail:[{type,loc,msg,input}]}", async () => {
      const r = await post(d.current, "/key/generate", { max_budget: "lots" });
      expect(r.status).toBe(422);
      expect(r.body).toEqual({
        detail: [{ type: "float_parsing", loc: ["body", "max_budget"], msg: "Input should be a valid number, unable to parse string as a number", input: "lots" }],
      });
    });

    it("§1 /key/generate: model_rpm_limit is stored inside metadata", async () => {
      const r = await post(d.current, "/key/generate", { metadata: { a: 1 }, model_rpm_limit: { "gpt-3.5-turbo": 5 } });
      const info = await get(d.current, `/key/info?key=${r.body.token}`);
      expect(info.body.info.metadata).toEqual({ a: 1, model_rpm_limit: { "gpt-3.5-turbo": 5 } });
    });
  });

  describe("GET /key/info", () => {
    it("§1 /key/info: {key: as passed, info: row without token}; the raw key or the hash both work", async () => {
      const { rawKey, token, teamId } = await teamWithKey(d.current, {}, { key_alias: uid("k"), max_budget: 3 });
      for (const passed of [rawKey, token]) {
        const r = await get(d.current, `/key/info?key=${passed}`);
        expect(r.status).toBe(200);
        expect(r.body.key).toBe(passed);
        expect(r.body.info).not.toHaveProperty("token");
        expect(r.body.info).toMatchObject({ team_id: teamId, max_budget: 3, spend: 0, key_name: `sk-...${rawKey.slice(-4)}`, litellm_budget_table: null });
        for (const field of ["budget_reset_at", "model_spend", "created_at", "created_by", "updated_at", "updated_by", "last_active", "rotation_count", "last_rotation_at", "soft_budget_cooldown"]) {
          expect(r.body.info).toHaveProperty(field);
        }
      }
    });

    it("§1 /key/info: an unknown key → 404 not_found_error 'Key not found in database', param key", async () => {
      const r = await get(d.current, "/key/info?key=sk-nope-nope");
      expect(r.status).toBe(404);
      expect(r.body).toEqual({ error: { message: "Key not found in database", type: "not_found_error", param: "key", code: "404" } });
    });

    it("§1 /key/info: with no key, a virtual key reports on itself", async () => {
      const { rawKey, token } = await teamWithKey(d.current);
      const r = await get(d.current, "/key/info", { key: rawKey });
      expect(r.status).toBe(200);
      expect(r.body.key).toBe(token);
    });

    it("§2 Soft budget: soft_budget lives in a budget-table row linked through budget_id", async () => {
      const r = await post(d.current, "/key/generate", { soft_budget: 2 });
      expect(r.body.soft_budget).toBe(2);
      expect(r.body.budget_id).toEqual(expect.any(String));
      const info = await get(d.current, `/key/info?key=${r.body.key}`);
      expect(info.body.info.litellm_budget_table).toMatchObject({ budget_id: r.body.budget_id, soft_budget: 2 });
    });
  });

  describe("POST /key/update", () => {
    it("§1 /key/update: only the fields sent change (exclude_unset)", async () => {
      const { rawKey } = await teamWithKey(d.current, {}, { max_budget: 5, models: ["gpt-3.5-turbo"], metadata: { a: 1 } });
      expect((await post(d.current, "/key/update", { key: rawKey, tpm_limit: 10 })).status).toBe(200);
      const info = (await get(d.current, `/key/info?key=${rawKey}`)).body.info;
      expect(info).toMatchObject({ tpm_limit: 10, max_budget: 5, models: ["gpt-3.5-turbo"], metadata: { a: 1 } });
    });

    it("§1 /key/update: response = {key as sent, …payload with dicts as JSON strings, token hash}", async () => {
      const { rawKey, token } = await teamWithKey(d.current);
      const r = await post(d.current, "/key/update", { key: rawKey, metadata: { team: "x", n: 1 }, max_budget: 7 });
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ key: rawKey, max_budget: 7, metadata: '{"team": "x", "n": 1}', token });
      expect(Object.keys(r.body)[0]).toBe("key");
      expect(Object.keys(r.body).at(-1)).toBe("token");
    });

    it("§1 /key/update: metadata replaces the stored metadata", async () => {
      const { rawKey } = await teamWithKey(d.current, {}, { metadata: { a: 1 } });
      await post(d.current, "/key/update", { key: rawKey, metadata: { b: 2 } });
      expect((await get(d.current, `/key/info?key=${rawKey}`)).body.info.metadata).toEqual({ b: 2 });
    });

    it("§1 /key/update: duration null or '-1' → expires null; otherwise now + duration", async () => {
      const { rawKey } = await teamWithKey(d.current, {}, { duration: "1h" });
      const r1 = await post(d.current, "/key/update", { key: rawKey, duration: "30m" });
      expect(r1.body.expires).toBe("2025-11-25T10:30:00.000Z");
      await post(d.current, "/key/update", { key: rawKey, duration: null });
      expect((await get(d.current, `/key/info?key=${rawKey}`)).body.info.expires).toBeNull();
      await post(d.current, "/key/update", { key: rawKey, duration: "1h" });
      await post(d.current, "/key/update", { key: rawKey, duration: "-1" });
      expect((await get(d.current, `/key/info?key=${rawKey}`)).body.info.expires).toBeNull();
    });

    it("§1 /key/update: budget_duration recomputes budget_reset_at and does not zero spend (#34492); spend can be set", async () => {
      const { rawKey } = await teamWithKey(d.current);
      await post(d.current, "/key/update", { key: rawKey, spend: 4.5 });
      await post(d.current, "/key/update", { key: rawKey, budget_duration: "7d" });
      const info = (await get(d.current, `/key/info?key=${rawKey}`)).body.info;
      expect(info.spend).toBe(4.5);
      expect(info.budget_reset_at).toBe("2025-12-01T00:00:00.000Z"); // next Monday
    });

    it("§1 /key/update: a missing key → 404 auth_error \"{'error': 'Team not found, passed team_id=None'}\"", async () => {
      const r = await post(d.current, "/key/update", { key: "sk-missing-key-0000", max_budget: 1 });
      expect(r.status).toBe(404);
      expect(r.body.error).toEqual({ message: "{'error': 'Team not found, passed team_id=None'}", type: "auth_error", param: "None", code: "404" });
    });

    it("§1 /key/update: negative budget → 400", async () => {
      const { rawKey } = await teamWithKey(d.current);
      const r = await post(d.current, "/key/update", { key: rawKey, max_budget: -2 });
      expect(r.status).toBe(400);
      expect(r.body.error.message).toBe("{'error': 'max_budget cannot be negative. Received: -2'}");
    });

    it("§1 /key/update: `key` is required → 422", async () => {
      const r = await post(d.current, "/key/update", { max_budget: 1 });
      expect(r.status).toBe(422);
      expect(r.body.detail[0]).toMatchObject({ type: "missing", loc: ["body", "key"], msg: "Field required" });
    });
  });

  describe("POST /key/delete", () => {
    it("§1 /key/delete: deleted_keys echoes exactly what was sent; raw keys or hashes", async () => {
      const a = await teamWithKey(d.current);
      const b = await teamWithKey(d.current);
      const r = await post(d.current, "/key/delete", { keys: [a.rawKey, b.token] });
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ deleted_keys: [a.rawKey, b.token] });
      expect((await get(d.current, `/key/info?key=${a.rawKey}`)).status).toBe(404);
    });

    it("§1 /key/delete: by key_aliases", async () => {
      const alias = uid("del");
      await post(d.current, "/key/generate", { key_alias: alias });
      const r = await post(d.current, "/key/delete", { key_aliases: [alias] });
      expect(r.body).toEqual({ deleted_keys: [alias] });
    });

    it("§1 /key/delete: a missing key → 404 HE \"{'error': 'No keys found'}\"", async () => {
      const r = await post(d.current, "/key/delete", { keys: ["sk-never-existed"] });
      expect(r.status).toBe(404);
      expect(r.body.error).toEqual({ message: "{'error': 'No keys found'}", type: "internal_server_error", param: "None", code: "404" });
    });

    it("§1 /key/delete: neither keys nor key_aliases → 422 from the model validator", async () => {
      const r = await post(d.current, "/key/delete", {});
      expect(r.status).toBe(422);
      expect(r.body.detail).toHaveLength(1);
      expect(r.body.detail[0]).toMatchObject({ type: "value_error", loc: ["body"] });
      expect(Object.keys(r.body.detail[0])).toEqual(["type", "loc", "msg", "input"]);
    });

    it("§1 /key/delete: deleted keys are listed by /key/list?status=deleted", async () => {
      const { token, teamId } = await teamWithKey(d.current);
      await post(d.current, "/key/delete", { keys: [token] });
      const r = await get(d.current, `/key/list?status=deleted&team_id=${teamId}`);
      expect(r.body.keys).toEqual([token]);
      expect((await get(d.current, `/key/list?team_id=${teamId}`)).body.keys).toEqual([]);
    });
  });

  describe("POST /key/block, /key/unblock", () => {
    it("§1 /key/block: the full row including token; a blocked key is refused with 401 (§2 (e))", async () => {
      const { rawKey, token } = await teamWithKey(d.current);
      const r = await post(d.current, "/key/block", { key: rawKey });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ token, blocked: true });
      const c = await chat(d.current, rawKey);
      expect(c.status).toBe(401);
      expect(c.body.error).toEqual({
        message: "Authentication Error, Key is blocked. Update via `/key/unblock` if you're an admin.",
        type: "auth_error",
        param: "None",
        code: "401",
      });
      const u = await post(d.current, "/key/unblock", { key: token });
      expect(u.body).toMatchObject({ token, blocked: false });
      expect((await chat(d.current, rawKey)).status).toBe(200);
    });

    it("§1 /key/block and /key/unblock: an unknown key → current 404 not_found_error 'Key not found.', legacy 401 token_not_found_in_db", async () => {
      for (const path of ["/key/block", "/key/unblock"]) {
        const r = await post(d.current, path, { key: "sk-not-a-key-000" });
        if (compat === "current") {
          expect(r.status).toBe(404);
          expect(r.body.error).toEqual({ message: "Key not found.", type: "not_found_error", param: "key", code: "404" });
        } else {
          expect(r.status).toBe(401);
          expect(r.body.error.type).toBe("token_not_found_in_db");
          expect(r.body.error.message).toContain(`key=${sha256("sk-not-a-key-000")}, not found in db`);
        }
      }
    });

    it("§1 /key/block: a malformed key → 400 'Invalid key format.'", async () => {
      const r = await post(d.current, "/key/block", { key: "not-a-key" });
      expect(r.status).toBe(400);
      expect(r.body.error.message).toBe("Invalid key format.");
    });
  });

  describe("POST /key/regenerate", () => {
    it("§1 /key/{key}/regenerate: Enterprise only → 500 without a licence", async () => {
      const { rawKey } = await teamWithKey(d.current);
      const r = await post(d.current, `/key/${rawKey}/regenerate`, {});
      expect(r.status).toBe(500);
      expect(r.body.error.message).toMatch(/^Regenerating Virtual Keys is an Enterprise feature, You must be a LiteLLM Enterprise user/);
      expect((await post(d.current, "/key/regenerate", { key: rawKey })).status).toBe(500);
    });
  });

  describe("GET /key/list", () => {
    it("§1 /key/list: hash strings by default, paging with total_count / current_page / total_pages", async () => {
      const teamId = uid("list");
      await post(d.current, "/team/new", { team_id: teamId });
      const tokens: string[] = [];
      for (let i = 0; i < 5; i++) {
        d.current.clock.advance(1000);
        tokens.push((await post(d.current, "/key/generate", { team_id: teamId, key_alias: uid("l") })).body.token);
      }
      const p1 = await get(d.current, `/key/list?team_id=${teamId}&size=2`);
      expect(p1.body).toEqual({ keys: [tokens[4], tokens[3]], total_count: 5, current_page: 1, total_pages: 3 });
      const p3 = await get(d.current, `/key/list?team_id=${teamId}&size=2&page=3`);
      expect(p3.body.keys).toEqual([tokens[0]]);
      const asc = await get(d.current, `/key/list?team_id=${teamId}&sort_by=created_at&sort_order=asc&size=100`);
      expect(asc.body.keys).toEqual(tokens);
    });

    it("§1 /key/list: return_full_object=true gives objects; key_alias filter", async () => {
      const alias = uid("full");
      const { token, teamId } = await teamWithKey(d.current, { team_alias: "Team X" }, { key_alias: alias });
      const r = await get(d.current, `/key/list?return_full_object=true&key_alias=${alias}`);
      expect(r.body.keys).toHaveLength(1);
      expect(r.body.keys[0]).toMatchObject({ token, key_alias: alias, team_id: teamId, team_alias: "Team X" });
    });

    it("§1 /key/list: size above 100 → 422; a bad sort → 400 internal_server_error", async () => {
      expect((await get(d.current, "/key/list?size=101")).status).toBe(422);
      const r = await get(d.current, "/key/list?sort_by=nope");
      expect(r.status).toBe(400);
      expect(r.body.error).toMatchObject({ type: "internal_server_error", code: "400" });
    });
  });
});

describe.each(COMPATS)("CONTRACT §1 enterprise key features with premium (%s)", (compat) => {
  const d = useDouble({ compat, premium: true });

  it("§1 /key/{key}/regenerate: new key and hash, key_name; spend, team and metadata kept; the old key stops working", async () => {
    const { rawKey, token, teamId } = await teamWithKey(d.current, {}, { metadata: { m: 1 }, key_alias: uid("rot") });
    await post(d.current, "/key/update", { key: rawKey, spend: 1.25 });
    const r = await post(d.current, `/key/${rawKey}/regenerate`, {});
    expect(r.status).toBe(200);
    expect(r.body.key).toMatch(/^sk-[A-Za-z0-9_-]{22}$/);
    expect(r.body.key).not.toBe(rawKey);
    expect(r.body.token).toBe(sha256(r.body.key));
    expect(r.body.token_id).toBe(r.body.token);
    expect(r.body.key_name).toBe(`sk-...${r.body.key.slice(-4)}`);
    expect(r.body).toMatchObject({ spend: 1.25, team_id: teamId, metadata: { m: 1 } });
    expect((await chat(d.current, rawKey)).status).toBe(401);
    expect((await chat(d.current, r.body.key)).status).toBe(200);
    expect((await get(d.current, `/key/info?key=${token}`)).status).toBe(404);
  });

  it("§1 POST /key/regenerate with {key} in the body; unknown key → 404 \"{'error': 'Key sk-x not found.'}\"", async () => {
    const { rawKey } = await teamWithKey(d.current);
    expect((await post(d.current, "/key/regenerate", { key: rawKey })).status).toBe(200);
    const r = await post(d.current, "/key/regenerate", { key: "sk-x" });
    expect(r.status).toBe(404);
    expect(r.body.error.message).toBe("{'error': 'Key sk-x not found.'}");
  });

  it("§1 /key/regenerate: grace_period keeps the old key valid until revoke_at", async () => {
    const { rawKey } = await teamWithKey(d.current);
    const r = await post(d.current, `/key/${rawKey}/regenerate`, { grace_period: "1h" });
    expect((await chat(d.current, rawKey)).status).toBe(200);
    d.current.clock.advance(2 * 3600_000);
    expect((await chat(d.current, rawKey)).status).toBe(401);
    expect((await chat(d.current, r.body.key)).status).toBe(200);
  });

  it("§1 /key/generate: with a licence tags are stored in metadata.tags", async () => {
    const r = await post(d.current, "/key/generate", { tags: ["a", "b"] });
    expect(r.status).toBe(200);
    expect(r.body.tags).toEqual(["a", "b"]);
    expect((await get(d.current, `/key/info?key=${r.body.key}`)).body.info.metadata.tags).toEqual(["a", "b"]);
  });

  it("§1 /key/{key}/reset_spend: 0 ≤ reset_to ≤ spend → {key_hash, spend, previous_spend, max_budget, budget_reset_at}", async () => {
    const { rawKey, token } = await teamWithKey(d.current, {}, { max_budget: 10 });
    await post(d.current, "/key/update", { key: rawKey, spend: 3 });
    const r = await post(d.current, `/key/${rawKey}/reset_spend`, { reset_to: 1 });
    expect(r.body).toEqual({ key_hash: token, spend: 1, previous_spend: 3, max_budget: 10, budget_reset_at: null });
    expect((await post(d.current, `/key/${rawKey}/reset_spend`, { reset_to: 5 })).status).toBe(400);
  });
});

describe("CONTRACT §1 /key/list leaves out UI session keys", () => {
  it("§1 /key/list: keys of team litellm-dashboard are excluded", async () => {
    const double = await startLiteLLMDouble({ masterKey: MASTER });
    try {
      await post(double, "/key/generate", { team_id: "litellm-dashboard" });
      const { token } = await teamWithKey(double);
      expect((await get(double, "/key/list")).body).toMatchObject({ keys: [token], total_count: 1 });
    } finally {
      await double.close();
    }
  });
});
