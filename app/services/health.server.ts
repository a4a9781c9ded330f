import type postgres from "postgres";
import { z } from "zod";
import { probeLiteLLM, type LiteLLMHealth } from "~/integrations/litellm/health.server";
import { sqlClient } from "~/lib/db.server";
import { getWorkerStatus, workerStatusSchema, workerStatusView, type WorkerStatus } from "./worker-check.server.ts";

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

/** The public health answer (no details): up, and which dependencies answer. */
export const healthSchema = z.object({ status: z.enum(["ready", "degraded", "unavailable"]), database: z.boolean(), litellm: z.boolean() });

/** Readiness on the wire (snake_case, ISO strings), for admins. */
export const readinessSchema = z.object({
  status: z.enum(["ready", "degraded", "unavailable"]),
  database: z.object({ ok: z.boolean(), latency_ms: z.number().nullable(), version: z.string().optional(), error: z.string().optional(), fix: z.string().optional() }),
  litellm: z.object({
    url: z.string(),
    reachable: z.boolean(),
    latency_ms: z.number().nullable(),
    version: z.string().nullable(),
    master_key: z.enum(["accepted", "rejected", "not-configured", "unknown"]),
    error: z.string().optional(),
    fix: z.string().optional(),
  }),
  worker: workerStatusSchema.nullable(),
});

export function readinessView(r: Readiness): z.infer<typeof readinessSchema> {
  const { latencyMs: dbLatency, ...database } = r.database;
  const { latencyMs, masterKey, ...litellm } = r.litellm;
  return {
    status: r.status,
    database: { ...database, latency_ms: dbLatency },
    litellm: { ...litellm, latency_ms: latencyMs, master_key: masterKey },
    worker: r.worker ? workerStatusView(r.worker) : null,
  };
}
