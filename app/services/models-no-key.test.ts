// This file's process has no LiteLLM master key (read once, at the first call).
process.env.LITELLM_MASTER_KEY = "";

import { describe, expect, it } from "vitest";
import { masterActor } from "../../test/factories.ts";
import { AppError } from "~/lib/errors";
import { listServedModels } from "./models.server.ts";

describe("the Models page without LITELLM_MASTER_KEY", () => {
  it("says the key is not set (not that LiteLLM refused it)", async () => {
    const error = await listServedModels(masterActor).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("UNAVAILABLE");
    expect((error as AppError).userMessage).toMatch(/^LITELLM_MASTER_KEY is not set, so LiteLLM's models cannot be listed\. Set it to the proxy's master key/);
    expect((error as AppError).userMessage).not.toContain("refused");
  });
});
