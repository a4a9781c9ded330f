import { z } from "zod";

/**
 * Every job the app can send and the worker does: a kebab-case name and the schema of its payload.
 * Handlers live in worker/handlers/, one file per job.
 */
export const jobs = {
  "check-worker": {
    schema: z.object({ checkId: z.string().min(1) }),
    options: { retryLimit: 0, expireInSeconds: 60 },
  },
  /** Brings one team's LiteLLM team and keys in line with our database. One at a time per team (stately + singletonKey). */
  "sync-team": {
    schema: z.object({ teamId: z.string().min(1), reason: z.enum(["change", "retry", "reconcile"]).default("change") }),
    options: { retryLimit: 0, expireInSeconds: 120, policy: "stately" },
  },
  /** Every minute: re-sends due syncs (with backoff), checks every team for drift, re-verifies unverified model groups. */
  "reconcile": {
    schema: z.object({}).passthrough(),
    options: { retryLimit: 0, expireInSeconds: 300, policy: "singleton" },
  },
  /**
   * Pulls LiteLLM's spend logs into the usage tables, then sends itself again for the next run
   * (USAGE_INGEST_INTERVAL_SECONDS); a per-minute schedule restarts the chain if it is lost.
   * `stately`: one running and one waiting at most (docs/usage.md).
   */
  "ingest-usage": {
    schema: z.object({}).passthrough(),
    options: { retryLimit: 0, expireInSeconds: 300, policy: "stately" },
  },
  /**
   * One attempt at one webhook delivery (app/services/webhooks.server.ts). Failures send the job
   * again with `startAfter` (backoff), so pg-boss itself never retries; a replay is one attempt.
   */
  "deliver-webhook": {
    schema: z.object({ deliveryId: z.string().min(1), replay: z.boolean().optional() }),
    options: { retryLimit: 0, expireInSeconds: 60 },
  },
  /**
   * Every few minutes: closes each statement period that ingestion has read past by the late-write
   * margin into an immutable row and queues `statement.ready` (docs/statements.md). Safe to run twice.
   */
  "close-statements": {
    schema: z.object({}).passthrough(),
    options: { retryLimit: 0, expireInSeconds: 600, policy: "singleton" },
  },
} as const;

export type JobName = keyof typeof jobs;
export type JobPayload<N extends JobName> = z.infer<(typeof jobs)[N]["schema"]>;
export const JOB_NAMES = Object.keys(jobs) as JobName[];
