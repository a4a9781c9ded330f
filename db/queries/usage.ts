import { eq, sql, type SQL } from "drizzle-orm";
import { ingestionState, usageDaily, usageHourly, usageRequests } from "../schema/index.ts";
import type { RequestRow } from "./dashboards.ts";
import type { Db } from "./types.ts";

/**
 * Usage: LiteLLM's spend-log rows (usage_requests), their hourly and daily rollups by team and
 * model group, and where ingestion has got to (ingestion_state). docs/usage.md.
 */

export type IngestionStateRow = typeof ingestionState.$inferSelect;

/** One spend-log row as ingestion writes it. Times are ISO 8601 with an offset; spend is LiteLLM's number as text. */
export type UsageRowInput = {
  request_id: string;
  team_id: string | null;
  key_hash: string;
  model_group: string | null;
  model: string | null;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  spend: string;
  start_time: string;
  end_time: string | null;
  latency_ms: number | null;
  status: "success" | "failure";
  end_user: string | null;
  /** LiteLLM's session_id when it can be a job id (app/lib/job-id.ts), else null: the row is attributed to that job of its team if there is one. */
  session_id?: string | null;
  metadata: unknown;
};

function rowsOf<T>(result: unknown): T[] {
  return Array.from(result as Iterable<T>);
}

/**
 * Inserts a page of spend-log rows and adds exactly the new ones to the hourly and daily rollups,
 * in one statement (usage-ingest.ts, where ingestion's one write is tuned for speed).
 */
export { insertUsageRows } from "./usage-ingest.ts";

// ── ingestion state ─────────────────────────────────────────────────────────────────────────────

export async function findIngestionState(db: Db, id: string): Promise<IngestionStateRow | undefined> {
  const rows = await db.select().from(ingestionState).where(eq(ingestionState.id, id)).limit(1);
  return rows[0];
}

/** A window committed: the next one starts at `windowEnd` (never moves back), the error is cleared. */
export async function recordIngestionSuccess(db: Db, id: string, values: { windowEnd: Date; ranAt: Date; inserted: number }) {
  await db
    .insert(ingestionState)
    .values({ id, windowStart: values.windowEnd, lastRunAt: values.ranAt, lastError: null, rowsIngested: values.inserted })
    .onConflictDoUpdate({
      target: ingestionState.id,
      set: {
        windowStart: sql`greatest(${ingestionState.windowStart}, excluded.window_start)`,
        lastRunAt: values.ranAt,
        lastError: null,
        rowsIngested: sql`${ingestionState.rowsIngested} + ${values.inserted}`,
      },
    });
}

/** A run failed: the window stays where it was (a first run records its start), rows that did commit are counted. */
export async function recordIngestionFailure(db: Db, id: string, values: { windowStart: Date; ranAt: Date; error: string; inserted: number }) {
  await db
    .insert(ingestionState)
    .values({ id, windowStart: values.windowStart, lastRunAt: values.ranAt, lastError: values.error, rowsIngested: values.inserted })
    .onConflictDoUpdate({
      target: ingestionState.id,
      set: { lastRunAt: values.ranAt, lastError: values.error, rowsIngested: sql`${ingestionState.rowsIngested} + ${values.inserted}` },
    });
}

// ── reads ───────────────────────────────────────────────────────────────────────────────────────

export type Segment = { source: "daily" | "hourly" | "raw"; from: Date; to: Date };

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const floorTo = (d: Date, step: number) => new Date(Math.floor(d.getTime() / step) * step);
const ceilTo = (d: Date, step: number) => new Date(Math.ceil(d.getTime() / step) * step);

/**
 * Splits [from, to) into the cheapest exact reads: whole UTC days from the daily rollup, whole
 * hours at either end from the hourly rollup, and the minutes left over from the raw rows.
 */
export function splitWindow(from: Date, to: Date): Segment[] {
  if (to <= from) return [];
  const hourFrom = ceilTo(from, HOUR_MS);
  const hourTo = floorTo(to, HOUR_MS);
  if (hourFrom >= hourTo) return [{ source: "raw", from, to }];
  const segments: Segment[] = [
    { source: "raw", from, to: hourFrom },
    { source: "raw", from: hourTo, to },
  ];
  const dayFrom = ceilTo(from, DAY_MS);
  const dayTo = floorTo(to, DAY_MS);
  if (dayFrom < dayTo) {
    segments.push({ source: "hourly", from: hourFrom, to: dayFrom }, { source: "daily", from: dayFrom, to: dayTo }, { source: "hourly", from: dayTo, to: hourTo });
  } else {
    segments.push({ source: "hourly", from: hourFrom, to: hourTo });
  }
  return segments.filter((s) => s.from < s.to);
}

