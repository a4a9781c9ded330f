import type PgBoss from "pg-boss";
import { jobs, type JobName } from "~/jobs/definitions";
import { logger, withRequestId } from "~/lib/logger.server";
import { metrics } from "~/lib/metrics.server";
import { noteLiteLLMFailure } from "~/services/litellm-notice.server";

/** What the runner needs of pg-boss: settling one job. */
export type JobSettler = Pick<PgBoss, "complete" | "fail">;

type Outcome = { jobId: string; ok: boolean; recorded: boolean };

/**
 * Does the jobs of one pg-boss batch side by side and settles each on its own as it ends: completed,
 * or failed with its error (a payload that does not match the job's schema fails that job alone).
 * pg-boss 10 settles a whole batch by what its handler returns (`fail(name, allIds)` when it throws),
 * so one bad job would mark its good neighbours failed; here the handler returns normally instead,
 * and pg-boss's own `complete(name, allIds)` after it touches only jobs still active.
 */
export async function runBatch(
  boss: JobSettler,
  name: JobName,
  batch: Array<PgBoss.Job<unknown>>,
  handle: (payload: unknown) => Promise<void>,
): Promise<void> {
  const outcomes = await Promise.all(batch.map((job) => withRequestId(`job:${job.id}`, () => runOne(boss, name, job, handle))));
  // A failure we could not record: throw, so that pg-boss fails what is still active (only those jobs;
  // the settled ones are past `active`). A success we could not record is left to pg-boss's complete.
  const unrecorded = outcomes.filter((o) => !o.ok && !o.recorded);
  if (unrecorded.length) throw new Error(`could not record the failure of ${unrecorded.map((o) => o.jobId).join(", ")}`);
}

async function runOne(boss: JobSettler, name: JobName, job: PgBoss.Job<unknown>, handle: (payload: unknown) => Promise<void>): Promise<Outcome> {
  const started = performance.now();
  const stopTimer = metrics().jobDuration.startTimer({ job: name });
  const failure = await attempt(name, job, handle);
  stopTimer();
  const ok = failure === undefined;
  metrics().jobsHandled.inc({ job: name, outcome: ok ? "done" : "failed" });
  try {
    if (ok) await boss.complete(name, job.id);
    else await boss.fail(name, job.id, errorOutput(failure));
  } catch (error) {
    logger().warn({ err: error, job: name, jobId: job.id }, `could not mark the job ${ok ? "completed" : "failed"}`);
    return { jobId: job.id, ok, recorded: false };
  }
  if (ok) logger().info({ job: name, jobId: job.id, ms: Math.round(performance.now() - started) }, "job done");
  return { jobId: job.id, ok, recorded: true };
}

/** Parses the payload and runs the handler; returns why the job failed, or undefined when it did not. */
async function attempt(name: JobName, job: PgBoss.Job<unknown>, handle: (payload: unknown) => Promise<void>): Promise<unknown> {
  const parsed = jobs[name].schema.safeParse(job.data);
  if (!parsed.success) {
    logger().error({ job: name, jobId: job.id, issues: parsed.error.issues }, "job payload does not parse");
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    return new Error(`the payload does not match the ${name} job's schema: ${issues}`);
  }
  try {
    await handle(parsed.data);
    return undefined;
  } catch (error) {
    // LiteLLM unconfigured or unreachable is said once for all jobs (litellm-notice), not per job.
    if (noteLiteLLMFailure(error)) logger().debug({ err: error, job: name, jobId: job.id }, "job failed: LiteLLM is not usable");
    else logger().error({ err: error, job: name, jobId: job.id }, "job failed");
    return error ?? new Error("the handler threw without an error");
  }
}

/** What pg-boss keeps as the failed job's output, for operators reading pgboss.job. */
function errorOutput(error: unknown): object {
  if (error instanceof Error) return { name: error.name, message: error.message, ...("code" in error ? { code: error.code } : {}) };
  return { message: String(error) };
}
