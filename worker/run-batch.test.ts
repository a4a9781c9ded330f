import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../db/embedded-postgres.ts";
import { readOperationalFigures } from "../db/queries/metrics.ts";
import { findWorkerCheck } from "../db/queries/worker.ts";
import { masterActor } from "../test/factories.ts";
import { startWorker, waitFor, type WorkerProcess } from "../test/worker-process.ts";
import { boss, closeBoss, sendJob } from "~/jobs/boss.server";
import { db } from "~/lib/db.server";
import { requestWorkerCheck } from "~/services/worker-check.server";

type JobRow = { id: string; state: string; startedOn: string | null };

async function checkWorkerJobs(): Promise<JobRow[]> {
  return [
    ...((await db().execute(
      sql`select id::text as id, state::text as state, started_on::text as "startedOn" from pgboss.job where name = 'check-worker'`,
    )) as unknown as JobRow[]),
  ];
}

describe("a batch with one bad job in it", () => {
  let worker: WorkerProcess | undefined;
  afterAll(async () => {
    await worker?.stop();
    await closeBoss();
  });

  it("fails only the bad jobs; the good ones of the same batch complete, and the counters say so", async () => {
    // Queued before the worker starts, so its first fetch takes them all as one batch (batchSize 20).
    const good = await Promise.all(Array.from({ length: 6 }, () => requestWorkerCheck(masterActor)));
    // A payload that does not match the schema (sent past sendJob, which would refuse it) ...
    const unparsable = await (await boss()).send("check-worker", { checkId: 42 });
    // ... and one the handler throws for: no such check.
    const throwing = await sendJob("check-worker", { checkId: randomUUID() });
    expect(unparsable && throwing).toBeTruthy();

    const metricsPort = await freePort();
    worker = await startWorker({ WORKER_METRICS_PORT: String(metricsPort), HOST: "127.0.0.1" });
    const settled = await waitFor(
      "every check-worker job to be settled",
      async () => {
        const rows = await checkWorkerJobs();
        return rows.length === 8 && rows.every((r) => r.state === "completed" || r.state === "failed") ? rows : undefined;
      },
      30_000,
    );

    // One batch: pg-boss starts every job of a fetch in one statement.
    expect(new Set(settled.map((r) => r.startedOn)).size).toBe(1);
    const failed = settled.filter((r) => r.state === "failed").map((r) => r.id);
    expect(failed.sort()).toEqual([unparsable, throwing].sort());
    expect(settled.filter((r) => r.state === "completed")).toHaveLength(6);
    for (const { checkId } of good) expect((await findWorkerCheck(db(), checkId))?.completedAt).toBeInstanceOf(Date);

    // The worker's counters and the web's gauge of failed jobs count the two, not the batch.
    const body = await waitFor("the worker's metrics", async () => {
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      return text.includes('outcome="done"') ? text : undefined;
    });
    expect(body).toMatch(/saas_litellm_jobs_handled_total\{job="check-worker",outcome="failed"\} 2\n/);
    expect(body).toMatch(/saas_litellm_jobs_handled_total\{job="check-worker",outcome="done"\} 6\n/);
    const figures = await readOperationalFigures(db(), new Date());
    expect(figures.failedJobs.find((q) => q.queue === "check-worker")?.count).toBe(2);

    // The bad payload is a logged failure of its job, not a crash.
    expect(worker.output()).toContain('"msg":"job payload does not parse"');
    expect(worker.child.exitCode).toBeNull();
  }, 60_000);
});
