/**
 * Spend read APIs (CONTRACT §1 "Spend and usage read APIs"): /spend/logs/v2 (= /spend/logs/ui),
 * the deprecated /spend/logs with its quirks, and /team/daily/activity.
 */
import type { Route, RouteContext } from "./auth.ts";
import { bareDetail, handledException, json, proxyException, type Reply } from "./errors.ts";
import { DAY_MS, SPEND_LOG_SORTS, type DailyTeamRow, type SpendLogSortBy, type StoredLog } from "./spend-log-store.ts";
import { toTokenHash } from "./state.ts";
import { QueryReader } from "./validate.ts";

/** `SPEND_LOGS_PAGINATION_COUNT_CAP` in spend_management_endpoints.py (v1.93.0+, CONTRACT §1 /spend/logs/v2). */
export const SPEND_LOGS_PAGINATION_COUNT_CAP = 10_000;

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** `datetime.strptime(s, "%Y-%m-%d %H:%M:%S")` as UTC, or null. */
export function parseUtcDateTime(text: string): number | null {
  const m = DATE_TIME.exec(text);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return null;
  return ms;
}

function parseUtcDate(text: string): number | null {
  const m = DATE.exec(text);
  if (!m) return null;
  const [y, mo, d] = m.slice(1).map(Number);
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  return back.getUTCMonth() === mo - 1 && back.getUTCDate() === d ? ms : null;
}

type ErrorInfo = { error_code?: unknown; error_message?: unknown } | null | undefined;
const errorInfo = (log: StoredLog) => log.metadata.error_information as ErrorInfo;

function spendLogsV2(ctx: RouteContext): Reply {
  const state = ctx.state;
  const q = ctx.query;
  const reader = new QueryReader(q);
  const page = reader.int("page", { ge: 1 }) ?? 1;
  const pageSize = reader.int("page_size", { ge: 1, le: state.compat === "current" ? 1000 : 100 }) ?? 50;
  const minSpend = reader.float("min_spend");
  const maxSpend = reader.float("max_spend");
  reader.done();
  const startText = q.get("start_date");
  const endText = q.get("end_date");
  if (!startText || !endText) throw proxyException(400, "Start date and end date are required", "bad_request", "None");
  const startMs = parseUtcDateTime(startText);
  if (startMs === null) throw handledException(500, `time data '${startText}' does not match format '%Y-%m-%d %H:%M:%S'`);
  const endMs = parseUtcDateTime(endText);
  if (endMs === null) throw handledException(500, `time data '${endText}' does not match format '%Y-%m-%d %H:%M:%S'`);
  const sortBy = (q.get("sort_by") ?? "startTime") as SpendLogSortBy;
  if (!SPEND_LOG_SORTS.includes(sortBy)) {
    throw proxyException(400, `Invalid sort_by: ${sortBy}. Must be one of ${SPEND_LOG_SORTS.join(", ")}`, "bad_request", "None");
  }
  const order = q.get("sort_order")?.toLowerCase() === "asc" ? "asc" : "desc";

  const checks: Array<(log: StoredLog) => boolean> = [];
  const exact = (name: string, pick: (log: StoredLog) => unknown) => {
    const v = q.get(name);
    if (v !== null && v !== "") checks.push((log) => pick(log) === v);
  };
  exact("api_key", (l) => l.api_key);
  exact("user_id", (l) => l.user);
  exact("request_id", (l) => l.request_id);
  exact("team_id", (l) => l.team_id);
  exact("status_filter", (l) => l.status);
  exact("model", (l) => l.model);
  exact("model_id", (l) => l.model_id);
  exact("model_group", (l) => l.model_group);
  exact("key_alias", (l) => l.metadata.user_api_key_alias);
  exact("end_user", (l) => l.end_user);
  exact("error_code", (l) => errorInfo(l)?.error_code);
  const session = q.get("session_id");
  if (session) checks.push((l) => l.session_id !== null && l.session_id.includes(session));
  const errorMessage = q.get("error_message");
  if (errorMessage) checks.push((l) => String(errorInfo(l)?.error_message ?? "").includes(errorMessage));
  if (minSpend !== undefined) checks.push((l) => l.spend >= minSpend);
  if (maxSpend !== undefined) checks.push((l) => l.spend <= maxSpend);
  const filter = checks.length ? (log: StoredLog) => checks.every((c) => c(log)) : undefined;

  // Rows LiteLLM writes between two page reads (a test's hook) land before this read, shifting offsets.
  state.spendLogsReadHook?.({ page, pageSize });
  const { total: count, logs } = state.logs.page({ startMs, endMs, filter, sortBy, order, offset: (page - 1) * pageSize, limit: pageSize, ties: state.spendLogsTies });
  const data = logs.map((l) => l.toRow());
  if (state.compat === "legacy") return json({ data, total: count, page, page_size: pageSize, total_pages: Math.ceil(count / pageSize) });
  // v1.93+: COUNT(*) over `LIMIT cap + 1`, so past the cap `total` reads exactly the cap; later pages still hold rows.
  const total = Math.min(count, SPEND_LOGS_PAGINATION_COUNT_CAP);
  return json({ data, total, page, page_size: pageSize, total_pages: Math.ceil(total / pageSize), total_is_capped: count > SPEND_LOGS_PAGINATION_COUNT_CAP });
}

