import { sql } from "drizzle-orm";
import { bigint, index, integer, jsonb, numeric, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

/**
 * One row per LiteLLM request (`request_id` is LiteLLM's spend-log primary key), ingested from
 * /spend/logs/v2 exactly once. `spend` is exact (numeric), as LiteLLM reported it.
 */
export const usageRequests = pgTable(
  "usage_requests",
  {
    requestId: text("request_id").primaryKey(),
    teamId: text("team_id"),
    keyHash: text("key_hash").notNull(),
    modelGroup: text("model_group"),
    model: text("model"),
    promptTokens: integer("prompt_tokens").notNull().default(0),
    completionTokens: integer("completion_tokens").notNull().default(0),
    totalTokens: integer("total_tokens").notNull().default(0),
    spend: numeric("spend", { precision: 20, scale: 10 }).notNull(),
    /** What the customer is billed for it (docs/billing.md): exact, priced at ingestion by `priceVersionId` (null: no price list, billed = cost). */
    billed: numeric("billed", { precision: 20, scale: 10 }).notNull(),
    priceVersionId: text("price_version_id"),
    startTime: timestamp("start_time", { withTimezone: true }).notNull(),
    endTime: timestamp("end_time", { withTimezone: true }),
    latencyMs: integer("latency_ms"),
    status: text("status").notNull().default("success"),
    endUser: text("end_user"),
    metadata: jsonb("metadata").$type<Record<string, unknown>>(),
    /** The job (of this team) whose id the row's session_id carried; null when it carried none of ours (docs/jobs.md). */
    jobId: text("job_id"),
    ingestedAt: timestamp("ingested_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("usage_requests_team_start_idx").on(t.teamId, t.startTime), index("usage_requests_start_idx").on(t.startTime),
    index("usage_requests_job_idx").on(t.jobId, t.startTime, t.requestId).where(sql`${t.jobId} is not null`),
  ],
);

/** Hourly rollup by team and model group (hour = start of the UTC hour). */
export const usageHourly = pgTable(
  "usage_hourly",
  {
    teamId: text("team_id").notNull(),
    modelGroup: text("model_group").notNull(),
    hour: timestamp("hour", { withTimezone: true }).notNull(),
    requests: bigint("requests", { mode: "number" }).notNull(),
    failedRequests: bigint("failed_requests", { mode: "number" }).notNull(),
    promptTokens: bigint("prompt_tokens", { mode: "number" }).notNull(),
    completionTokens: bigint("completion_tokens", { mode: "number" }).notNull(),
    spend: numeric("spend", { precision: 24, scale: 10 }).notNull(),
    billed: numeric("billed", { precision: 24, scale: 10 }).notNull().default("0"),
    latencyMsSum: bigint("latency_ms_sum", { mode: "number" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.teamId, t.hour, t.modelGroup] })],
);

/** Daily rollup by team and model group (day = UTC date). */
export const usageDaily = pgTable(
  "usage_daily",
  {
    teamId: text("team_id").notNull(),
    modelGroup: text("model_group").notNull(),
    day: text("day").notNull(),
    requests: bigint("requests", { mode: "number" }).notNull(),
    failedRequests: bigint("failed_requests", { mode: "number" }).notNull(),
    promptTokens: bigint("prompt_tokens", { mode: "number" }).notNull(),
    completionTokens: bigint("completion_tokens", { mode: "number" }).notNull(),
    spend: numeric("spend", { precision: 24, scale: 10 }).notNull(),
    billed: numeric("billed", { precision: 24, scale: 10 }).notNull().default("0"),
    latencyMsSum: bigint("latency_ms_sum", { mode: "number" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.teamId, t.day, t.modelGroup] })],
);

/** Where usage ingestion has got to: the start of the next window to read (one row, id 'spend-logs'). */
export const ingestionState = pgTable("ingestion_state", {
  id: text("id").primaryKey(),
  windowStart: timestamp("window_start", { withTimezone: true }).notNull(),
  lastRunAt: timestamp("last_run_at", { withTimezone: true }),
  lastError: text("last_error"),
  rowsIngested: bigint("rows_ingested", { mode: "number" }).notNull().default(0),
});
