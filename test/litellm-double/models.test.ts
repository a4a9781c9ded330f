import { describe, expect, it } from "vitest";
import { startLiteLLMDouble } from "./server.ts";
import { COMPATS, MASTER, chat, get, teamWithKey, useDouble } from "./test-helpers.ts";

const ids = (body: { data: Array<{ id: string }> }) => body.data.map((m) => m.id).sort();

describe.each(COMPATS)("CONTRACT §1 Models (%s)", (compat) => {
  const d = useDouble({ compat, models: ["gpt-3.5-turbo", "gpt-4-turbo", "gpt-4o"] });

  it("§1 GET /v1/models (and /models): the OpenAI list shape, created = 1677610602, every model for the master key", async () => {
    for (const path of ["/v1/models", "/models"]) {
      const r = await get(d.current, path);
      expect(r.status).toBe(200);
      expect(r.body.object).toBe("list");
      expect(r.body.data).toContainEqual({ id: "gpt-4o", object: "model", created: 1677610602, owned_by: "openai" });
      expect(ids(r.body)).toEqual(["gpt-3.5-turbo", "gpt-4-turbo", "gpt-4o"]);
    }
  });

  it("§1 GET /v1/models: filtered to the calling key's models", async () => {
    const { rawKey } = await teamWithKey(d.current, {}, { models: ["gpt-4o"] });
    expect(ids((await get(d.current, "/v1/models", { key: rawKey })).body)).toEqual(["gpt-4o"]);
  });

  it("§1 GET /v1/models: filtered to the calling key's team's models", async () => {
    const { rawKey } = await teamWithKey(d.current, { models: ["gpt-3.5-turbo", "gpt-4o"] });
    expect(ids((await get(d.current, "/models", { key: rawKey })).body)).toEqual(["gpt-3.5-turbo", "gpt-4o"]);
  });

  it("§1 GET /v1/models: an unrestricted key in an unrestricted team sees everything", async () => {
    const { rawKey } = await teamWithKey(d.current);
    expect(ids((await get(d.current, "/v1/models", { key: rawKey })).body)).toHaveLength(3);
  });

  it("§1 GET /model/info (and /v1/model/info): model_name, litellm_params (no api_key), model_info with prices", async () => {
    for (const path of ["/model/info", "/v1/model/info"]) {
      const r = await get(d.current, path);
      expect(r.status).toBe(200);
      const gpt4 = r.body.data.find((m: { model_name: string }) => m.model_name === "gpt-4-turbo");
      expect(gpt4.litellm_params).toMatchObject({ model: "openai/gpt-4-turbo" });
      expect(gpt4.litellm_params).not.toHaveProperty("api_key");
      expect(gpt4.model_info).toMatchObject({ id: expect.any(String), db_model: false, mode: "chat", input_cost_per_token: 10e-6, output_cost_per_token: 30e-6 });
    }
  });

  it("§1 GET /model/info?litellm_model_id= filters to one deployment", async () => {
    const all = (await get(d.current, "/model/info")).body.data;
    const r = await get(d.current, `/model/info?litellm_model_id=${all[1].model_info.id}`);
    expect(r.body.data.map((m: { model_name: string }) => m.model_name)).toEqual([all[1].model_name]);
  });
});

describe("CONTRACT §3 model and model_group in spend logs with custom models", () => {
  it("§3 model_group = the requested name, model = the provider model; cost = prompt × in + completion × out", async () => {
    const double = await startLiteLLMDouble({
      masterKey: MASTER,
      models: [{ name: "house-model", provider: "anthropic", providerModel: "claude-3-haiku-20240307", inputCostPerToken: 0.001, outputCostPerToken: 0.002 }],
    });
    try {
      const r = await chat(double, MASTER, { model: "house-model", max_tokens: 10 });
      expect(r.body.model).toBe("claude-3-haiku-20240307");
      await double.flush();
      const row = double.state.spendLogs()[0];
      expect(row).toMatchObject({ model_group: "house-model", model: "claude-3-haiku-20240307", custom_llm_provider: "anthropic" });
      expect(row.spend).toBeCloseTo(5 * 0.001 + 10 * 0.002, 12);
    } finally {
      await double.close();
    }
  });
});
