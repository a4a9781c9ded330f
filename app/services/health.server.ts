import type postgres from "postgres";
import { probeLiteLLM, type LiteLLMHealth } from "~/integrations/litellm/health.server";
import { sqlClient } from "~/lib/db.server";
import { getWorkerStatus, type WorkerStatus } from "./worker-check.server.ts";

export type DatabaseHealth = { ok: boolean; latencyMs: number | null; version?: string; error?: string; fix?: string };

export async function checkDatabase(client: postgres.Sql = sqlClient(), timeoutMs = 2000): Promise<DatabaseHealth> {
  const started = performance.now();
  try {
    const query = client`select current_setting('server_version') as version`;
    const timeout = new Promise<never>((_, reject) => {
      const timer = setTimeout(() => {
        query.cancel();
        reject(new Error("no answer within the timeout"));
      }, timeoutMs);
      query.finally(() => clearTimeout(timer)).catch(() => {});
    });
    const [row] = await Promise.race([query, timeout]);
    return { ok: true, latencyMs: Math.round(performance.now() - started), version: row?.version as string };
  } catch (error) {
    const code = (error as { code?: string }).code;
    return {
      ok: false,
      latencyMs: null,
      error: code === "ECONNREFUSED" ? "connection refused" : error instanceof Error ? error.message : String(error),
      fix: "Check that PostgreSQL is running and that DATABASE_URL points at it.",
    };
  }
}

export type Readiness = {
  status: "ready" | "degraded" | "unavailable";
  database: DatabaseHealth;
  litellm: LiteLLMHealth;
  worker: WorkerStatus | null;
};

// LiteLLM's state is probed at most every few seconds, so a slow or hanging proxy never slows every admin page.
const LITELLM_PROBE_TTL_MS = 5000;
let litellmProbe: { at: number; result: Promise<LiteLLMHealth> } | undefined;

function cachedLiteLLMProbe(): Promise<LiteLLMHealth> {
  if (!litellmProbe || Date.now() - litellmProbe.at > LITELLM_PROBE_TTL_MS) {
    litellmProbe = { at: Date.now(), result: probeLiteLLM() };
  }
  return litellmProbe.result;
}

/** The database is required (unavailable without it); LiteLLM and the worker only degrade readiness. */
export async function checkReadiness(): Promise<Readiness> {
  const [database, litellm] = await Promise.all([checkDatabase(), cachedLiteLLMProbe()]);
  const worker = database.ok ? await getWorkerStatus().catch(() => null) : null;
  const status = !database.ok
    ? "unavailable"
    : litellm.reachable && litellm.masterKey === "accepted" && worker?.state === "running"
      ? "ready"
      : "degraded";
  return { status, database, litellm, worker };
}
