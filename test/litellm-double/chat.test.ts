import { describe, expect, it } from "vitest";
import { startLiteLLMDouble } from "./server.ts";
import { COMPATS, GPT35, MASTER, chat, get, post, sha256, teamWithKey, uid, useDouble } from "./test-helpers.ts";

const PROMPT = "Hello there, double!"; // 20 characters → 5 prompt tokens
const COST_16 = 5 * GPT35.input + 16 * GPT35.output;

describe.each(COMPATS)("CONTRACT §2 /chat/completions (%s)", (compat) => {
  const budgetStatus = compat === "current" ? 429 : 400;
  const accessStatus = compat === "current" ? 403 : 401;
  const d = useDouble({ compat, now: new Date("2025-11-25T10:00:00Z") });

  describe("the completion", () => {
    it("§2 an OpenAI-shaped completion: id chatcmpl-…, deterministic usage (ceil(chars/4) prompt, 16 completion)", async () => {
      const { rawKey } = await teamWithKey(d.current);
      const r = await chat(d.current, rawKey, { messages: [{ role: "user", content: PROMPT }] });
      expect(r.status).toBe(200);
      expect(r.body.id).toMatch(/^chatcmpl-/);
      expect(r.body).toMatchObject({ object: "chat.completion", model: "gpt-3.5-turbo", usage: { prompt_tokens: 5, completion_tokens: 16, total_tokens: 21 } });
      expect(r.body.choices[0]).toMatchObject({ index: 0, finish_reason: "stop", message: { role: "assistant" } });
      expect(typeof r.body.choices[0].message.content).toBe("string");
      expect(Number(r.headers.get("x-litellm-response-cost"))).toBeCloseTo(COST_16, 15);
    });

    it("§2 max_tokens is honoured as the completion length", async () => {
      const { rawKey } = await teamWithKey(d.current);
      const r = await chat(d.current, rawKey, { max_tokens: 3 });
      expect(r.body.usage).toEqual({ prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 });
    });

    it("§2 /v1/chat/completions is the same endpoint", async () => {
      const { rawKey } = await teamWithKey(d.current);
      const r = await post(d.current, "/v1/chat/completions", { model: "gpt-4-turbo", messages: [{ role: "user", content: "abcd" }] }, { key: rawKey });
      expect(r.status).toBe(200);
      expect(r.body.usage.prompt_tokens).toBe(1);
    });

    it("§2 stream: true → SSE chunks ending with data: [DONE], usage in the last chunk, same accounting", async () => {
      const { rawKey, token } = await teamWithKey(d.current);
      const r = await chat(d.current, rawKey, { stream: true, max_tokens: 4 });
      expect(r.status).toBe(200);
      expect(r.headers.get("content-type")).toMatch(/^text\/event-stream/);
      const events = r.text.split("\n\n").filter(Boolean);
      expect(events.at(-1)).toBe("data: [DONE]");
      const chunks = events.slice(0, -1).map((e) => JSON.parse(e.replace(/^data: /, "")));
      expect(chunks.every((c) => c.object === "chat.completion.chunk" && c.id === chunks[0].id)).toBe(true);
      expect(chunks[0].choices[0].delta.role).toBe("assistant");
      expect(chunks.at(-1).choices[0].finish_reason).toBe("stop");
      expect(chunks.at(-1).usage).toEqual({ prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 });
      const text = chunks.map((c) => c.choices[0].delta.content ?? "").join("");
      expect(text.split(" ")).toHaveLength(4);
      await d.current.flush();
      const info = await get(d.current, `/key/info?key=${token}`);
      expect(info.body.info.spend).toBeCloseTo(5 * GPT35.input + 4 * GPT35.output, 15);
      expect(d.current.state.spendLogs().find((l) => l.request_id === chunks[0].id)).toMatchObject({ total_tokens: 9, status: "success" });
    });

    it("§2 an unknown model (after auth) → 400", async () => {
      const { rawKey } = await teamWithKey(d.current);
      const r = await chat(d.current, rawKey, { model: "no-such-model" });
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe("400");
      expect(r.body.error.message).toContain("Invalid model name passed in model=no-such-model");
    });
  });

  describe("model access", () => {
    it(`§2 (c) model not in the key's models → ${accessStatus} key_model_access_denied, param model`, async () => {
      const { rawKey } = await teamWithKey(d.current, {}, { models: ["gpt-3.5-turbo"] });
      const r = await chat(d.current, rawKey, { model: "gpt-4-turbo" });
      expect(r.status).toBe(accessStatus);
      expect(r.body.error).toEqual({
        message: "key not allowed to access model. This key can only access models=['gpt-3.5-turbo']. Tried to access gpt-4-turbo",
        type: "key_model_access_denied",
        param: "model",
        code: String(accessStatus),
      });
    });

    it(`§2 (c) model not in the team's models → ${accessStatus} team_model_access_denied`, async () => {
      const { rawKey } = await teamWithKey(d.current, { models: ["gpt-4-turbo"] });
      const r = await chat(d.current, rawKey, { model: "gpt-3.5-turbo" });
      expect(r.status).toBe(accessStatus);
      expect(r.body.error).toMatchObject({
        message: "team not allowed to access model. This team can only access models=['gpt-4-turbo']. Tried to access gpt-3.5-turbo",
        type: "team_model_access_denied",
        code: String(accessStatus),
      });
    });

    it("§1 /key/generate models: all-team-models defers to the team", async () => {
      const { rawKey } = await teamWithKey(d.current, { models: ["gpt-4-turbo"] }, { models: ["all-team-models"] });
      expect((await chat(d.current, rawKey, { model: "gpt-4-turbo" })).status).toBe(200);
      expect((await chat(d.current, rawKey, { model: "gpt-3.5-turbo" })).body.error.type).toBe("team_model_access_denied");
    });
  });

  describe("budgets", () => {
    it(`§2 (a) key budget trips at spend >= max_budget: max_budget 0 blocks at once → ${budgetStatus} budget_exceeded, param null`, async () => {
      const { rawKey } = await teamWithKey(d.current, {}, { max_budget: 0 });
      const r = await chat(d.current, rawKey);
      expect(r.status).toBe(budgetStatus);
      expect(r.body.error).toEqual({
        message: "Budget has been exceeded! Current cost: 0.0, Max budget: 0.0",
        type: "budget_exceeded",
        param: null,
        code: String(budgetStatus),
      });
    });

    it("§2 (a) key budget: spend equal to max_budget blocks (>=)", async () => {
      const { rawKey } = await teamWithKey(d.current, {}, { max_budget: 1 });
      await post(d.current, "/key/update", { key: rawKey, spend: 0.5 });
      expect((await chat(d.current, rawKey)).status).toBe(200);
      await post(d.current, "/key/update", { key: rawKey, spend: 1 });
      const r = await chat(d.current, rawKey);
      expect(r.status).toBe(budgetStatus);
      expect(r.body.error.message).toBe("Budget has been exceeded! Current cost: 1.0, Max budget: 1.0");
    });

    it(`§2 (b) team budget trips only at spend > max_budget (strict) → ${budgetStatus} with Team=<id>`, async () => {
      const { rawKey, teamId } = await teamWithKey(d.current, { max_budget: COST_16 });
      expect((await chat(d.current, rawKey)).status).toBe(200);
      await d.current.flush();
      const team = d.current.state.teams().find((t) => t.team_id === teamId)!;
      expect(team.spend).toBe(team.max_budget); // equal: still allowed
      expect((await chat(d.current, rawKey)).status).toBe(200);
      await d.current.flush();
      const r = await chat(d.current, rawKey);
      expect(r.status).toBe(budgetStatus);
      expect(r.body.error).toMatchObject({ type: "budget_exceeded", param: null, code: String(budgetStatus) });
      expect(r.body.error.message).toMatch(new RegExp(`^Budget has been exceeded! Team=${teamId} Current cost: [0-9.e-]+, Max budget: [0-9.e-]+$`));
    });

    it("§2 team max_budget 0 does not block before any spend (strict >)", async () => {
      const { rawKey } = await teamWithKey(d.current, { max_budget: 0 });
      expect((await chat(d.current, rawKey)).status).toBe(200);
    });

    it("§3 budgets are enforced on committed spend: a burst before the batch write overshoots", async () => {
      const { rawKey, token } = await teamWithKey(d.current, {}, { max_budget: COST_16 / 2 });
      for (let i = 0; i < 3; i++) expect((await chat(d.current, rawKey)).status).toBe(200);
      await d.current.flush();
      expect(d.current.state.keys().find((k) => k.token === token)!.spend).toBeCloseTo(3 * COST_16, 15);
      expect((await chat(d.current, rawKey)).status).toBe(budgetStatus);
    });

    it("§2 Soft budget: crossing it never blocks; the double records the alert once", async () => {
      const { rawKey, token } = await teamWithKey(d.current, {}, { soft_budget: COST_16 / 2 });
      await chat(d.current, rawKey);
      await d.current.flush();
      expect((await chat(d.current, rawKey)).status).toBe(200);
      expect((await chat(d.current, rawKey)).status).toBe(200);
      expect(d.current.state.softBudgetAlerts().filter((a) => a.id === token)).toHaveLength(1);
    });
  });

  describe("the order of the checks", () => {
    it("§2 blocked (2) comes before key model access (3)", async () => {
      const { rawKey } = await teamWithKey(d.current, {}, { models: ["gpt-3.5-turbo"] });
      await post(d.current, "/key/block", { key: rawKey });
      expect((await chat(d.current, rawKey, { model: "gpt-4-turbo" })).body.error.message).toContain("Key is blocked");
    });

    it("§2 key model access (3) comes before expiry (5)", async () => {
      const { rawKey } = await teamWithKey(d.current, {}, { models: ["gpt-3.5-turbo"], duration: "1s" });
      d.current.clock.advance(5_000);
      expect((await chat(d.current, rawKey, { model: "gpt-4-turbo" })).body.error.type).toBe("key_model_access_denied");
      const r = await chat(d.current, rawKey, { model: "gpt-3.5-turbo" });
      expect(r.status).toBe(401);
      expect(r.body.error).toMatchObject({ type: "expired_key", param: `sk-...${rawKey.slice(-4)}`, code: "401" });
      expect(r.body.error.message).toMatch(/^Authentication Error - Expired Key\. Key Expiry time \S+ and current time \S+$/);
    });

    it("§2 key budget (6) comes before team blocked (9)", async () => {
      const { rawKey, teamId } = await teamWithKey(d.current, {}, { max_budget: 0 });
      await post(d.current, "/team/block", { team_id: teamId });
      expect((await chat(d.current, rawKey)).body.error.type).toBe("budget_exceeded");
    });

    it("§2 team model access comes before team budget", async () => {
      const { rawKey, teamId } = await teamWithKey(d.current, { models: ["gpt-3.5-turbo"], max_budget: COST_16 / 2 });
      await chat(d.current, rawKey);
      await d.current.flush();
      expect(d.current.state.teams().find((t) => t.team_id === teamId)!.spend).toBeGreaterThan(COST_16 / 2);
      expect((await chat(d.current, rawKey, { model: "gpt-4-turbo" })).body.error.type).toBe("team_model_access_denied");
    });
  });

  describe("rate limits", () => {
    it("§2 (d) key rpm_limit → 429 type 'None', the documented message and headers retry-after, rate_limit_type, reset_at", async () => {
      const { rawKey, token } = await teamWithKey(d.current, {}, { rpm_limit: 1 });
      expect((await chat(d.current, rawKey)).status).toBe(200);
      const r = await chat(d.current, rawKey);
      expect(r.status).toBe(429);
      expect(r.body.error).toMatchObject({ type: "None", param: "None", code: "429" });
      expect(r.body.error.message).toMatch(
        new RegExp(`^Rate limit exceeded for api_key: ${token}\\. Limit type: requests\\. Current limit: 1, Remaining: 0\\. Limit resets at: \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2} UTC$`),
      );
      expect(r.headers.get("retry-after")).toBe("60");
      expect(r.headers.get("rate_limit_type")).toBe("requests");
      expect(r.headers.get("reset_at")).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/);
      d.current.clock.advance(60_000);
      expect((await chat(d.current, rawKey)).status).toBe(200);
    });

    it("§2 (d) key tpm_limit → 429 with Limit type: tokens once the window's tokens reach the limit", async () => {
      const { rawKey } = await teamWithKey(d.current, {}, { tpm_limit: 20 });
      expect((await chat(d.current, rawKey)).status).toBe(200); // 21 tokens
      const r = await chat(d.current, rawKey);
      expect(r.status).toBe(429);
      expect(r.body.error.message).toContain("Limit type: tokens. Current limit: 20");
      expect(r.headers.get("rate_limit_type")).toBe("tokens");
    });

    it("§2 (d) team rpm_limit → 429 for descriptor team", async () => {
      const { rawKey, teamId } = await teamWithKey(d.current, { rpm_limit: 1 });
      const other = (await post(d.current, "/key/generate", { team_id: teamId })).body.key;
      expect((await chat(d.current, rawKey)).status).toBe(200);
      const r = await chat(d.current, other);
      expect(r.status).toBe(429);
      expect(r.body.error.message).toContain(`Rate limit exceeded for team: ${teamId}. Limit type: requests.`);
    });
  });

  describe("the master key", () => {
    it(`§0 Master key [VERSION]: chat with the master key is logged as ${compat === "current" ? "litellm_proxy_master_key" : "the master key's hash"}`, async () => {
      const r = await chat(d.current, MASTER);
      expect(r.status).toBe(200);
      await d.current.flush();
      const row = d.current.state.spendLogs().find((l) => l.request_id === r.body.id)!;
      expect(row.api_key).toBe(compat === "current" ? "litellm_proxy_master_key" : sha256(MASTER));
      expect(row.user).toBe("default_user_id");
    });
  });

  describe("model failures", () => {
    it("§3 status: a failed model call (mock_response 'litellm.RateLimitError') is logged with status failure and spend 0", async () => {
      const { rawKey, token } = await teamWithKey(d.current);
      const r = await chat(d.current, rawKey, { mock_response: "litellm.RateLimitError" });
      expect(r.status).toBe(429);
      expect(r.body.error.message).toMatch(/^litellm\.RateLimitError/);
      await d.current.flush();
      const row = d.current.state.spendLogs().find((l) => l.api_key === token)!;
      expect(row).toMatchObject({ status: "failure", spend: 0, total_tokens: 0 });
      expect(row.metadata).toMatchObject({ status: "failure", error_information: { error_code: "429", error_class: "RateLimitError" } });
    });

    it("§2 'The model is never called if auth fails': a rejected request writes no spend-log row", async () => {
      const { rawKey, token } = await teamWithKey(d.current, {}, { max_budget: 0 });
      expect((await chat(d.current, rawKey)).status).toBe(budgetStatus);
      await d.current.flush();
      expect(d.current.state.spendLogs().filter((l) => l.api_key === token)).toEqual([]);
    });
  });
});

describe("CONTRACT §2 per-model key budget with premium", () => {
  it("§2 per-model key budget → budget_exceeded 'LiteLLM Virtual Key: <hash>, key_alias: x, exceeded budget for model=…'", async () => {
    const double = await startLiteLLMDouble({ masterKey: MASTER, premium: true });
    try {
      const alias = uid("mmb");
      const { rawKey, token } = await teamWithKey(double, {}, { key_alias: alias, model_max_budget: { "gpt-3.5-turbo": { budget_limit: COST_16 / 2, time_period: "1d" } } });
      expect((await chat(double, rawKey)).status).toBe(200);
      await double.flush();
      const r = await chat(double, rawKey);
      expect(r.status).toBe(429);
      expect(r.body.error).toMatchObject({ type: "budget_exceeded", message: `LiteLLM Virtual Key: ${token}, key_alias: ${alias}, exceeded budget for model=gpt-3.5-turbo` });
      expect((await chat(double, rawKey, { model: "gpt-4-turbo" })).status).toBe(200);
    } finally {
      await double.close();
    }
  });
});