function newestFirst(logs: Iterable<StoredLog>): StoredLog[] {
  return [...logs].reverse();
}

/** The deprecated /spend/logs, quirks included (CONTRACT §1). */
function spendLogs(ctx: RouteContext): Reply {
  const state = ctx.state;
  const q = ctx.query;
  const reader = new QueryReader(q);
  const summarize = reader.bool("summarize") ?? true;
  reader.done();
  const apiKey = q.get("api_key");
  const requestId = q.get("request_id");
  const userId = q.get("user_id");
  const startText = q.get("start_date");
  const endText = q.get("end_date");
  const all = state.logs.all();

  if (startText === null || endText === null) {
    if (apiKey !== null) {
      const hash = toTokenHash(apiKey);
      return json(newestFirst(all.filter((l) => l.api_key === hash)).map((l) => l.toRow()));
    }
    if (requestId !== null) {
      const hit = all.find((l) => l.request_id === requestId);
      return json(hit ? [hit.toRow()] : []);
    }
    if (userId !== null) return json(newestFirst(all.filter((l) => l.user === userId)).map((l) => l.toRow()));
    return json(newestFirst(all).map((l) => l.toRow()));
  }

  const bad = [startText, endText].find((t) => parseUtcDate(t) === null);
  if (bad !== undefined) throw proxyException(500, `/spend/logs Error(time data '${bad}' does not match format '%Y-%m-%d')`, "internal_error", "None");
  const startMs = parseUtcDate(startText)!;
  const endMs = parseUtcDate(endText)!;
  const filter: (l: StoredLog) => boolean =
    apiKey !== null ? (l) => l.api_key === apiKey : requestId !== null ? (l) => l.request_id === requestId : userId !== null ? (l) => l.user === userId : () => true;
  const lo = state.logs.lowerBound(startMs);
  const hi = state.logs.upperBound(endMs);
  const window: StoredLog[] = [];
  for (let i = lo; i < hi; i++) if (filter(all[i])) window.push(all[i]);
  if (!summarize) return json(newestFirst(window).map((l) => l.toRow()));
  if (!window.length) return json([]);

  type Day = { spend: number; users: Record<string, number>; models: Record<string, number>; [apiKey: string]: unknown };
  const days = new Map<string, Day>();
  for (const l of window) {
    const date = new Date(l.startMs).toISOString().slice(0, 10);
    let day = days.get(date);
    if (!day) {
      day = { users: {}, models: {}, spend: 0 };
      days.set(date, day);
    }
    day.spend += l.spend;
    day[l.api_key] = ((day[l.api_key] as number | undefined) ?? 0) + l.spend;
    const user = l.user ?? "null";
    day.users[user] = (day.users[user] ?? 0) + l.spend;
    day.models[l.model] = (day.models[l.model] ?? 0) + l.spend;
  }
  const sorted = [...days.keys()].sort();
  const out: Array<Record<string, unknown>> = sorted.map((date) => ({ ...days.get(date), startTime: date }));
  // Zero-filled days after the last day with data, up to end_date.
  for (let ms = Date.parse(`${sorted.at(-1)}T00:00:00Z`) + DAY_MS; ms <= endMs; ms += DAY_MS) {
    out.push({ startTime: new Date(ms).toISOString().slice(0, 10), spend: 0, users: {}, models: {} });
  }
  return json(out);
}

type Metrics = {
  spend: number;
  prompt_tokens: number;
  completion_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
  total_tokens: number;
  successful_requests: number;
  failed_requests: number;
  api_requests: number;
};

const emptyMetrics = (): Metrics => ({
  spend: 0,
  prompt_tokens: 0,
  completion_tokens: 0,
  cache_read_input_tokens: 0,
  cache_creation_input_tokens: 0,
  total_tokens: 0,
  successful_requests: 0,
  failed_requests: 0,
  api_requests: 0,
});

function addMetrics(m: Metrics, r: DailyTeamRow): void {
  m.spend += r.spend;
  m.prompt_tokens += r.prompt_tokens;
  m.completion_tokens += r.completion_tokens;
  m.total_tokens += r.prompt_tokens + r.completion_tokens;
  m.successful_requests += r.successful_requests;
  m.failed_requests += r.failed_requests;
  m.api_requests += r.api_requests;
}

