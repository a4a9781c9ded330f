import { sql, type SQL } from "drizzle-orm";
import { budgetAlerts, organizations, teams, usageDaily, usageRequests } from "../schema/index.ts";
import type { Db } from "./types.ts";

/**
 * Reads for the admin dashboards (docs/usage.md, "Dashboards"). Series by day come from the daily
 * rollup; totals over exact windows come from `sumUsage` (db/queries/usage.ts); only latency
 * percentiles and the requests table read raw rows, bounded by the (team_id, start_time) index.
 * `teamIds: null` means every team (the whole installation).
 */

function rowsOf<T>(result: unknown): T[] {
  return Array.from(result as Iterable<T>);
}

const iso = (d: Date) => d.toISOString();
const epochMs = (column: SQL) => sql`(extract(epoch from ${column}) * 1000)::float8`;
const teamFilter = (teamIds: string[] | null, column: SQL) =>
  teamIds === null ? sql`true` : teamIds.length ? sql`${column} in (${sql.join(teamIds.map((id) => sql`${id}`), sql`, `)})` : sql`false`;

export type DaySeriesRow = {
  day: string;
  requests: number;
  failedRequests: number;
  promptTokens: number;
  completionTokens: number;
  /** Exact decimal text. */
  spend: string;
  /** What the customer is billed (exact decimal text). */
  billed: string;
  latencyMsSum: number;
};

/** Usage by UTC day (fromDay..toDay inclusive, YYYY-MM-DD) summed over the teams, from the daily rollup. Days without usage are absent. */
export async function dailySeries(db: Db, filter: { teamIds: string[] | null; fromDay: string; toDay: string }): Promise<DaySeriesRow[]> {
  const d = usageDaily;
  const result = await db.execute(sql`
    select ${d.day} as day, sum(${d.requests})::float8 as requests, sum(${d.failedRequests})::float8 as "failedRequests",
           sum(${d.promptTokens})::float8 as "promptTokens", sum(${d.completionTokens})::float8 as "completionTokens",
           sum(${d.spend})::text as spend, sum(${d.billed})::text as billed, sum(${d.latencyMsSum})::float8 as "latencyMsSum"
    from ${d}
    where ${teamFilter(filter.teamIds, sql`${d.teamId}`)} and ${d.day} >= ${filter.fromDay} and ${d.day} <= ${filter.toDay}
    group by ${d.day}
    order by ${d.day}
  `);
  return rowsOf<DaySeriesRow>(result);
}

/** Spend (cost) and billed by team and UTC day (fromDay..toDay inclusive) over every team, from the daily rollup; days without usage are absent. */
export async function dailySpendByTeam(db: Db, filter: { fromDay: string; toDay: string }): Promise<Array<{ teamId: string; day: string; spend: string; billed: string }>> {
  const d = usageDaily;
  const result = await db.execute(sql`
    select ${d.teamId} as "teamId", ${d.day} as day, sum(${d.spend})::text as spend, sum(${d.billed})::text as billed
    from ${d}
    where ${d.day} >= ${filter.fromDay} and ${d.day} <= ${filter.toDay}
    group by ${d.teamId}, ${d.day}
  `);
  return rowsOf<{ teamId: string; day: string; spend: string; billed: string }>(result);
}

export type LatencyPercentiles = { p50: number | null; p95: number | null; sampled: number };

/** A PostgreSQL text[] literal (every element quoted). */
export function textArray(values: string[]): string {
  return `{${values.map((v) => `"${v.replace(/[\\"]/g, "\\$&")}"`).join(",")}}`;
}

/**
 * Median and 95th percentile of request duration (ms) of the teams' requests in [from, to).
 * Exact while the window holds up to about `sample` requests; beyond that, a sample spread over
 * the whole window and every team: the window is cut into `slices` equal parts and each team
 * contributes its latest `sample / (slices × teams)` requests of each part, each part read
 * backwards along the (team_id, start_time) index. Rows of different teams share heap pages
 * rarely, so every row read costs a page: the sample bounds the time however busy the team is.
 */
export async function latencyPercentiles(db: Db, filter: { teamIds: string[]; from: Date; to: Date; sample: number; slices?: number }): Promise<LatencyPercentiles> {
  if (!filter.teamIds.length || filter.to <= filter.from) return { p50: null, p95: null, sampled: 0 };
  const slices = filter.slices ?? 20;
  const perSlice = Math.max(1, Math.ceil(filter.sample / (slices * filter.teamIds.length)));
  const stepMs = (filter.to.getTime() - filter.from.getTime()) / slices;
  const u = usageRequests;
  const result = await db.execute(sql`
    select percentile_cont(0.5) within group (order by s.latency_ms)::float8 as p50,
           percentile_cont(0.95) within group (order by s.latency_ms)::float8 as p95,
           count(*)::int as sampled
    from unnest(${textArray(filter.teamIds)}::text[]) as t(team_id)
    cross join generate_series(0, ${slices - 1}) as b(i)
    cross join lateral (
      select ${u.latencyMs} as latency_ms from ${u}
      where ${u.teamId} = t.team_id
        and ${u.startTime} >= ${iso(filter.from)}::timestamptz + make_interval(secs => b.i * ${stepMs / 1000}::float8)
        and ${u.startTime} < case when b.i = ${slices - 1} then ${iso(filter.to)}::timestamptz
                                else ${iso(filter.from)}::timestamptz + make_interval(secs => (b.i + 1) * ${stepMs / 1000}::float8) end
      order by ${u.startTime} desc
      limit ${perSlice}
    ) s
    where s.latency_ms is not null
  `);
  const row = rowsOf<{ p50: number | null; p95: number | null; sampled: number }>(result)[0];
  return { p50: row?.p50 ?? null, p95: row?.p95 ?? null, sampled: row?.sampled ?? 0 };
}

