import { randomUUID } from "node:crypto";
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

export async function getWorkerCheck(actor: Actor, checkId: string) {
  requireRole(actor, "viewer", "see worker checks");
  const check = await findWorkerCheck(db(), checkId);
  if (!check) throw new AppError("NOT_FOUND", "No worker check has that id.");
  return check;
}

export type WorkerStatus = {
  state: "running" | "down" | "never-started";
  lastSeenAt: Date | null;
  lastCheck: { requestedAt: Date; completedAt: Date | null; roundTripMs: number | null } | null;
  fix?: string;
};

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
