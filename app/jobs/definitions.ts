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
} as const;

export type JobName = keyof typeof jobs;
export type JobPayload<N extends JobName> = z.infer<(typeof jobs)[N]["schema"]>;
export const JOB_NAMES = Object.keys(jobs) as JobName[];
