import { desc, eq } from "drizzle-orm";
import type { Db } from "./types.ts";
import { workerChecks, workerHeartbeats } from "../schema/index.ts";

export async function insertWorkerCheck(db: Db, values: { id: string; requestedBy: string }) {
  await db.insert(workerChecks).values(values);
}

export async function completeWorkerCheck(db: Db, id: string, workerPid: number) {
  const rows = await db
    .update(workerChecks)
    .set({ completedAt: new Date(), workerPid })
    .where(eq(workerChecks.id, id))
    .returning({ id: workerChecks.id });
  return rows[0];
}

export async function findWorkerCheck(db: Db, id: string) {
  const rows = await db.select().from(workerChecks).where(eq(workerChecks.id, id)).limit(1);
  return rows[0];
}

export async function latestWorkerCheck(db: Db) {
  const rows = await db.select().from(workerChecks).orderBy(desc(workerChecks.requestedAt)).limit(1);
  return rows[0];
}

export async function upsertHeartbeat(db: Db, values: { workerId: string; hostname: string; pid: number; startedAt: Date }) {
  const now = new Date();
  await db
    .insert(workerHeartbeats)
    .values({ ...values, lastSeenAt: now })
    .onConflictDoUpdate({ target: workerHeartbeats.workerId, set: { lastSeenAt: now } });
}

export async function deleteHeartbeat(db: Db, workerId: string) {
  await db.delete(workerHeartbeats).where(eq(workerHeartbeats.workerId, workerId));
}

export async function latestHeartbeat(db: Db) {
  const rows = await db.select().from(workerHeartbeats).orderBy(desc(workerHeartbeats.lastSeenAt)).limit(1);
  return rows[0];
}