const iso = (d: Date) => d.toISOString();
const dayOf = (d: Date) => d.toISOString().slice(0, 10);
/** A timestamptz as epoch milliseconds (a JS number, whatever the driver does with timestamps). */
const epochMs = (column: SQL) => sql`(extract(epoch from ${column}) * 1000)::float8`;
const inList = (ids: string[]) => sql.join(ids.map((id) => sql`${id}`), sql`, `);

/** `column` in any of the ranges [from, to) (the ranges never overlap). */
function inRanges(column: SQL, ranges: Array<{ from: string; to: string }>, cast: SQL): SQL {
  return sql.join(
    ranges.map((r) => sql`(${column} >= ${r.from}${cast} and ${column} < ${r.to}${cast})`),
    sql` or `,
  );
}

/**
 * One branch per source (daily, hourly, raw), each reading all of its segments at once: the two
 * hourly stretches and the two raw edges of a window are OR-ed ranges of one index scan. Fewer
 * branches plan faster (planning was half the cost of a five-branch union). Raw rows go up
 * unaggregated (one request each); the caller's grouping sums them with the rollup rows.
 */
function sourceQuery(source: Segment["source"], segments: Segment[], teamIds: string[]): SQL {
  const teams = inList(teamIds);
  switch (source) {
    case "daily": {
      const d = usageDaily;
      return sql`select ${d.teamId} as team_id, ${d.modelGroup} as model_group, ${d.requests} as requests, ${d.failedRequests} as failed_requests,
                        ${d.promptTokens} as prompt_tokens, ${d.completionTokens} as completion_tokens, ${d.spend} as spend, ${d.billed} as billed, ${d.latencyMsSum} as latency_ms_sum
                 from ${d} where ${d.teamId} in (${teams})
                 and (${inRanges(sql`${d.day}`, segments.map((s) => ({ from: dayOf(s.from), to: dayOf(s.to) })), sql``)})`;
    }
    case "hourly": {
      const h = usageHourly;
      return sql`select ${h.teamId} as team_id, ${h.modelGroup} as model_group, ${h.requests} as requests, ${h.failedRequests} as failed_requests,
                        ${h.promptTokens} as prompt_tokens, ${h.completionTokens} as completion_tokens, ${h.spend} as spend, ${h.billed} as billed, ${h.latencyMsSum} as latency_ms_sum
                 from ${h} where ${h.teamId} in (${teams})
                 and (${inRanges(sql`${h.hour}`, segments.map((s) => ({ from: iso(s.from), to: iso(s.to) })), sql`::timestamptz`)})`;
    }
    case "raw": {
      const r = usageRequests;
      return sql`select ${r.teamId} as team_id, coalesce(${r.modelGroup}, '') as model_group, 1 as requests, (${r.status} = 'failure')::int as failed_requests,
                        ${r.promptTokens} as prompt_tokens, ${r.completionTokens} as completion_tokens, ${r.spend} as spend, ${r.billed} as billed, coalesce(${r.latencyMs}, 0) as latency_ms_sum
                 from ${r} where ${r.teamId} in (${teams})
                 and (${inRanges(sql`${r.startTime}`, segments.map((s) => ({ from: iso(s.from), to: iso(s.to) })), sql`::timestamptz`)})`;
    }
  }
}

export type UsageTotals = {
  teamId: string;
  modelGroup: string;
  requests: number;
  failedRequests: number;
  promptTokens: number;
  completionTokens: number;
  /** Exact decimal text. */
  spend: string;
  /** What the customer is billed (exact decimal text; equal to spend without a price list). */
  billed: string;
  latencyMsSum: number;
};

/** Usage of the teams in [from, to) by team and model group, read from the rollups where whole hours and days allow. */
export async function sumUsage(db: Db, filter: { teamIds: string[]; from: Date; to: Date }): Promise<UsageTotals[]> {
  const segments = splitWindow(filter.from, filter.to);
  if (!filter.teamIds.length || !segments.length) return [];
  const sources = (["daily", "hourly", "raw"] as const).filter((source) => segments.some((s) => s.source === source));
  const union = sql.join(
    sources.map((source) =>
      sourceQuery(
        source,
        segments.filter((s) => s.source === source),
        filter.teamIds,
      ),
    ),
    sql` union all `,
  );
  const result = await db.execute(sql`
    select team_id as "teamId", model_group as "modelGroup", sum(requests)::float8 as requests, sum(failed_requests)::float8 as "failedRequests",
           sum(prompt_tokens)::float8 as "promptTokens", sum(completion_tokens)::float8 as "completionTokens",
           coalesce(sum(spend), 0)::text as spend, coalesce(sum(billed), 0)::text as billed, sum(latency_ms_sum)::float8 as "latencyMsSum"
    from (${union}) u
    group by team_id, model_group
    order by team_id, model_group
  `);
  return rowsOf<UsageTotals>(result);
}

