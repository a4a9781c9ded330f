import { integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/** A round trip through the job queue, asked for from Settings: the app enqueues, the worker answers. */
export const workerChecks = pgTable("worker_checks", {
  id: text("id").primaryKey(),
  requestedBy: text("requested_by").notNull(),
  requestedAt: timestamp("requested_at", { withTimezone: true }).notNull().defaultNow(),
  completedAt: timestamp("completed_at", { withTimezone: true }),
  workerPid: integer("worker_pid"),
});

/** One row per worker process, refreshed while it runs: the shell shows whether a worker is alive. */
export const workerHeartbeats = pgTable("worker_heartbeats", {
  workerId: text("worker_id").primaryKey(),
  hostname: text("hostname").notNull(),
  pid: integer("pid").notNull(),
  startedAt: timestamp("started_at", { withTimezone: true }).notNull(),
  lastSeenAt: timestamp("last_seen_at", { withTimezone: true }).notNull(),
});
