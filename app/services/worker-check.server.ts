import { randomUUID } from "node:crypto";
import { z } from "zod";
import {
  completeWorkerCheck,
  findWorkerCheck,
  insertWorkerCheck,
  latestHeartbeat,
  latestWorkerCheck,
} from "../../db/queries/worker.ts";
import { sendJob } from "~/jobs/boss.server";
import { db, transaction } from "~/lib/db.server";
import { AppError } from "~/lib/errors";
import { requireRole, type Actor } from "~/auth/actor";

/** A worker that has not refreshed its heartbeat for this long is reported as down. */
export const HEARTBEAT_STALE_SECONDS = 30;

/** Sends a job through the queue and records it; the worker process completes it. Admins only. */
export async function requestWorkerCheck(actor: Actor): Promise<{ checkId: string }> {
  requireRole(actor, "admin", "run a worker check");
  const checkId = randomUUID();
  await transaction(async ({ tx }) => {
    await insertWorkerCheck(tx, { id: checkId, requestedBy: actor.userId });
    await sendJob("check-worker", { checkId }, { tx });
  });
  return { checkId };
}

/** Called by the worker's handler for `check-worker`. */
export async function completeCheck(checkId: string, workerPid: number): Promise<void> {
  if (!(await completeWorkerCheck(db(), checkId, workerPid))) {
    throw new AppError("NOT_FOUND", `Worker check ${checkId} does not exist.`);
  }
}

export const workerCheckRequestSchema = z.object({ check_id: z.string() });

/** A worker check as the API shows it. */
export const workerCheckSchema = z.object({
  check_id: z.string(),
  requested_by: z.string(),
  requested_at: z.string().describe("ISO 8601"),
  completed_at: z.string().nullable().describe("ISO 8601; null until a worker ran the job"),
  worker_pid: z.number().int().nullable(),
});
export type WorkerCheck = z.infer<typeof workerCheckSchema>;

export async function getWorkerCheck(actor: Actor, checkId: string): Promise<WorkerCheck> {
  requireRole(actor, "viewer", "see worker checks");
  const check = await findWorkerCheck(db(), checkId);
  if (!check) throw new AppError("NOT_FOUND", "No worker check has that id.");
  return {
    check_id: check.id,
    requested_by: check.requestedBy,
    requested_at: check.requestedAt.toISOString(),
    completed_at: check.completedAt?.toISOString() ?? null,
    worker_pid: check.workerPid,
  };
}

export type WorkerStatus = {
  state: "running" | "down" | "never-started";
  lastSeenAt: Date | null;
  lastCheck: { requestedAt: Date; completedAt: Date | null; roundTripMs: number | null } | null;
  fix?: string;
};

/** WorkerStatus on the wire (snake_case, ISO strings). */
export const workerStatusSchema = z.object({
  state: z.enum(["running", "down", "never-started"]),
  last_seen_at: z.string().nullable(),
  last_check: z.object({ requested_at: z.string(), completed_at: z.string().nullable(), round_trip_ms: z.number().nullable() }).nullable(),
  fix: z.string().optional(),
});

export function workerStatusView(status: WorkerStatus): z.infer<typeof workerStatusSchema> {
  const { lastCheck } = status;
  return {
    state: status.state,
    last_seen_at: status.lastSeenAt?.toISOString() ?? null,
    last_check: lastCheck
      ? { requested_at: lastCheck.requestedAt.toISOString(), completed_at: lastCheck.completedAt?.toISOString() ?? null, round_trip_ms: lastCheck.roundTripMs }
      : null,
    ...(status.fix ? { fix: status.fix } : {}),
  };
}

export async function getWorkerStatus(now = new Date()): Promise<WorkerStatus> {
  const [heartbeat, check] = await Promise.all([latestHeartbeat(db()), latestWorkerCheck(db())]);
  const lastCheck = check
    ? {
        requestedAt: check.requestedAt,
        completedAt: check.completedAt,
        roundTripMs: check.completedAt ? check.completedAt.getTime() - check.requestedAt.getTime() : null,
      }
    : null;
  if (!heartbeat) {
    return { state: "never-started", lastSeenAt: null, lastCheck, fix: "Start the worker: `npm start` runs it, or `npm run worker` on its own." };
  }
  const stale = now.getTime() - heartbeat.lastSeenAt.getTime() > HEARTBEAT_STALE_SECONDS * 1000;
  return stale
    ? { state: "down", lastSeenAt: heartbeat.lastSeenAt, lastCheck, fix: "No worker has reported for a while: check the worker's logs and restart it (`npm run worker`)." }
    : { state: "running", lastSeenAt: heartbeat.lastSeenAt, lastCheck };
}