/**
 * What the team's requests that started at or after `from` were billed (later ones included, however
 * far ahead): its budget spend, in billed dollars (docs/budgets.md; equal to cost without a price list).
 */
export async function spendSince(db: Db, filter: { teamId: string; from: Date }): Promise<string> {
  return (await costAndBilledSince(db, filter)).billed;
}

/**
 * Cost and billed of the team's requests that started at or after `from`, exact: the raw rows up to
 * the next whole hour, the hourly rollup up to the next UTC day, the daily rollup from there on.
 * Equal to summing the raw rows, at the cost of a few hundred rollup rows instead of every request.
 */
export async function costAndBilledSince(db: Db, filter: { teamId: string; from: Date }): Promise<{ spend: string; billed: string }> {
  const hourFrom = ceilTo(filter.from, HOUR_MS);
  const dayFrom = ceilTo(filter.from, DAY_MS);
  const [r, h, d] = [usageRequests, usageHourly, usageDaily];
  const result = await db.execute(sql`
    select coalesce(sum(spend), 0)::text as spend, coalesce(sum(billed), 0)::text as billed from (
      select ${r.spend} as spend, ${r.billed} as billed from ${r}
      where ${r.teamId} = ${filter.teamId} and ${r.startTime} >= ${iso(filter.from)}::timestamptz and ${r.startTime} < ${iso(hourFrom)}::timestamptz
      union all
      select ${h.spend}, ${h.billed} from ${h} where ${h.teamId} = ${filter.teamId} and ${h.hour} >= ${iso(hourFrom)}::timestamptz and ${h.hour} < ${iso(dayFrom)}::timestamptz
      union all
      select ${d.spend}, ${d.billed} from ${d} where ${d.teamId} = ${filter.teamId} and ${d.day} >= ${dayOf(dayFrom)}
    ) s
  `);
  return rowsOf<{ spend: string; billed: string }>(result)[0] ?? { spend: "0", billed: "0" };
}

/** `spendSince` for many teams at once (one statement): team id → spend since its own `from`. */
export async function spendSinceMany(db: Db, filters: Array<{ teamId: string; from: Date }>): Promise<Map<string, string>> {
  if (filters.length === 0) return new Map();
  const values = filters.map((f) => {
    const hourFrom = ceilTo(f.from, HOUR_MS);
    const dayFrom = ceilTo(f.from, DAY_MS);
    return sql`(${f.teamId}::text, ${iso(f.from)}::timestamptz, ${iso(hourFrom)}::timestamptz, ${iso(dayFrom)}::timestamptz, ${dayOf(dayFrom)}::text)`;
  });
  const [r, h, d] = [usageRequests, usageHourly, usageDaily];
  const result = await db.execute(sql`
    select f.team_id as "teamId", (
      coalesce((select sum(${r.billed}) from ${r} where ${r.teamId} = f.team_id and ${r.startTime} >= f.from_at and ${r.startTime} < f.hour_from), 0)
      + coalesce((select sum(${h.billed}) from ${h} where ${h.teamId} = f.team_id and ${h.hour} >= f.hour_from and ${h.hour} < f.day_from), 0)
      + coalesce((select sum(${d.billed}) from ${d} where ${d.teamId} = f.team_id and ${d.day} >= f.day_text), 0)
    )::text as spend
    from (values ${sql.join(values, sql`, `)}) as f(team_id, from_at, hour_from, day_from, day_text)
  `);
  return new Map(rowsOf<{ teamId: string; spend: string }>(result).map((r) => [r.teamId, r.spend]));
}

export type DailyUsageRow = Omit<UsageTotals, "teamId"> & { day: string };

