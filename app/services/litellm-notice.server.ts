import { isLiteLLMError } from "~/integrations/litellm/errors";
import { env } from "~/lib/env.server";
import { logger } from "~/lib/logger.server";

/**
 * What the worker says about LiteLLM being unusable: once, with the fix, and again only when that
 * changes (another problem, or LiteLLM answering again). Every job that meets the same problem
 * logs it at `debug` only, so a missing LITELLM_MASTER_KEY or a stopped proxy is one line on the
 * console instead of a warning and a stack trace every 15 s (docs/operations.md, Log formats).
 */

export type LiteLLMProblem = "not-configured" | "refused" | "unreachable";

/** The problem an error shows, when it is LiteLLM being unusable as a whole (not one bad request). */
export function litellmProblem(error: unknown): LiteLLMProblem | undefined {
  if (!isLiteLLMError(error)) return undefined;
  if (error.type === "unauthorized") return error.status === null ? "not-configured" : "refused";
  if (error.type === "upstream" && error.status === null) return "unreachable";
  return undefined;
}

let said: LiteLLMProblem | "ok" | undefined;

function describe(problem: LiteLLMProblem, error: Error): string {
  const url = env().LITELLM_PROXY_URL;
  switch (problem) {
    case "not-configured":
      return "LiteLLM is not configured: LITELLM_MASTER_KEY is not set, so teams are not provisioned in LiteLLM and usage is not pulled. Set LITELLM_MASTER_KEY to your proxy's master key and restart (to try without a proxy: `npm run litellm:double`, see the README).";
    case "refused":
      return `LiteLLM at ${url} refused LITELLM_MASTER_KEY: copy the master key from LiteLLM's own configuration into LITELLM_MASTER_KEY and restart.`;
    case "unreachable":
      return `LiteLLM is unreachable at ${url} (${error.message}): start the LiteLLM proxy, or set LITELLM_PROXY_URL to where it runs (to try without one: \`npm run litellm:double\`). The worker keeps retrying and says when it answers.`;
  }
}

/**
 * Notes a failure. True when it is LiteLLM being unusable: said now if it is news, and the caller
 * should log its own line at `debug` only. False for any other error (the caller logs it as usual).
 */
export function noteLiteLLMFailure(error: unknown): boolean {
  const problem = litellmProblem(error);
  if (!problem) return false;
  if (said !== problem) {
    said = problem;
    logger().warn({ litellm: problem }, describe(problem, error as Error));
  }
  return true;
}

/** Notes that LiteLLM answered: says so once when it had been unusable. */
export function noteLiteLLMWorking(): void {
  if (said && said !== "ok") logger().info({ litellm: "ok" }, `LiteLLM answers again at ${env().LITELLM_PROXY_URL}`);
  said = "ok";
}
