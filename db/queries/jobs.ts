import { and, eq, sql, type SQL } from "drizzle-orm";
import { jobs, usageRequests, type JobStatus } from "../schema/index.ts";
import { textArray } from "./dashboards.ts";
import type { Db } from "./types.ts";

/** Jobs (docs/jobs.md): their rows, their calls (usage_requests.job_id) and the sweeps the worker runs. */

export type JobRow = typeof jobs.$inferSelect;
/** A job with created_at to the microsecond (what a list cursor carries). */
export type ListedJobRow = JobRow & { createdAtExact: string };
/** A place in a team's jobs ordered by (created_at, id), newest first. */
export type JobKey = { createdAt: string; id: string };
export type JobCallKey = { startTime: string; requestId: string };

function rowsOf<T>(result: unknown): T[] {
  return Array.from(result as Iterable<T>);
}

/** `metadata` with `set` merged in and the `remove` keys taken out. */
const mergedMetadata = (set: Record<string, unknown>, remove: string[]) => sql`(${jobs.metadata} || ${JSON.stringify(set)}::jsonb) - ${textArray(remove)}::text[]`;

const OPEN = sql`${jobs.status} in ('pending', 'running')`;
const exact = (column: SQL | typeof jobs.createdAt) => sql<string>`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** Inserts the job; undefined when the team already has a job with this id. */
export async function insertJob(db: Db, values: typeof jobs.$inferInsert): Promise<JobRow | undefined> {
  const rows = await db.insert(jobs).values(values).onConflictDoNothing().returning();
  return rows[0];
}

export async function findJob(db: Db, teamId: string, id: string): Promise<JobRow | undefined> {
  const rows = await db
    .select()
    .from(jobs)
    .where(and(eq(jobs.teamId, teamId), eq(jobs.id, id)))
    .limit(1);
  return rows[0];
}

/** Jobs of any team with this id (at most `limit`): an admin's lookup by id alone. */
export async function findJobsById(db: Db, id: string, limit = 2): Promise<JobRow[]> {
  return db.select().from(jobs).where(eq(jobs.id, id)).orderBy(jobs.teamId).limit(limit);
}

/**
 * Closes an open job as completed or failed, merging `metadata` (a key set to null is removed).
 * Undefined when the job is already closed: the caller answers with its first result.
 */
export async function closeJob(
  db: Db,
  key: { teamId: string; id: string },
  values: { status: "completed" | "failed"; set: Record<string, unknown>; remove: string[]; now: Date },
): Promise<JobRow | undefined> {
  const rows = await db
    .update(jobs)
    .set({
      status: values.status,
      closedAt: values.now,
      updatedAt: values.now,
      metadata: mergedMetadata(values.set, values.remove),
    })
    .where(and(eq(jobs.teamId, key.teamId), eq(jobs.id, key.id), OPEN))
    .returning();
  return rows[0];
}

/** Merges into the job's metadata (a key set to null is removed); the job's size limit is checked by the caller on the result. */
export async function patchJobMetadata(
  db: Db,
  key: { teamId: string; id: string },
  values: { set: Record<string, unknown>; remove: string[]; now: Date },
): Promise<JobRow | undefined> {
  const rows = await db
    .update(jobs)
    .set({ updatedAt: values.now, metadata: mergedMetadata(values.set, values.remove) })
    .where(and(eq(jobs.teamId, key.teamId), eq(jobs.id, key.id)))
    .returning();
  return rows[0];
}

export type JobCallRow = {
  requestId: string;
  startTime: Date;
  startTimeExact: string;
  endTime: Date | null;
  modelGroup: string | null;
  model: string | null;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  /** Exact decimal text: LiteLLM's cost, and what the customer is billed for the call. */
  spend: string;
  billed: string;
  latencyMs: number | null;
  status: string;
  endUser: string | null;
};

/** A job's calls in the order they started, one page by keyset on (start_time, request_id) after `after`. */
export async function jobCalls(db: Db, key: { teamId: string; id: string }, page: { after?: JobCallKey; limit: number }): Promise<JobCallRow[]> {
  const u = usageRequests;
  const keyset = page.after ? sql`and (${u.startTime}, ${u.requestId}) > (${page.after.startTime}::timestamptz, ${page.after.requestId}::text)` : sql``;
  const result = await db.execute(sql`
    select ${u.requestId} as "requestId", (extract(epoch from ${u.startTime}) * 1000)::float8 as "startTime", ${exact(sql`${u.startTime}`)} as "startTimeExact",
           (extract(epoch from ${u.endTime}) * 1000)::float8 as "endTime", ${u.modelGroup} as "modelGroup", ${u.model} as model,
           ${u.promptTokens} as "promptTokens", ${u.completionTokens} as "completionTokens", ${u.totalTokens} as "totalTokens",
           ${u.spend}::text as spend, ${u.billed}::text as billed, ${u.latencyMs} as "latencyMs", ${u.status} as status, ${u.endUser} as "endUser"
    from ${u}
    where ${u.jobId} = ${key.id} and ${u.teamId} = ${key.teamId} ${keyset}
    order by ${u.startTime}, ${u.requestId}
    limit ${page.limit}
  `);
  return rowsOf<JobCallRow & { startTime: number; endTime: number | null }>(result).map((r) => ({
    ...r,
    startTime: new Date(r.startTime),
    endTime: r.endTime === null ? null : new Date(r.endTime),
  }));
}

export type JobFilter = {
  teamId: string;
  status?: JobStatus;
  jobType?: string;
  userId?: string;
  /** created_at in [from, to). */
  from?: Date;
  to?: Date;
};

function filterSql(f: JobFilter): SQL {
  const parts: SQL[] = [sql`${jobs.teamId} = ${f.teamId}`];
  if (f.status) parts.push(sql`${jobs.status} = ${f.status}`);
  if (f.jobType) parts.push(sql`${jobs.jobType} = ${f.jobType}`);
  if (f.userId) parts.push(sql`${jobs.userId} = ${f.userId}`);
  if (f.from) parts.push(sql`${jobs.createdAt} >= ${f.from.toISOString()}::timestamptz`);
  if (f.to) parts.push(sql`${jobs.createdAt} < ${f.to.toISOString()}::timestamptz`);
  return sql.join(parts, sql` and `);
}

/** A team's jobs, newest first, one page by keyset on (created_at, id) before `before`. */
export async function listJobs(db: Db, filter: JobFilter, page: { before?: JobKey; limit: number }): Promise<ListedJobRow[]> {
  const keyset = page.before ? sql`(${jobs.createdAt}, ${jobs.id}) < (${page.before.createdAt}::timestamptz, ${page.before.id}::text)` : sql`true`;
  return db
    .select({ ...jobColumns(), createdAtExact: exact(jobs.createdAt) })
    .from(jobs)
    .where(and(filterSql(filter), keyset))
    // nulls last, as the index is built (drizzle's .desc()): neither column is ever null, and only this order reads the index.
    .orderBy(sql`${jobs.createdAt} desc nulls last`, sql`${jobs.id} desc nulls last`)
    .limit(page.limit);
}

function jobColumns() {
  const { teamId, id, jobType, userId, status, origin, metadata, createdAt, updatedAt, closedAt, calls, failedCalls, promptTokens, completionTokens, spend, billed, latencyMsSum, firstCallAt, lastCallAt, notifiedAt } = jobs;
  return { teamId, id, jobType, userId, status, origin, metadata, createdAt, updatedAt, closedAt, calls, failedCalls, promptTokens, completionTokens, spend, billed, latencyMsSum, firstCallAt, lastCallAt, notifiedAt };
}

/** Which money a ranking goes by: LiteLLM's cost (admins) or the billed amount (what a customer sees). */
export type JobMoney = "spend" | "billed";

/** The team's most expensive jobs created in [from, to), by cost or by billed amount. */
export async function costliestJobs(db: Db, filter: JobFilter, limit: number, by: JobMoney = "spend"): Promise<JobRow[]> {
  return db
    .select()
    .from(jobs)
    .where(filterSql(filter))
    .orderBy(sql`${by === "billed" ? jobs.billed : jobs.spend} desc`, sql`${jobs.createdAt} desc`)
    .limit(limit);
}

/**
 * How long a job took, in ms: from its creation to its close (completed, failed), or to its last
 * call (abandoned: the idle time after it is not work); null while it is open.
 */
export const jobDurationMs = sql<number | null>`case
    when ${jobs.status} in ('completed', 'failed') then extract(epoch from ${jobs.closedAt} - ${jobs.createdAt}) * 1000
    when ${jobs.status} = 'abandoned' then extract(epoch from greatest(${jobs.createdAt}, coalesce(${jobs.lastCallAt}, ${jobs.createdAt})) - ${jobs.createdAt}) * 1000
  end`;

export type JobTypeSummaryRow = {
  jobType: string;
  jobs: number;
  open: number;
  calls: number;
  /** Exact decimal text, all eight: LiteLLM's cost, and what the customer is billed. */
  spend: string;
  avgSpend: string;
  p50Spend: string;
  p95Spend: string;
  billed: string;
  avgBilled: string;
  p50Billed: string;
  p95Billed: string;
  p50DurationMs: number | null;
  p95DurationMs: number | null;
};

/**
 * Per job type, the team's jobs created in [from, to): count, cost and billed (total, average, p50,
 * p95), duration p50/p95 (closed jobs); the types ordered by `by` (cost, or billed for a customer).
 */
export async function jobSummary(db: Db, filter: JobFilter, by: JobMoney = "spend"): Promise<JobTypeSummaryRow[]> {
  const j = jobs;
  const order = by === "billed" ? j.billed : j.spend;
  const result = await db.execute(sql`
    select ${j.jobType} as "jobType", count(*)::int as jobs, (count(*) filter (where ${OPEN}))::int as open, coalesce(sum(${j.calls}), 0)::float8 as calls,
           sum(${j.spend})::text as spend, round(avg(${j.spend}), 10)::text as "avgSpend",
           round(percentile_cont(0.5) within group (order by ${j.spend})::numeric, 10)::text as "p50Spend",
           round(percentile_cont(0.95) within group (order by ${j.spend})::numeric, 10)::text as "p95Spend",
           sum(${j.billed})::text as billed, round(avg(${j.billed}), 10)::text as "avgBilled",
           round(percentile_cont(0.5) within group (order by ${j.billed})::numeric, 10)::text as "p50Billed",
           round(percentile_cont(0.95) within group (order by ${j.billed})::numeric, 10)::text as "p95Billed",
           (percentile_cont(0.5) within group (order by ${jobDurationMs}))::float8 as "p50DurationMs",
           (percentile_cont(0.95) within group (order by ${jobDurationMs}))::float8 as "p95DurationMs"
    from ${j}
    where ${filterSql(filter)}
    group by ${j.jobType}
    order by sum(${order}) desc, ${j.jobType}
  `);
  return rowsOf<JobTypeSummaryRow>(result);
}

/** Closes as abandoned every open job with no activity (created, metadata changed, or a call ending) since `cutoff`. */
export async function abandonIdleJobs(db: Db, cutoff: Date, now: Date): Promise<JobRow[]> {
  return db
    .update(jobs)
    .set({ status: "abandoned", closedAt: now, updatedAt: now })
    .where(and(OPEN, sql`${jobs.updatedAt} < ${cutoff.toISOString()}::timestamptz`, sql`coalesce(${jobs.lastCallAt}, ${jobs.updatedAt}) < ${cutoff.toISOString()}::timestamptz`))
    .returning();
}

/**
 * Claims the closed jobs whose totals are final (ingestion has read past `finalBefore`, which is
 * their close plus the late-write margin) and not yet announced: marks them notified and returns
 * them, in the caller's transaction, so each is announced once.
 */
export async function claimFinalJobs(db: Db, finalBefore: Date, now: Date, limit = 500): Promise<JobRow[]> {
  return db
    .update(jobs)
    .set({ notifiedAt: now })
    .where(
      sql`(${jobs.teamId}, ${jobs.id}) in (
        select team_id, id from ${jobs}
        where closed_at is not null and notified_at is null and closed_at <= ${finalBefore.toISOString()}::timestamptz
        order by closed_at
        limit ${limit}
        for update skip locked
      )`,
    )
    .returning();
}