/** The team's daily rollup for UTC days fromDay..toDay (inclusive, YYYY-MM-DD), by day and model group. */
export async function dailyUsage(db: Db, filter: { teamId: string; fromDay: string; toDay: string }): Promise<DailyUsageRow[]> {
  const d = usageDaily;
  const result = await db.execute(sql`
    select ${d.day} as day, ${d.modelGroup} as "modelGroup", ${d.requests}::float8 as requests, ${d.failedRequests}::float8 as "failedRequests",
           ${d.promptTokens}::float8 as "promptTokens", ${d.completionTokens}::float8 as "completionTokens", ${d.spend}::text as spend, ${d.billed}::text as billed, ${d.latencyMsSum}::float8 as "latencyMsSum"
    from ${d}
    where ${d.teamId} = ${filter.teamId} and ${d.day} >= ${filter.fromDay} and ${d.day} <= ${filter.toDay}
    order by ${d.day}, ${d.modelGroup}
  `);
  return rowsOf<DailyUsageRow>(result);
}

export type GroupedUsageRow = Omit<UsageTotals, "teamId" | "modelGroup"> & { group: string | null; lastRequestAt: Date };

/** The team's raw rows in [from, to) grouped by key hash or end user, biggest spend first. */
export async function usageGroupedBy(db: Db, filter: { teamId: string; from: Date; to: Date; by: "key_hash" | "end_user"; limit: number }): Promise<GroupedUsageRow[]> {
  const r = usageRequests;
  const column = filter.by === "key_hash" ? sql`${r.keyHash}` : sql`${r.endUser}`;
  const result = await db.execute(sql`
    select ${column} as "group", count(*)::float8 as requests, (count(*) filter (where ${r.status} = 'failure'))::float8 as "failedRequests",
           sum(${r.promptTokens})::float8 as "promptTokens", sum(${r.completionTokens})::float8 as "completionTokens",
           sum(${r.spend})::text as spend, sum(${r.billed})::text as billed, coalesce(sum(${r.latencyMs}), 0)::float8 as "latencyMsSum", ${epochMs(sql`max(${r.startTime})`)} as "lastRequestAt"
    from ${r}
    where ${r.teamId} = ${filter.teamId} and ${r.startTime} >= ${iso(filter.from)}::timestamptz and ${r.startTime} < ${iso(filter.to)}::timestamptz
    group by 1
    order by sum(${r.spend}) desc, 1
    limit ${filter.limit}
  `);
  return rowsOf<GroupedUsageRow & { lastRequestAt: number }>(result).map((r) => ({ ...r, lastRequestAt: new Date(r.lastRequestAt) }));
}

/** A request as the requests tables show it (dashboards.ts RequestRow), with its end time; no team (the caller names it). */
export type RecentRequestRow = Omit<RequestRow, "teamId"> & { endTime: Date | null };

/** The team's latest rows (by start time), newest first; `before` pages further back. */
/**
 * A team's requests, newest first: `before` (a time) reads the rows that started before it;
 * `olderThan` (a keyset key: start time to the microsecond and request id) the rows after that row
 * in this order, so rows that share a millisecond are neither skipped nor repeated.
 */
export async function recentUsageRequests(
  db: Db,
  filter: { teamId: string; limit: number; before?: Date; olderThan?: { startTime: string; requestId: string } },
): Promise<RecentRequestRow[]> {
  const r = usageRequests;
  const result = await db.execute(sql`
    select ${r.requestId} as "requestId", ${r.keyHash} as "keyHash", ${r.modelGroup} as "modelGroup", ${r.model} as model, ${r.promptTokens} as "promptTokens",
           ${r.completionTokens} as "completionTokens", ${r.totalTokens} as "totalTokens", ${r.spend}::text as spend, ${r.billed}::text as billed, ${epochMs(sql`${r.startTime}`)} as "startTime",
           to_char(${r.startTime} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "startTimeExact",
           ${epochMs(sql`${r.endTime}`)} as "endTime", ${r.latencyMs} as "latencyMs", ${r.status} as status, ${r.endUser} as "endUser"
    from ${r}
    where ${r.teamId} = ${filter.teamId} ${filter.before ? sql`and ${r.startTime} < ${iso(filter.before)}::timestamptz` : sql``}
      ${filter.olderThan ? sql`and (${r.startTime}, ${r.requestId}) < (${filter.olderThan.startTime}::timestamptz, ${filter.olderThan.requestId}::text)` : sql``}
    order by ${r.startTime} desc, ${r.requestId} desc
    limit ${filter.limit}
  `);
  return rowsOf<RecentRequestRow & { startTime: number; endTime: number | null }>(result).map((r) => ({
    ...r,
    startTime: new Date(r.startTime),
    endTime: r.endTime === null ? null : new Date(r.endTime),
  }));
}
