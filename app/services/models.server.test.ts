import { afterEach, describe, expect, it } from "vitest";
import { liteLLMDouble, masterActor } from "../../test/factories.ts";
import { AppError } from "~/lib/errors";
import { listServedModels } from "./models.server.ts";

describe("the models LiteLLM serves", () => {
  afterEach(() => liteLLMDouble().clearFaults());

  it("lists each public name once with its provider model and prices per 1M tokens", async () => {
    const models = await listServedModels({ ...masterActor, role: "viewer" });
    expect(models.map((m) => m.name)).toEqual(["gpt-3.5-turbo", "gpt-4-turbo"]);
    for (const m of models) {
      expect(m.provider_model).toEqual(expect.any(String));
      expect(m.input_price_per_million).toBeGreaterThan(0);
      expect(m.output_price_per_million).toBeGreaterThan(0);
    }
  });

  it("says what to check when LiteLLM cannot answer", async () => {
    liteLLMDouble().fault("/model/info", { kind: "error500", count: 10 });
    const error = await listServedModels(masterActor).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("UNAVAILABLE");
    expect((error as AppError).userMessage).toContain("LITELLM_PROXY_URL");
  });
});
