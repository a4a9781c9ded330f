import { env } from "~/lib/env.server";
import { LiteLLMClient } from "./client.server.ts";
import { isLiteLLMError } from "./errors.ts";

/** Whether LiteLLM at LITELLM_PROXY_URL is reachable and accepts LITELLM_MASTER_KEY, with the fix when not. */
export type LiteLLMHealth = {
  url: string;
  reachable: boolean;
  latencyMs: number | null;
  version: string | null;
  masterKey: "accepted" | "rejected" | "not-configured" | "unknown";
  error?: string;
  fix?: string;
};

/** Probes the configured proxy; `target` overrides the URL and key (tests use it). One attempt, short timeout. */
export async function probeLiteLLM(target?: { url: string; masterKey: string | undefined }, options: { timeoutMs?: number } = {}): Promise<LiteLLMHealth> {
  const { url, masterKey } = target ?? { url: env().LITELLM_PROXY_URL, masterKey: env().LITELLM_MASTER_KEY };
  const client = new LiteLLMClient({ baseUrl: url, masterKey, timeoutMs: options.timeoutMs ?? 2000, maxAttempts: 1 });
  let latencyMs: number | null = null;
  let version: string | null = null;
  const result = (reachable: boolean, key: LiteLLMHealth["masterKey"], extra: { error?: string; fix?: string } = {}): LiteLLMHealth => ({
    url,
    reachable,
    latencyMs,
    version,
    masterKey: key,
    ...extra,
  });
  const started = performance.now();
  try {
    // Only the answer counts: current builds send `{"status":"healthy"}` alone, older ones add litellm_version (CONTRACT §1 Health).
    version = (await client.readiness()).litellm_version ?? null;
    latencyMs = Math.round(performance.now() - started);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (isLiteLLMError(error) && error.status !== null) {
      return result(false, "unknown", {
        error: `LiteLLM answered ${error.status} to /health/readiness`,
        fix: "LiteLLM is up but unhealthy (often its database): check the LiteLLM proxy's logs.",
      });
    }
    return result(false, "unknown", {
      error: /ECONNREFUSED/.test(message) ? "connection refused" : message,
      fix: "Start the LiteLLM proxy, or set LITELLM_PROXY_URL to where it runs. With Docker: `docker compose up -d litellm`. To try the product without one: `npm run litellm:double`.",
    });
  }
  if (!masterKey) {
    return result(true, "not-configured", { fix: "Set LITELLM_MASTER_KEY to the master key of your LiteLLM proxy so teams can be provisioned." });
  }
  try {
    await client.modelInfo();
    // Current builds keep the version out of the public readiness answer; it is only shown when some answer has it.
    version ??= await client.readinessDetails().then((details) => details.litellm_version ?? null, () => null);
    return result(true, "accepted");
  } catch (error) {
    if (isLiteLLMError(error, "unauthorized")) {
      return result(true, "rejected", {
        error: `LiteLLM refused the master key (${error.status})`,
        fix: "LITELLM_MASTER_KEY does not match the proxy's master key: copy the value from LiteLLM's own configuration.",
      });
    }
    return result(true, "unknown", { error: error instanceof Error ? error.message : String(error) });
  }
}
