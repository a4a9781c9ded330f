import { z } from "zod";
import { env } from "~/lib/env.server";

/**
 * Reachability and master-key checks against the LiteLLM proxy at LITELLM_PROXY_URL.
 * (The full typed admin client arrives with the LiteLLM integration issue; this module will move under it.)
 */

export type LiteLLMHealth = {
  url: string;
  reachable: boolean;
  latencyMs: number | null;
  version: string | null;
  masterKey: "accepted" | "rejected" | "not-configured" | "unknown";
  error?: string;
  fix?: string;
};

const readinessSchema = z.object({ litellm_version: z.string().optional() }).passthrough();

async function timedFetch(url: string, init: RequestInit & { timeoutMs: number }) {
  const started = performance.now();
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(init.timeoutMs) });
  return { response, ms: Math.round(performance.now() - started) };
}

function describe(error: unknown): string {
  if (error instanceof Error && error.name === "TimeoutError") return "no answer within the timeout";
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  if (cause?.code === "ECONNREFUSED") return "connection refused";
  if (cause?.code === "ENOTFOUND") return "host not found";
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

/** Probes the configured proxy; `target` overrides the URL and key (the settings page's "test" and the tests use it). */
export async function probeLiteLLM(target?: { url: string; masterKey: string | undefined }, options: { timeoutMs?: number } = {}): Promise<LiteLLMHealth> {
  const { url, masterKey } = target ?? { url: env().LITELLM_PROXY_URL, masterKey: env().LITELLM_MASTER_KEY };
  const timeoutMs = options.timeoutMs ?? 2000;
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
  try {
    const { response, ms } = await timedFetch(`${url}/health/readiness`, { timeoutMs });
    latencyMs = ms;
    if (response.ok) {
      const parsed = readinessSchema.safeParse(await response.json().catch(() => ({})));
      version = parsed.success ? (parsed.data.litellm_version ?? null) : null;
    } else {
      await response.body?.cancel();
      if (response.status >= 500) {
        return result(false, "unknown", {
          error: `LiteLLM answered ${response.status} to /health/readiness`,
          fix: "LiteLLM is up but unhealthy (often its database): check the LiteLLM proxy's logs.",
        });
      }
    }
  } catch (error) {
    return result(false, "unknown", {
      error: describe(error),
      fix: "Start the LiteLLM proxy, or set LITELLM_PROXY_URL to where it runs. With Docker: `docker compose up -d litellm`.",
    });
  }
  if (!masterKey) {
    return result(true, "not-configured", { fix: "Set LITELLM_MASTER_KEY to the master key of your LiteLLM proxy so teams can be provisioned." });
  }
  try {
    const { response } = await timedFetch(`${url}/model/info`, { timeoutMs, headers: { Authorization: `Bearer ${masterKey}` } });
    await response.body?.cancel();
    if (response.ok) return result(true, "accepted");
    if ([400, 401, 403].includes(response.status)) {
      return result(true, "rejected", {
        error: `LiteLLM refused the master key (${response.status})`,
        fix: "LITELLM_MASTER_KEY does not match the proxy's master key: copy the value from LiteLLM's own .env.",
      });
    }
    return result(true, "unknown", { error: `LiteLLM answered ${response.status} to /model/info` });
  } catch (error) {
    return result(true, "unknown", { error: describe(error) });
  }
}
