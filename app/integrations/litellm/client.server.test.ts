import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startLiteLLMDouble, type LiteLLMDouble } from "../../../test/litellm-double/server.ts";
import { LiteLLMClient, hashKey, newVirtualKey } from "./client.server.ts";
import { LiteLLMError, classifyError } from "./errors.ts";

const MASTER = "sk-master-for-client-tests";

async function failure(promise: Promise<unknown>): Promise<LiteLLMError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(LiteLLMError);
  return error as LiteLLMError;
}

const uid = (label: string) => `${label}-${Math.random().toString(36).slice(2, 10)}`;

describe.each(["current", "legacy"] as const)("LiteLLM client against the double (%s status codes)", (compat) => {
  let double: LiteLLMDouble;
  let client: LiteLLMClient;

  beforeAll(async () => {
    double = await startLiteLLMDouble({ port: 0, masterKey: MASTER, compat, batchWriteIntervalMs: 60_000 });
    client = new LiteLLMClient({ baseUrl: double.url, masterKey: MASTER, timeoutMs: 400, maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 });
  });
  afterAll(() => double.close());
  beforeEach(() => double.clearFaults());

  describe("health and models", () => {
    it("reads liveliness, readiness (CONTRACT §1 Health: the version only in legacy's public answer, else in the details), and the served models", async () => {
      expect(await client.liveliness()).toBe("I'm alive!");
      const readiness = await client.readiness();
      if (compat === "current") {
        expect(readiness).toEqual({ status: "healthy" });
        expect((await client.readinessDetails()).litellm_version).toEqual(expect.any(String));
      } else {
        expect(readiness.litellm_version).toEqual(expect.any(String));
        expect((await failure(client.readinessDetails())).type).toBe("not_found");
      }
      const models = await client.modelInfo();
      expect(models.map((m) => m.model_name)).toEqual(expect.arrayContaining(["gpt-3.5-turbo", "gpt-4-turbo"]));
      expect(models[0].model_info?.input_cost_per_token).toEqual(expect.any(Number));
      expect(await client.listModels()).toEqual(expect.arrayContaining(["gpt-3.5-turbo", "gpt-4-turbo"]));
    });

    it("reports a wrong master key as unauthorized", async () => {
      const wrong = new LiteLLMClient({ baseUrl: double.url, masterKey: "sk-not-the-master", maxAttempts: 1 });
      const error = await failure(wrong.modelInfo());
      expect(error.type).toBe("unauthorized");
      expect(error.retryable).toBe(false);
    });

    it("refuses to call the admin API without a master key, saying which setting is missing", async () => {
      const none = new LiteLLMClient({ baseUrl: double.url, masterKey: undefined });
      expect((await failure(none.listModels())).message).toContain("LITELLM_MASTER_KEY");
    });
  });

  describe("teams", () => {
    it("create, read, update, block, unblock and delete", async () => {
      const teamId = uid("team");
      const team = await client.createTeam(teamId, { team_alias: "Acme Dev", models: ["gpt-3.5-turbo"], max_budget: 10, rpm_limit: 100, tpm_limit: 50_000 });
      expect(team).toMatchObject({ team_id: teamId, team_alias: "Acme Dev", models: ["gpt-3.5-turbo"], max_budget: 10, rpm_limit: 100, tpm_limit: 50_000, blocked: false, spend: 0 });

      const updated = await client.updateTeam(teamId, { models: ["gpt-3.5-turbo", "gpt-4-turbo"], rpm_limit: 5 });
      expect(updated).toMatchObject({ models: ["gpt-3.5-turbo", "gpt-4-turbo"], rpm_limit: 5, max_budget: 10 });
      expect((await client.teamInfo(teamId)).team_info.models).toEqual(["gpt-3.5-turbo", "gpt-4-turbo"]);

      expect((await client.blockTeam(teamId)).blocked).toBe(true);
      expect((await client.unblockTeam(teamId)).blocked).toBe(false);

      expect(await client.deleteTeams([teamId])).toMatchObject({ deleted_teams: [teamId] });
      expect((await failure(client.teamInfo(teamId))).type).toBe("not_found");
    });

    it("turns each kind of team error into its type", async () => {
      const teamId = uid("team");
      await client.createTeam(teamId, {});
      // CONTRACT §1 /team/new: duplicate id → 400 through handle_exception_on_proxy (repr message).
      expect((await failure(client.createTeam(teamId, {}))).type).toBe("conflict");
      // /team/block answers a bare {"detail": …} 404.
      expect((await failure(client.blockTeam(uid("missing")))).type).toBe("not_found");
      // /team/info answers 404 with type auth_error: not-found wins.
      expect((await failure(client.teamInfo(uid("missing")))).type).toBe("not_found");
      expect((await failure(client.deleteTeams([uid("missing")]))).type).toBe("not_found");
    });

    it("reads /team/update's errors in either shape (CONTRACT §1 /team/update: ProxyException via handle_exception_on_proxy, or bare detail)", async () => {
      const missing = uid("missing");
      const error = await failure(client.updateTeam(missing, { rpm_limit: 1 }));
      expect(error).toMatchObject({ type: "not_found", status: 404, retryable: false });
      expect(error.message).toBe(compat === "current" ? `{'error': 'Team not found, passed team_id=${missing}'}` : `Team not found, passed team_id=${missing}`);
      expect(error.litellmType).toBe(compat === "current" ? "internal_server_error" : null);
    });
  });

  describe("keys", () => {
    it("generate (secret chosen by us), info, update, block, unblock, list and delete", async () => {
      const teamId = uid("team");
      await client.createTeam(teamId, { models: ["gpt-3.5-turbo"] });
      const generated = await client.generateKey({ team_id: teamId, key_alias: uid("alias"), models: ["gpt-3.5-turbo"], max_budget: 5 });
      expect(generated.key).toMatch(/^sk-[A-Za-z0-9_-]{22}$/);
      expect(generated.token).toBe(hashKey(generated.key));
      expect(generated).toMatchObject({ team_id: teamId, max_budget: 5, models: ["gpt-3.5-turbo"] });

      // Either the secret or its hash works.
      expect((await client.keyInfo(generated.token)).info).toMatchObject({ team_id: teamId, max_budget: 5 });
      await client.updateKey(generated.key, { max_budget: 7, rpm_limit: 3 });
      expect((await client.keyInfo(generated.key)).info).toMatchObject({ max_budget: 7, rpm_limit: 3 });

      expect(await client.blockKey(generated.key)).toMatchObject({ token: generated.token, blocked: true });
      expect((await client.unblockKey(generated.token)).blocked).toBe(false);

      const listed = await client.listKeys({ teamId });
      expect(listed.keys).toEqual([generated.token]);
      const full = await client.listKeys({ teamId, returnFullObject: true });
      expect(full.keys[0]).toMatchObject({ team_id: teamId });

      await client.deleteKeys([generated.key]);
      expect((await failure(client.keyInfo(generated.key))).type).toBe("not_found");
    });

    it("never puts a raw key in a /key/info URL, not even when recovering a lost /key/generate answer (CONTRACT §1 /key/info takes the hash)", async () => {
      const before = double.state.requests("/key/info").length;
      double.fault("/key/generate", { kind: "drop", count: 1 });
      const generated = await client.generateKey({ key_alias: uid("alias") });
      expect(double.state.keys().filter((k) => k.token === generated.token)).toHaveLength(1);
      expect((await client.keyInfo(generated.key)).info.key_alias).toEqual(expect.any(String));
      const urls = double.state.requests("/key/info").slice(before).map((r) => r.url);
      expect(urls).toHaveLength(2);
      for (const url of urls) expect(url).toBe(`/key/info?key=${generated.token}`);
    });

    it("generates keys LiteLLM accepts as custom keys (CONTRACT §1 /key/generate: sk- and at least 16 characters)", () => {
      for (let i = 0; i < 20; i++) expect(newVirtualKey()).toMatch(/^sk-[A-Za-z0-9_-]{22}$/);
    });

    it("turns each kind of key error into its type", async () => {
      const alias = uid("alias");
      await client.generateKey({ key_alias: alias });
      const dup = await failure(client.generateKey({ key_alias: alias }));
      expect(dup.type).toBe("conflict");
      const missing = newVirtualKey();
      // /key/update on a missing key: 404 auth_error "Team not found, passed team_id=None" (an upstream bug).
      expect((await failure(client.updateKey(missing, { max_budget: 1 }))).type).toBe("not_found");
      expect((await failure(client.keyInfo(missing))).type).toBe("not_found");
      // CONTRACT §1 /key/block: a missing key → 404 not_found_error (current) or 401 token_not_found_in_db (legacy).
      expect((await failure(client.blockKey(missing))).type).toBe("not_found");
      expect((await failure(client.unblockKey(missing))).type).toBe("not_found");
      expect((await failure(client.deleteKeys([missing]))).type).toBe("not_found");
      const negative = await failure(client.generateKey({ max_budget: -1 }));
      expect(negative.type).toBe("bad_request");
      expect(negative.message).toContain("max_budget cannot be negative");
    });
  });

  describe("errors a team's requests meet (CONTRACT §2), typed the same in both status generations", () => {
    async function chat(key: string, model: string) {
      const response = await fetch(`${double.url}/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ model, messages: [{ role: "user", content: "hello there" }] }),
      });
      return { response, body: await response.json() };
    }

    it("budget exceeded, model access denied and rate limited", async () => {
      const teamId = uid("team");
      await client.createTeam(teamId, { models: ["gpt-3.5-turbo"] });
      const broke = await client.generateKey({ team_id: teamId, max_budget: 0 });
      const budget = await chat(broke.key, "gpt-3.5-turbo");
      expect(budget.response.status).toBe(compat === "current" ? 429 : 400);
      expect(classifyError("/chat/completions", budget.response.status, budget.body).type).toBe("budget_exceeded");

      const limited = await client.generateKey({ team_id: teamId, models: ["gpt-3.5-turbo"], rpm_limit: 1 });
      const denied = await chat(limited.key, "gpt-4-turbo");
      expect(denied.response.status).toBe(compat === "current" ? 403 : 401);
      expect(classifyError("/chat/completions", denied.response.status, denied.body).type).toBe("model_access_denied");

      expect((await chat(limited.key, "gpt-3.5-turbo")).response.status).toBe(200);
      const rate = await chat(limited.key, "gpt-3.5-turbo");
      expect(rate.response.status).toBe(429);
      const error = classifyError("/chat/completions", rate.response.status, rate.body, rate.response.headers);
      expect(error).toMatchObject({ type: "rate_limited", retryable: true });
    });
  });

  describe("retries", () => {
    it("retries a read after 500s and succeeds", async () => {
      const teamId = uid("team");
      await client.createTeam(teamId, {});
      double.fault("/team/info", { kind: "error500", count: 2 });
      expect((await client.teamInfo(teamId)).team_id).toBe(teamId);
      expect(double.state.requestCount("/team/info")).toBeGreaterThanOrEqual(3);
    });

    it("gives up after its attempts with a retryable upstream error", async () => {
      double.fault("/model/info", { kind: "error500", count: 5 });
      const error = await failure(client.modelInfo());
      expect(error).toMatchObject({ type: "upstream", retryable: true, status: 500 });
    });

    it("retries a call that hangs past its timeout", async () => {
      double.fault("/v1/models", { kind: "hang", count: 1 });
      expect(await client.listModels()).toContain("gpt-3.5-turbo");
    });

    it("does not retry a 4xx", async () => {
      const before = double.state.requestCount("/team/update");
      await failure(client.updateTeam(uid("missing"), { rpm_limit: 1 }));
      expect(double.state.requestCount("/team/update") - before).toBe(1);
    });

    it("makes one team when /team/new's response is lost and the call is retried", async () => {
      const teamId = uid("team");
      double.fault("/team/new", { kind: "drop", count: 1 });
      const team = await client.createTeam(teamId, { models: ["gpt-3.5-turbo"] });
      expect(team.team_id).toBe(teamId);
      expect(double.state.teams().filter((t) => t.team_id === teamId)).toHaveLength(1);
    });

    it("makes one key, whose secret we know, when /key/generate's response is lost", async () => {
      const teamId = uid("team");
      await client.createTeam(teamId, {});
      double.fault("/key/generate", { kind: "drop", count: 1 });
      const generated = await client.generateKey({ team_id: teamId, key_alias: uid("alias") });
      expect(generated.token).toBe(hashKey(generated.key));
      const keys = double.state.keys().filter((k) => k.team_id === teamId);
      expect(keys).toHaveLength(1);
      expect(keys[0].token).toBe(generated.token);
    });

    it("makes one team when /team/new answers 500 before creating it", async () => {
      const teamId = uid("team");
      double.fault("/team/new", { kind: "error500", count: 1 });
      await client.createTeam(teamId, {});
      expect(double.state.teams().filter((t) => t.team_id === teamId)).toHaveLength(1);
    });

    it("a lost delete answer counts as deleted", async () => {
      const teamId = uid("team");
      await client.createTeam(teamId, {});
      double.fault("/team/delete", { kind: "drop", count: 1 });
      expect(await client.deleteTeams([teamId])).toEqual({ deleted_teams: [teamId] });
      expect(double.state.teams().some((t) => t.team_id === teamId)).toBe(false);
    });
  });

  describe("spend", () => {
    it("pages through every spend-log row of a window exactly once", async () => {
      const teamId = uid("team");
      const from = new Date("2026-01-10T00:00:00Z");
      const to = new Date("2026-01-10T23:59:59Z");
      double.seedSpendLogs({ count: 237, teamIds: [teamId], from, to });
      const seen: string[] = [];
      for await (const page of client.spendLogs({ start: from, end: to, teamId, pageSize: 50 })) seen.push(...page.map((r) => r.request_id));
      expect(seen).toHaveLength(237);
      expect(new Set(seen).size).toBe(237);
    });

    it("reads the spend a team's requests made, matched to the key by hash", async () => {
      const teamId = uid("team");
      await client.createTeam(teamId, {});
      const generated = await client.generateKey({ team_id: teamId });
      const start = double.clock.now();
      const response = await fetch(`${double.url}/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${generated.key}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "gpt-3.5-turbo", messages: [{ role: "user", content: "count my tokens" }] }),
      });
      const completion = (await response.json()) as { id: string };
      await double.flush();
      const rows = [];
      for await (const page of client.spendLogs({ start: new Date(start.getTime() - 60_000), end: new Date(Date.now() + 60_000), teamId })) rows.push(...page);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ request_id: completion.id, api_key: generated.token, team_id: teamId, model_group: "gpt-3.5-turbo" });
      expect(rows[0].spend).toBeGreaterThan(0);
      const activity = await client.teamDailyActivity({ start: "2000-01-01", end: "2100-01-01", teamIds: [teamId] });
      expect(activity.results).toEqual(expect.any(Array));
    });
  });
});
