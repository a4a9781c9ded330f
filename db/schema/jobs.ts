import { sql } from "drizzle-orm";
import { bigint, index, jsonb, numeric, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
import { JOB_STATUSES } from "./roles.ts";
import { teams } from "./teams.ts";

export { JOB_STATUSES, type JobStatus } from "./roles.ts";

/**
 * One unit of a customer's work (a document, a chat session, an agent run): the calls whose spend
 * log carries the job's id as LiteLLM's `session_id` (docs/jobs.md). A job id is scoped to its team
 * (the key is team and id), so a row of another team never lands in it. The totals are kept by
 * ingestion in the same statement that stores the rows (db/queries/usage-ingest.ts), so reading a
 * job or a list of jobs never adds up calls.
 */
export const jobs = pgTable(
  "jobs",
  {
    teamId: text("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    id: text("id").notNull(),
    jobType: text("job_type").notNull(),
    userId: text("user_id"),
    status: text("status", { enum: JOB_STATUSES }).notNull().default("pending"),
    /** `api`: created through POST /api/jobs/create; `implicit`: made by ingestion for a team with implicit jobs on. */
    origin: text("origin", { enum: ["api", "implicit"] }).notNull().default("api"),
    metadata: jsonb("metadata").$type<Record<string, unknown>>().notNull().default({}),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    /** When it was completed, failed or abandoned. */
    closedAt: timestamp("closed_at", { withTimezone: true }),
    calls: bigint("calls", { mode: "number" }).notNull().default(0),
    failedCalls: bigint("failed_calls", { mode: "number" }).notNull().default(0),
    promptTokens: bigint("prompt_tokens", { mode: "number" }).notNull().default(0),
    completionTokens: bigint("completion_tokens", { mode: "number" }).notNull().default(0),
    spend: numeric("spend", { precision: 24, scale: 10 }).notNull().default("0"),
    /** What the customer is billed for the job's calls (docs/billing.md). */
    billed: numeric("billed", { precision: 24, scale: 10 }).notNull().default("0"),
    latencyMsSum: bigint("latency_ms_sum", { mode: "number" }).notNull().default(0),
    firstCallAt: timestamp("first_call_at", { withTimezone: true }),
    /** The latest end (or start, when LiteLLM gave no end) of its calls: with updated_at, when it was last active. */
    lastCallAt: timestamp("last_call_at", { withTimezone: true }),
    /** When the job.<status> webhook with the final totals was queued (once). */
    notifiedAt: timestamp("notified_at", { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.teamId, t.id] }),
    index("jobs_team_created_idx").on(t.teamId, t.createdAt.desc(), t.id.desc()),
    /** The list filtered by status (completed, failed, abandoned), newest first, without reading the team's other jobs. */
    index("jobs_team_status_created_idx").on(t.teamId, t.status, t.createdAt.desc(), t.id.desc()),
    index("jobs_id_idx").on(t.id),
    index("jobs_open_idx").on(t.updatedAt).where(sql`${t.status} in ('pending', 'running')`),
    index("jobs_unnotified_idx").on(t.closedAt).where(sql`${t.closedAt} is not null and ${t.notifiedAt} is null`),
  ],
);
