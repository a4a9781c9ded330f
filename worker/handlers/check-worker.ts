import type { JobPayload } from "~/jobs/definitions";
import { completeCheck } from "~/services/worker-check.server";

/** Answers a worker check sent from Settings: proves the queue and this process work end to end. */
export async function handleCheckWorker(payload: JobPayload<"check-worker">): Promise<void> {
  await completeCheck(payload.checkId, process.pid);
}
