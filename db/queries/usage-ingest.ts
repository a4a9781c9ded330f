import { and, gte, lt, lte, sql } from "drizzle-orm";
import { usageRequests } from "../schema/index.ts";
import type { UsageRowInput } from "./usage.ts";
import type { Db } from "./types.ts";

/**
 * The one write of usage ingestion: a page of spend-log rows into usage_requests and, in the same
 * statement, the hourly and daily rollups (docs/usage.md). Kept apart from the reads in usage.ts
 * because it runs a million rows a run: how the page travels to PostgreSQL is tuned (bench/ingest.ts).
 */

const SPEND = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;
const NEEDS_ESCAPE = /["\\]/;
const ESCAPE = /[\\"]/g;

/** One element of a PostgreSQL array literal: quoted, backslashes and quotes escaped; null as NULL. */
function element(value: string | null): string {
  if (value === null) return "NULL";
  return NEEDS_ESCAPE.test(value) ? `"${value.replace(ESCAPE, "\\$&")}"` : `"${value}"`;
}

const int = (value: number | null): string => (value === null ? "NULL" : String(value));

/**
 * The page as one array literal per column, built in one pass (PostgreSQL unnests them: its
 * cheapest way in for a batch in one statement), and `metadata` as one JSON array, which V8 writes
 * far faster than quoting each document into an array literal, and PostgreSQL reads with one jsonb
 * parse instead of an array parse and then a jsonb parse per element.
 */
function columns(rows: UsageRowInput[]) {
  let requestId = "{";
  let teamId = "{";
  let keyHash = "{";
  let modelGroup = "{";
  let model = "{";
  let promptTokens = "{";
  let completionTokens = "{";
  let totalTokens = "{";
  let spend = "{";
  let startTime = "{";
  let endTime = "{";
  let latencyMs = "{";
  let status = "{";
  let endUser = "{";
  let sessionId = "{";
  const metadata: unknown[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    const sep = i ? "," : "";
    requestId += sep + element(r.request_id);
    teamId += sep + element(r.team_id);
    keyHash += sep + element(r.key_hash);
    modelGroup += sep + element(r.model_group);
    model += sep + element(r.model);
    promptTokens += sep + int(r.prompt_tokens);
    completionTokens += sep + int(r.completion_tokens);
    totalTokens += sep + int(r.total_tokens);
    // LiteLLM's digits as numeric input: exact to the column's 10 decimals.
    spend += sep + (SPEND.test(r.spend) ? r.spend : "0");
    startTime += sep + element(r.start_time);
    endTime += sep + element(r.end_time);
    latencyMs += sep + int(r.latency_ms);
    status += sep + element(r.status);
    endUser += sep + element(r.end_user);
    sessionId += sep + element(r.session_id ?? null);
    metadata[i] = r.metadata === undefined ? null : r.metadata;
  }
  const end = (s: string) => `${s}}`;
  return {
    requestId: end(requestId),
    teamId: end(teamId),
    keyHash: end(keyHash),
    modelGroup: end(modelGroup),
    model: end(model),
    promptTokens: end(promptTokens),
    completionTokens: end(completionTokens),
    totalTokens: end(totalTokens),
    spend: end(spend),
    startTime: end(startTime),
    endTime: end(endTime),
    latencyMs: end(latencyMs),
    status: end(status),
    endUser: end(endUser),
    sessionId: end(sessionId),
    // JSON null (no metadata) becomes SQL NULL below.
    metadata: JSON.stringify(metadata),
  };
}

/**
 * Inserts a page of spend-log rows, skipping request ids already stored, and adds exactly the rows
 * it inserted to the hourly and daily rollups: one statement, so one transaction. Re-reading any
 * window therefore never counts a request twice. Returns how many rows were new.
 */
export async function insertUsageRows(db: Db, rows: UsageRowInput[]): Promise<number> {
  if (!rows.length) return 0;
  const c = columns(rows);
  const result = await db.execute(sql`
    with src as (
      select * from unnest(
        ${c.requestId}::text[], ${c.teamId}::text[], ${c.keyHash}::text[], ${c.modelGroup}::text[], ${c.model}::text[],
        ${c.promptTokens}::integer[], ${c.completionTokens}::integer[], ${c.totalTokens}::integer[], ${c.spend}::numeric[],
        ${c.startTime}::timestamptz[], ${c.endTime}::timestamptz[], ${c.latencyMs}::integer[], ${c.status}::text[], ${c.endUser}::text[], ${c.sessionId}::text[],
        array(select nullif(m, 'null'::jsonb) from jsonb_array_elements(${c.metadata}::jsonb) with ordinality as j(m, n) order by n)
      ) as r(request_id, team_id, key_hash, model_group, model, prompt_tokens, completion_tokens, total_tokens, spend,
             start_time, end_time, latency_ms, status, end_user, session_id, metadata)
    ),
    attributed as (
      -- The page's (team, session id) pairs that are a job of that team, or become an implicit one
      -- (the team has them on): looked up once per pair, not per row (a job's calls share a page).
      -- The job lookup is a scalar subquery with limit 1 so that each is a primary-key probe; an
      -- EXISTS was planned as a hashed scan of the whole jobs table per page (bench/README.md, Jobs).
      select p.team_id, p.session_id
      from (select distinct team_id, session_id from src where session_id is not null and team_id is not null) p
      join teams t on t.id = p.team_id
      where t.implicit_jobs
         or coalesce((select true from jobs j where j.team_id = p.team_id and j.id = p.session_id limit 1), false)
    ),
    page_teams as (select distinct team_id from src where team_id is not null),
    team_org as (select p.team_id, t.organization_id from page_teams p join teams t on t.id = p.team_id),
    org_spans as (
      -- Each organization list of the page's teams as spans [effective_at, next version's): the version
      -- in force over each (docs/billing.md). Spans are per list, not per team, and rows find theirs
      -- by a hash on the organization and a range check, so pricing costs a few hash probes a row
      -- (spans per team and change point grew with the page's teams; bench/README.md, Billing).
      -- "mult" is the markup as a factor (1 + percent / 100; a per-model list's fallback), once per version.
      select v.organization_id, v.id, v.effective_at as from_at,
             lead(v.effective_at, 1, 'infinity') over (partition by v.organization_id order by v.effective_at, v.version) as to_at,
             1 + coalesce(v.markup_percent, v.fallback_markup_percent) / 100 as mult
      from price_list_versions v
      where v.team_id is null and v.organization_id in (select organization_id from team_org)
    ),
    own_spans as (
      -- The page's teams' own lists, as spans the same way (kind 'inherit': the organization's list applies).
      select v.team_id, v.id, v.kind, v.effective_at as from_at,
             lead(v.effective_at, 1, 'infinity') over (partition by v.team_id order by v.effective_at, v.version) as to_at,
             1 + coalesce(v.markup_percent, v.fallback_markup_percent) / 100 as mult
      from price_list_versions v
      where v.team_id in (select team_id from page_teams)
    ),
    model_prices as (
      -- The per-model prices of the versions in play, per token (exact: the 1M division done once per price).
      select mp.version_id, mp.model, mp.input_per_million / 1000000 as input_per_token, mp.output_per_million / 1000000 as output_per_token
      from price_list_model_prices mp
      where mp.version_id in (select id from org_spans union all select id from own_spans)
    ),
    priced_src as (
      -- Each row with the version that prices it: its team's own list in force at its start (unless
      -- 'inherit'), else its organization's; none: billed at cost.
      select s.*,
             case when o.id is not null and o.kind <> 'inherit' then o.id else g.id end as version_id,
             case when o.id is not null and o.kind <> 'inherit' then o.mult else g.mult end as mult
      from src s
      left join team_org tg on tg.team_id = s.team_id
      left join own_spans o on o.team_id = s.team_id and s.start_time >= o.from_at and s.start_time < o.to_at
      left join org_spans g on g.organization_id = tg.organization_id and s.start_time >= g.from_at and s.start_time < g.to_at
    ),
    ins as (
      insert into usage_requests (request_id, team_id, key_hash, model_group, model, prompt_tokens, completion_tokens, total_tokens,
                                  spend, billed, price_version_id, start_time, end_time, latency_ms, status, end_user, metadata, job_id)
      select s.request_id, s.team_id, s.key_hash, s.model_group, s.model, s.prompt_tokens, s.completion_tokens, s.total_tokens,
             s.spend,
             -- What the customer is billed (docs/billing.md), exact to the column's 10 decimals.
             case
               when s.version_id is null or s.status = 'failure' then s.spend
               -- A listed model (only per-model versions list any): its prices per token.
               when mp.model is not null then round(s.prompt_tokens * mp.input_per_token + s.completion_tokens * mp.output_per_token, 10)
               -- A markup list, or a per-model list's fallback markup.
               when s.mult is not null then round(s.spend * s.mult, 10)
               else s.spend
             end,
             s.version_id,
             s.start_time, s.end_time, s.latency_ms, s.status, s.end_user, s.metadata,
             -- The job of this team whose id the row carries, or a new implicit one (docs/jobs.md).
             a.session_id
      from priced_src s
      left join attributed a on a.team_id = s.team_id and a.session_id = s.session_id
      left join model_prices mp on mp.version_id = s.version_id and mp.model = coalesce(s.model_group, s.model)
      on conflict (request_id) do nothing
      returning team_id, model_group, start_time, end_time, status, prompt_tokens, completion_tokens, spend, billed, latency_ms, job_id
    ),
    job_totals as (
      -- Exactly the rows inserted, added to their jobs' totals; a job id new to the team is an implicit job.
      insert into jobs as j (team_id, id, job_type, status, origin, created_at, updated_at,
                             calls, failed_calls, prompt_tokens, completion_tokens, spend, billed, latency_ms_sum, first_call_at, last_call_at)
      select team_id, job_id, 'implicit', 'running', 'implicit', min(start_time), now(),
             count(*), count(*) filter (where status = 'failure'), sum(prompt_tokens), sum(completion_tokens), sum(spend), sum(billed), coalesce(sum(latency_ms), 0),
             min(start_time), max(coalesce(end_time, start_time))
      from ins
      where job_id is not null
      group by team_id, job_id
      order by team_id, job_id
      on conflict (team_id, id) do update set
        calls = j.calls + excluded.calls,
        failed_calls = j.failed_calls + excluded.failed_calls,
        prompt_tokens = j.prompt_tokens + excluded.prompt_tokens,
        completion_tokens = j.completion_tokens + excluded.completion_tokens,
        spend = j.spend + excluded.spend,
        billed = j.billed + excluded.billed,
        latency_ms_sum = j.latency_ms_sum + excluded.latency_ms_sum,
        first_call_at = least(j.first_call_at, excluded.first_call_at),
        last_call_at = greatest(j.last_call_at, excluded.last_call_at),
        status = case when j.status = 'pending' then 'running' else j.status end
      returning 1
    ),
    hourly as (
      insert into usage_hourly as h (team_id, model_group, hour, requests, failed_requests, prompt_tokens, completion_tokens, spend, billed, latency_ms_sum)
      select team_id, coalesce(model_group, ''), date_trunc('hour', start_time, 'UTC'),
             count(*), count(*) filter (where status = 'failure'), sum(prompt_tokens), sum(completion_tokens), sum(spend), sum(billed), coalesce(sum(latency_ms), 0)
      from ins
      where team_id is not null
      group by 1, 2, 3
      order by 1, 3, 2
      on conflict (team_id, hour, model_group) do update set
        requests = h.requests + excluded.requests,
        failed_requests = h.failed_requests + excluded.failed_requests,
        prompt_tokens = h.prompt_tokens + excluded.prompt_tokens,
        completion_tokens = h.completion_tokens + excluded.completion_tokens,
        spend = h.spend + excluded.spend,
        billed = h.billed + excluded.billed,
        latency_ms_sum = h.latency_ms_sum + excluded.latency_ms_sum
      returning 1
    ),
    daily as (
      insert into usage_daily as d (team_id, model_group, day, requests, failed_requests, prompt_tokens, completion_tokens, spend, billed, latency_ms_sum)
      select team_id, coalesce(model_group, ''), to_char(start_time at time zone 'UTC', 'YYYY-MM-DD'),
             count(*), count(*) filter (where status = 'failure'), sum(prompt_tokens), sum(completion_tokens), sum(spend), sum(billed), coalesce(sum(latency_ms), 0)
      from ins
      where team_id is not null
      group by 1, 2, 3
      order by 1, 3, 2
      on conflict (team_id, day, model_group) do update set
        requests = d.requests + excluded.requests,
        failed_requests = d.failed_requests + excluded.failed_requests,
        prompt_tokens = d.prompt_tokens + excluded.prompt_tokens,
        completion_tokens = d.completion_tokens + excluded.completion_tokens,
        spend = d.spend + excluded.spend,
        billed = d.billed + excluded.billed,
        latency_ms_sum = d.latency_ms_sum + excluded.latency_ms_sum
      returning 1
    )
    select (select count(*) from ins)::int as inserted
  `);
  return Array.from(result as unknown as Iterable<{ inserted: number }>)[0]?.inserted ?? 0;
}

// ── the counts ingestion checks against LiteLLM's ──────────────────────────────────────────────

/**
 * Stored requests with start_time in [from, to], both ends included: what /spend/logs/v2 counts
 * for the same window (it compares startTime with `gte`/`lte`), so the two can be compared.
 */
export async function countUsageRows(db: Db, from: Date, to: Date): Promise<number> {
  const rows = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(usageRequests)
    .where(and(gte(usageRequests.startTime, from), lte(usageRequests.startTime, to)));
  return rows[0]?.n ?? 0;
}

/** Stored requests per whole second (epoch ms of the second) with start_time in [from, to), in order. */
export async function usageRowsPerSecond(db: Db, from: Date, to: Date): Promise<Array<{ second: number; n: number }>> {
  const second = sql<string>`floor(extract(epoch from ${usageRequests.startTime}))::bigint`;
  const rows = await db
    .select({ second, n: sql<number>`count(*)::int` })
    .from(usageRequests)
    .where(and(gte(usageRequests.startTime, from), lt(usageRequests.startTime, to)))
    .groupBy(second)
    .orderBy(second);
  return rows.map((r) => ({ second: Number(r.second) * 1000, n: r.n }));
}