export type RequestRow = {
  requestId: string;
  teamId: string;
  keyHash: string;
  modelGroup: string | null;
  model: string | null;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  /** Exact decimal text. */
  spend: string;
  /** What the customer is billed for it (exact decimal text). */
  billed: string;
  startTime: Date;
  /** start_time to the microsecond (ISO, UTC): what a keyset cursor carries, exact where a Date would round. */
  startTimeExact: string;
  latencyMs: number | null;
  status: string;
  endUser: string | null;
};

/** A place in the requests ordered by (start_time, request_id): rows sharing a start time still have one order. */
export type RequestKey = { startTime: string; requestId: string };

/**
 * The teams' requests in [from, to), newest first, one page by keyset on (start_time, request_id):
 * `before` reads the rows older than that key, `after` the rows newer than it (returned newest
 * first as well). Ask for one more row than shown to know whether there is a further page.
 */
export async function requestsInWindow(
  db: Db,
  filter: { teamIds: string[]; from: Date; to: Date; limit: number; before?: RequestKey; after?: RequestKey },
): Promise<RequestRow[]> {
  if (!filter.teamIds.length) return [];
  const u = usageRequests;
  const key = sql`(${u.startTime}, ${u.requestId})`;
  const keyset = filter.after
    ? sql`and ${key} > (${filter.after.startTime}::timestamptz, ${filter.after.requestId}::text)`
    : filter.before
      ? sql`and ${key} < (${filter.before.startTime}::timestamptz, ${filter.before.requestId}::text)`
      : sql``;
  const order = filter.after ? sql`${u.startTime} asc, ${u.requestId} asc` : sql`${u.startTime} desc, ${u.requestId} desc`;
  const result = await db.execute(sql`
    select ${u.requestId} as "requestId", ${u.teamId} as "teamId", ${u.keyHash} as "keyHash", ${u.modelGroup} as "modelGroup", ${u.model} as model,
           ${u.promptTokens} as "promptTokens", ${u.completionTokens} as "completionTokens", ${u.totalTokens} as "totalTokens",
           ${u.spend}::text as spend, ${u.billed}::text as billed, ${epochMs(sql`${u.startTime}`)} as "startTime",
           to_char(${u.startTime} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "startTimeExact",
           ${u.latencyMs} as "latencyMs", ${u.status} as status, ${u.endUser} as "endUser"
    from ${u}
    where ${teamFilter(filter.teamIds, sql`${u.teamId}`)} and ${u.startTime} >= ${iso(filter.from)}::timestamptz and ${u.startTime} < ${iso(filter.to)}::timestamptz
      ${keyset}
    order by ${order}
    limit ${filter.limit}
  `);
  const rows = rowsOf<RequestRow & { startTime: number }>(result).map((r) => ({ ...r, startTime: new Date(r.startTime) }));
  return filter.after ? rows.reverse() : rows;
}

export type TeamHeadline = {
  id: string;
  name: string;
  organizationId: string;
  organizationName: string;
  status: "active" | "suspended" | "deleted";
  maxBudget: string | null;
  syncState: "pending" | "in_sync" | "failing";
  syncError: string | null;
  syncAttempts: number;
  nextSyncAt: Date | null;
};

/** Every team with what the overview shows of it (deleted teams too: their usage history stays). */
export async function teamHeadlines(db: Db, filter: { organizationId?: string } = {}): Promise<TeamHeadline[]> {
  const [t, o] = [teams, organizations];
  const result = await db.execute(sql`
    select ${t.id} as id, ${t.name} as name, ${t.organizationId} as "organizationId", ${o.name} as "organizationName", ${t.status} as status,
           ${t.maxBudget}::text as "maxBudget", ${t.syncState} as "syncState", ${t.syncError} as "syncError", ${t.syncAttempts} as "syncAttempts",
           ${epochMs(sql`${t.nextSyncAt}`)} as "nextSyncAt"
    from ${t} join ${o} on ${o.id} = ${t.organizationId}
    ${filter.organizationId ? sql`where ${t.organizationId} = ${filter.organizationId}` : sql``}
    order by ${o.name}, ${t.name}
  `);
  return rowsOf<TeamHeadline & { nextSyncAt: number | null }>(result).map((r) => ({ ...r, nextSyncAt: r.nextSyncAt === null ? null : new Date(r.nextSyncAt) }));
}

export type RecentAlertRow = {
  id: string;
  teamId: string;
  teamName: string;
  thresholdPercent: number;
  state: "firing" | "resolved";
  firedAt: Date;
  resolvedAt: Date | null;
  spent: string;
  limit: string;
};

/** The latest budget alerts over every team, newest first. */
export async function recentAlerts(db: Db, limit: number): Promise<RecentAlertRow[]> {
  const [a, t] = [budgetAlerts, teams];
  const result = await db.execute(sql`
    select ${a.id} as id, ${a.teamId} as "teamId", ${t.name} as "teamName", ${a.thresholdPercent} as "thresholdPercent", ${a.state} as state,
           ${epochMs(sql`${a.firedAt}`)} as "firedAt", ${epochMs(sql`${a.resolvedAt}`)} as "resolvedAt", ${a.spent}::text as spent, ${a.limit}::text as "limit"
    from ${a} join ${t} on ${t.id} = ${a.teamId}
    order by ${a.firedAt} desc, ${a.thresholdPercent} desc
    limit ${limit}
  `);
  return rowsOf<RecentAlertRow & { firedAt: number; resolvedAt: number | null }>(result).map((r) => ({
    ...r,
    firedAt: new Date(r.firedAt),
    resolvedAt: r.resolvedAt === null ? null : new Date(r.resolvedAt),
  }));
}