type Bucket = { metrics: Metrics; metadata: Record<string, unknown>; api_key_breakdown?: Record<string, Bucket> };

function bucket(map: Record<string, Bucket>, id: string, metadata: Record<string, unknown>, withKeys: boolean): Bucket {
  map[id] ??= withKeys ? { metrics: emptyMetrics(), metadata, api_key_breakdown: {} } : { metrics: emptyMetrics(), metadata };
  return map[id];
}

/**
 * /team/daily/activity over `LiteLLM_DailyTeamSpend`: pages the aggregate rows (date desc), then
 * groups the page by date. `metadata` totals cover the page, as LiteLLM computes them.
 */
function teamDailyActivity(ctx: RouteContext): Reply {
  const state = ctx.state;
  const q = ctx.query;
  const reader = new QueryReader(q);
  const page = reader.int("page", { ge: 1 }) ?? 1;
  const pageSize = reader.int("page_size", { ge: 1, le: 1000 }) ?? 10;
  reader.done();
  const start = q.get("start_date");
  const end = q.get("end_date");
  if (!start || !end) throw bareDetail(400, { error: "Please provide start_date and end_date" });
  const list = (name: string) => (q.get(name) ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  const teamIds = list("team_ids");
  const excluded = list("exclude_team_ids");
  const model = q.get("model");
  const apiKey = q.get("api_key");
  const rows = state.daily
    .list()
    .filter(
      (r) =>
        r.date >= start &&
        r.date <= end &&
        (!teamIds.length || teamIds.includes(r.team_id)) &&
        !excluded.includes(r.team_id) &&
        (model === null || r.model === model) &&
        (apiKey === null || r.api_key === apiKey),
    )
    .sort((a, b) => (a.date !== b.date ? (a.date < b.date ? 1 : -1) : `${a.team_id}\u0000${a.api_key}\u0000${a.model}` < `${b.team_id}\u0000${b.api_key}\u0000${b.model}` ? -1 : 1));
  const totalPages = Math.ceil(rows.length / pageSize);
  const pageRows = rows.slice((page - 1) * pageSize, page * pageSize);

  const keyMeta = (hash: string, teamId: string) => {
    const key = state.keys.get(hash) ?? state.deletedKeys.find((k) => k.token === hash);
    return { key_alias: key?.key_alias ?? null, team_id: teamId };
  };
  const totals = emptyMetrics();
  const byDate = new Map<string, { metrics: Metrics; breakdown: Record<string, Record<string, Bucket>> }>();
  for (const r of pageRows) {
    addMetrics(totals, r);
    let day = byDate.get(r.date);
    if (!day) {
      day = { metrics: emptyMetrics(), breakdown: { models: {}, model_groups: {}, providers: {}, api_keys: {}, entities: {} } };
      byDate.set(r.date, day);
    }
    addMetrics(day.metrics, r);
    const b = day.breakdown;
    const meta = keyMeta(r.api_key, r.team_id);
    for (const [map, id] of [
      [b.models, r.model],
      [b.model_groups, r.model_group],
      [b.providers, r.custom_llm_provider],
    ] as const) {
      const m = bucket(map, id, {}, true);
      addMetrics(m.metrics, r);
      addMetrics(bucket(m.api_key_breakdown!, r.api_key, meta, false).metrics, r);
    }
    addMetrics(bucket(b.api_keys, r.api_key, meta, false).metrics, r);
    const entity = bucket(b.entities, r.team_id, { team_alias: state.teams.get(r.team_id)?.team_alias ?? null }, true);
    addMetrics(entity.metrics, r);
    addMetrics(bucket(entity.api_key_breakdown!, r.api_key, meta, false).metrics, r);
  }
  const results = [...byDate.entries()].map(([date, d]) => ({ date, metrics: d.metrics, breakdown: d.breakdown }));
  return json({
    results,
    metadata: {
      total_spend: totals.spend,
      total_prompt_tokens: totals.prompt_tokens,
      total_completion_tokens: totals.completion_tokens,
      total_tokens: totals.total_tokens,
      total_cache_read_input_tokens: 0,
      total_cache_creation_input_tokens: 0,
      total_api_requests: totals.api_requests,
      total_successful_requests: totals.successful_requests,
      total_failed_requests: totals.failed_requests,
      page,
      total_pages: totalPages,
      has_more: page < totalPages,
    },
  });
}

export const spendRoutes: Route[] = [
  { method: "GET", path: "/spend/logs/v2", access: "admin", handler: spendLogsV2 },
  { method: "GET", path: "/spend/logs/ui", access: "admin", handler: spendLogsV2 },
  { method: "GET", path: "/spend/logs", access: "admin", handler: spendLogs },
  { method: "GET", path: "/team/daily/activity", access: "admin", handler: teamDailyActivity },
];

