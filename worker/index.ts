/**
 * The worker process: pg-boss consumers for every job in app/jobs/definitions.ts, plus pg-boss's
 * maintenance and schedules. Runs apart from the web process; stops cleanly on SIGTERM/SIGINT.
 */
import { randomUUID } from "node:crypto";
import http from "node:http";
import os from "node:os";
import { deleteHeartbeat, upsertHeartbeat } from "../db/queries/worker.ts";
import { createBoss, prepareQueues } from "~/jobs/boss.server";
import { type JobName, type JobPayload } from "~/jobs/definitions";
import { closeDatabase, db } from "~/lib/db.server";
import { envOrExit } from "~/lib/env.server";
import { createLogger, logger, setLogger } from "~/lib/logger.server";
import { onParentExit } from "~/lib/parent-watch.server";
import { metrics } from "~/lib/metrics.server";
import { handleCheckWorker } from "./handlers/check-worker.ts";
import { handleCloseStatements } from "./handlers/close-statements.ts";
import { handleDeliverWebhook } from "./handlers/deliver-webhook.ts";
import { handleIngestUsage } from "./handlers/ingest-usage.ts";
import { handleReconcile } from "./handlers/reconcile.ts";
import { handleSyncTeam } from "./handlers/sync-team.ts";
import { runBatch } from "./run-batch.ts";

type Handlers = { [N in JobName]: (payload: JobPayload<N>) => Promise<void> };
const handlers: Handlers = {
  "check-worker": handleCheckWorker,
  "sync-team": handleSyncTeam,
  reconcile: handleReconcile,
  "ingest-usage": handleIngestUsage,
  "deliver-webhook": handleDeliverWebhook,
  "close-statements": handleCloseStatements,
};

/** Scheduled jobs (cron, UTC): pg-boss runs each once per tick across all workers. */
const schedules: Array<[JobName, string]> = [
  ["reconcile", "* * * * *"],
  // Each ingest-usage run sends the next one (USAGE_INGEST_INTERVAL_SECONDS); this only restarts a lost chain.
  ["ingest-usage", "* * * * *"],
  // Statement periods close a few minutes after ingestion has read past their end (docs/statements.md).
  ["close-statements", "*/5 * * * *"],
];

const settings = envOrExit();
setLogger(createLogger({ name: "worker", level: settings.LOG_LEVEL }));

const workerId = randomUUID();
const startedAt = new Date();
const boss = createBoss(settings.DATABASE_URL, { max: 5 });

async function beat() {
  try {
    await upsertHeartbeat(db(), { workerId, hostname: os.hostname(), pid: process.pid, startedAt });
  } catch (error) {
    logger().warn({ err: error }, "could not record the worker heartbeat");
  }
}

await boss.start();
await prepareQueues(boss);
for (const name of Object.keys(handlers) as JobName[]) {
  // The jobs of a batch are independent (one per team at most, by queue policy): run them side by side,
  // and settle each on its own so that one failure fails only its own job.
  const handle = handlers[name] as (payload: unknown) => Promise<void>;
  await boss.work(name, { batchSize: 20, pollingIntervalSeconds: 0.5 }, (batch) => runBatch(boss, name, batch, handle));
}
for (const [name, cron] of schedules) await boss.schedule(name, cron, {}, { tz: "UTC" });
// Start the ingestion chain now rather than at the next minute's tick; if a chain is already waiting,
// the queue's `stately` policy drops this one.
await boss.send("ingest-usage", {});
// The worker's own counters (jobs, LiteLLM calls), for Prometheus, when WORKER_METRICS_PORT is set.
const metricsServer = settings.WORKER_METRICS_PORT
  ? http
      .createServer((req, res) => {
        if (req.url !== "/metrics") return void res.writeHead(404).end();
        void metrics()
          .registry.metrics()
          .then((body) => res.writeHead(200, { "Content-Type": metrics().registry.contentType }).end(body));
      })
      .listen(settings.WORKER_METRICS_PORT, settings.HOST)
  : undefined;
await beat();
const heartbeat = setInterval(() => void beat(), 10_000);
logger().info({ queues: Object.keys(handlers) }, "worker ready");

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger().info({ signal }, "worker stopping");
  clearInterval(heartbeat);
  metricsServer?.close();
  // On Ctrl-C Postgres may be stopping at the same moment; its "terminating connection" errors are expected now.
  boss.removeAllListeners("error");
  boss.on("error", (error) => logger().debug({ err: error }, "job queue error while stopping"));
  const force = setTimeout(() => {
    logger().warn("worker did not stop within 10 s; exiting");
    process.exit(1);
  }, 10_000);
  force.unref();
  // Jobs in progress finish (up to 6 s); pg-boss then closes its pool.
  await boss.stop({ graceful: true, wait: true, timeout: 6000 }).catch((error) => logger().warn({ err: error }, "pg-boss stop failed"));
  await deleteHeartbeat(db(), workerId).catch(() => {});
  await closeDatabase();
  logger().info("worker stopped");
  logger().flush();
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGHUP", () => void shutdown("SIGHUP"));
// Started by `npm start` or npm: stop with it, whatever killed it.
onParentExit(() => void shutdown("parent exited"));
