import { z } from "zod";
import { litellm } from "~/integrations/litellm/client.server";
import { isLiteLLMError } from "~/integrations/litellm/errors";
import { AppError } from "~/lib/errors";
import { requireRole, type Actor } from "~/auth/actor";

export const servedModelSchema = z.object({
  name: z.string().describe("The exact public name clients and model groups must use (case-sensitive)"),
  provider_model: z.string().nullable().describe("What LiteLLM calls upstream, e.g. openai/gpt-3.5-turbo"),
  mode: z.string().nullable(),
  input_price_per_million: z.number().nullable().describe("USD per 1M input tokens"),
  output_price_per_million: z.number().nullable().describe("USD per 1M output tokens"),
});
export type ServedModel = z.infer<typeof servedModelSchema>;

const perMillion = (perToken: number | null | undefined) => (perToken == null ? null : Math.round(perToken * 1_000_000 * 1e6) / 1e6);

/** The models LiteLLM serves (from /model/info), one row per public name, sorted by name. */
export async function listServedModels(actor: Actor): Promise<ServedModel[]> {
  requireRole(actor, "viewer", "see LiteLLM's models");
  let rows;
  try {
    rows = await litellm().modelInfo();
  } catch (error) {
    if (!isLiteLLMError(error)) throw error;
    throw new AppError(
      "UNAVAILABLE",
      error.type === "unauthorized" && error.status === null
        ? "LITELLM_MASTER_KEY is not set, so LiteLLM's models cannot be listed. Set it to the proxy's master key (the same value as in LiteLLM's own configuration) and restart."
        : error.type === "unauthorized"
          ? "LiteLLM refused our master key, so its models cannot be listed. Set LITELLM_MASTER_KEY to the proxy's master key."
          : `LiteLLM's models cannot be listed right now: ${error.message}. Check that LiteLLM runs at LITELLM_PROXY_URL.`,
      { cause: error, retryable: error.retryable },
    );
  }
  // One public name can have several deployments (load balancing): list the name once.
  const byName = new Map<string, ServedModel>();
  for (const row of rows) {
    if (byName.has(row.model_name)) continue;
    byName.set(row.model_name, {
      name: row.model_name,
      provider_model: row.litellm_params?.model ?? null,
      mode: row.model_info?.mode ?? null,
      input_price_per_million: perMillion(row.model_info?.input_cost_per_token),
      output_price_per_million: perMillion(row.model_info?.output_cost_per_token),
    });
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** The names LiteLLM serves, or null with the reason when it cannot be asked (the model-group forms then take typed names only). */
export async function servedModelNames(actor: Actor): Promise<{ served: string[] | null; servedProblem: string | null }> {
  try {
    return { served: (await listServedModels(actor)).map((m) => m.name), servedProblem: null };
  } catch (error) {
    if (!(error instanceof AppError) || error.code !== "UNAVAILABLE") throw error;
    return { served: null, servedProblem: error.userMessage };
  }
}
