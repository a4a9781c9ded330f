import { z } from "zod";
import {
  dailySeries,
  dailySpendByTeam,
  latencyPercentiles,
  recentAlerts,
  requestsInWindow,
  teamHeadlines,
  type DaySeriesRow,
  type LatencyPercentiles,
  type RequestRow,
  type TeamHeadline,
} from "../../../db/queries/dashboards.ts";
import type { TeamRow } from "../../../db/queries/teams.ts";
import { sumUsage, type UsageTotals } from "../../../db/queries/usage.ts";
import { toCsv, csvFileName, type CsvCell } from "~/lib/csv";
import { db } from "~/lib/db.server";
import { AppError } from "~/lib/errors";
import { money, moneyNumber, type Money } from "~/lib/money";
import { parseInput } from "~/lib/validation";
import { requireRole, type Actor } from "~/auth/actor";
import { getTeamBudget, getTeamBudgets, openPeriod, periodBounds, type TeamBudget } from "../budget.server.ts";
import { teamState, type TeamState } from "../team-list.server.ts";
import {
  accOf,
  audienceOf,
  byMoneyOf,
  bySpend,
  emptyAcc,
  figureCells,
  figureHeader,
  figures,
  groupBy,
  moneyCells,
  moneyHeader,
  priced,
  total,
  type Acc,
  type Audience,
  type MarginFields,
  type UsageFigures,
} from "./figures.ts";
import { decodeCursor, encodeCursor, keyOf } from "./cursor.ts";
import type { RequestKey } from "../../../db/queries/dashboards.ts";
import { ingestedUntil, requireOrganization, requireTeam, type Ingestion } from "./read.server.ts";
import { checkedWindow, DAY_MS, dayOf, lenientWindow, looseInstantField, startOfUtcDay, startOfUtcMonth, windowView, type DashboardWindow, type Window } from "./window.ts";

export { MAX_RANGE_DAYS, type DashboardWindow } from "./window.ts";
export type { UsageFigures, MarginFields } from "./figures.ts";

/**
 * The admin dashboards: the overview, a team's page, an organization's page, the Usage page, and
 * their CSV exports (docs/usage.md, "Dashboards"). Totals come from the rollups through `sumUsage`
 * (exact over any window); series by day from the daily rollup, with the partial days at either
 * end of a window made exact from the hourly rollup and raw rows; only latency percentiles and the
 * requests table read raw rows, through the (team_id, start_time) index. Money is summed as exact
 * decimals; CSV files carry the exact decimal text. Every signed-in admin may read (viewers too).
 */

// ── input ───────────────────────────────────────────────────────────────────────────────────────

export const REQUESTS_PAGE_SIZE = 25;
/** Latency percentiles are exact up to about this many requests in the window, and a sample spread over it beyond. */
export const LATENCY_SAMPLE = 2_000;
/** A CSV of requests holds at most this many (the newest in the window). */
export const CSV_MAX_REQUESTS = 100_000;

const windowFields = { from: looseInstantField, to: looseInstantField };
/** A requests cursor from an earlier page (a page shows the newest requests when it is missing or not one of ours). */
const cursorField = z.string().trim().max(400).optional().catch(undefined);
const pagingFields = { requests_before: cursorField, requests_after: cursorField };

export const teamDashboardInputSchema = z.object({
  team_id: z.string({ required_error: "Say which team (team_id)" }).trim().min(1, "Say which team (team_id)"),
  ...windowFields,
  ...pagingFields,
});
export const organizationDashboardInputSchema = z.object({
  organization_id: z.string({ required_error: "Say which organization (organization_id)" }).trim().min(1, "Say which organization (organization_id)"),
  ...windowFields,
  ...pagingFields,
});
export const usageDashboardInputSchema = z.object({ ...windowFields });

export const CSV_TABLES = ["days", "models", "requests", "teams"] as const;
export type CsvTable = (typeof CSV_TABLES)[number];
export const exportUsageInputSchema = z.object({
  scope: z.enum(["team", "organization", "all"]),
  id: z.string().trim().optional(),
  table: z.enum(CSV_TABLES, { errorMap: () => ({ message: "table must be days, models, requests or teams" }) }),
  ...windowFields,
});

// ── views ───────────────────────────────────────────────────────────────────────────────────────

export type ModelRowView = UsageFigures & { model: string };
function modelRows(rows: UsageTotals[], audience: Audience = "admin"): Array<{ name: string; acc: Acc }> {
  return [...groupBy(rows, (r) => r.modelGroup)].map(([name, acc]) => ({ name, acc })).sort(byMoneyOf(audience));
}

/**
 * Usage by UTC day over the window, every day present (zeros where nothing happened). Whole days
 * come from the daily rollup; a first or last day the window only partly covers is summed exactly
 * over the covered part (hourly rollup + raw minutes), so the days add up to the window's total.
 */
async function daysOf(teamIds: string[] | null, allTeamIds: () => Promise<string[]>, w: Window): Promise<Array<{ day: string; acc: Acc }>> {
  const rollup = await dailySeries(db(), { teamIds, fromDay: w.fromDay, toDay: w.toDay });
  const map = new Map<string, Acc>(rollup.map((r: DaySeriesRow) => [r.day, accOf(r)]));
  const firstDayStart = startOfUtcDay(w.from);
  const lastDayStart = startOfUtcDay(new Date(w.to.getTime() - 1));
  const partial: Array<{ day: string; from: Date; to: Date }> = [];
  if (w.from.getTime() !== firstDayStart.getTime() || w.to.getTime() < firstDayStart.getTime() + DAY_MS) {
    partial.push({ day: w.fromDay, from: w.from, to: new Date(Math.min(w.to.getTime(), firstDayStart.getTime() + DAY_MS)) });
  }
  if (lastDayStart.getTime() > firstDayStart.getTime() && w.to.getTime() !== lastDayStart.getTime() + DAY_MS) {
    partial.push({ day: w.toDay, from: lastDayStart, to: w.to });
  }
  if (partial.length) {
    const ids = teamIds ?? (await allTeamIds());
    const sums = await Promise.all(partial.map((p) => sumUsage(db(), { teamIds: ids, from: p.from, to: p.to })));
    partial.forEach((p, i) => map.set(p.day, total(sums[i]!)));
  }
  const out: Array<{ day: string; acc: Acc }> = [];
  for (let t = firstDayStart.getTime(); t <= lastDayStart.getTime(); t += DAY_MS) {
    const day = dayOf(new Date(t));
    out.push({ day, acc: map.get(day) ?? emptyAcc() });
  }
  return out;
}

export type DayRowView = UsageFigures & { day: string };
const dayView = (audience: Audience) => (d: { day: string; acc: Acc }): DayRowView => ({ day: d.day, ...figures(d.acc, audience) });
const modelViews = (rows: UsageTotals[], audience: Audience): ModelRowView[] => modelRows(rows, audience).map((m) => ({ model: m.name, ...figures(m.acc, audience) }));

export type RequestView = {
  request_id: string;
  team_id: string;
  time: string;
  model: string | null;
  model_group: string | null;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** Cost (admins) or what the customer is billed (customers). */
  cost: number;
  billed: number;
  status: string;
  latency_ms: number | null;
  end_user: string | null;
} & MarginFields;
const requestView = (audience: Audience) => (r: RequestRow): RequestView => ({
  request_id: r.requestId,
  team_id: r.teamId,
  time: r.startTime.toISOString(),
  model: r.model,
  model_group: r.modelGroup,
  prompt_tokens: r.promptTokens,
  completion_tokens: r.completionTokens,
  total_tokens: r.totalTokens,
  ...priced<"cost">(audience, money(r.spend), money(r.billed), "cost"),
  status: r.status,
  latency_ms: r.latencyMs,
  end_user: r.endUser,
});

/**
 * The budgets of `wanted`, read together, in the order of `rows` (null for a row not wanted, or a
 * team deleted meanwhile, which is left out instead of failing the page).
 */
async function budgetsOf(wanted: Array<{ id: string }>, rows: Array<{ id: string }>, now: Date): Promise<Array<TeamBudget | null>> {
  const budgets = await getTeamBudgets(
    wanted.map((t) => t.id),
    now,
  );
  return rows.map((t) => budgets.get(t.id) ?? null);
}

function latencyView(l: LatencyPercentiles, rows: UsageTotals[]) {
  const requests = rows.reduce((n, r) => n + Number(r.requests), 0);
  return {
    p50_ms: l.p50 === null ? null : Math.round(l.p50),
    p95_ms: l.p95 === null ? null : Math.round(l.p95),
    sampled: l.sampled,
    /** True when the percentiles come from a sample of the window's requests. */
    capped: l.sampled < requests,
  };
}

/**
 * One page of requests, newest first, by keyset cursor: `older` is the cursor of the page after
 * (pass it as requests_before), `newer` of the page before (requests_after); null at either end.
 */
export type RequestsPage<R> = { page_size: number; rows: R[]; older: string | null; newer: string | null };

async function requestsPage(ids: string[], w: Window, values: { requests_before?: string; requests_after?: string }): Promise<RequestsPage<RequestRow>> {
  const after = values.requests_after ? decodeCursor(values.requests_after) : null;
  const before = !after && values.requests_before ? decodeCursor(values.requests_before) : null;
  const n = REQUESTS_PAGE_SIZE;
  const got = await requestsInWindow(db(), { teamIds: ids, from: w.from, to: w.to, limit: n + 1, before: before ?? undefined, after: after ?? undefined });
  // `after` reads upwards: the extra row is the newest, first in the (newest-first) answer.
  const rows = got.length > n ? (after ? got.slice(1) : got.slice(0, n)) : got;
  const first = rows[0];
  const last = rows.at(-1);
  const older = after ? (last ? encodeCursor(keyOf(last)) : null) : got.length > n && last ? encodeCursor(keyOf(last)) : null;
  const newer = after ? (got.length > n && first ? encodeCursor(keyOf(first)) : null) : before && first ? encodeCursor(keyOf(first)) : null;
  return { page_size: n, rows, older, newer };
}

// ── team ────────────────────────────────────────────────────────────────────────────────────────

export type TeamDashboard = {
  team_id: string;
  budget: TeamBudget;
  window: DashboardWindow;
  today: string;
  totals: UsageFigures;
  days: DayRowView[];
  models: ModelRowView[];
  latency: { p50_ms: number | null; p95_ms: number | null; sampled: number; capped: boolean };
  requests: RequestsPage<RequestView>;
  ingestion: Ingestion;
};

/** Start of the team's current budget period, as getTeamBudget reports it. */
async function periodStart(team: TeamRow, now: Date): Promise<Date> {
  const period = await openPeriod(db(), team.id);
  return period?.startsAt ?? periodBounds(team.budgetStartsAt, team.budgetDuration, now).start;
}

/**
 * A team's page: its budget now, and over the window (default: its current budget period) spend,
 * requests, error rate and latency, by day and by model, and one page of its requests.
 */
export async function getTeamDashboard(actor: Actor, input: z.input<typeof teamDashboardInputSchema>, now = new Date()): Promise<TeamDashboard> {
  const values = parseInput(teamDashboardInputSchema, input);
  const team = await requireTeam(actor, values.team_id);
  // The budget is read alongside the usage: the default window only needs its period's start
  // (the open period's, else where the next one would start: what getTeamBudget reports).
  const budgetNow = getTeamBudget(team.id, now);
  budgetNow.catch(() => {}); // awaited below; an early failure elsewhere must not leave it unhandled
  const w = lenientWindow(values, await periodStart(team, now), now);
  const ids = [team.id];
  const audience = audienceOf(actor);
  const [budget, rows, days, latency, requests, ingestion] = await Promise.all([
    budgetNow,
    sumUsage(db(), { teamIds: ids, from: w.from, to: w.to }),
    daysOf(ids, async () => ids, w),
    latencyPercentiles(db(), { teamIds: ids, from: w.from, to: w.to, sample: LATENCY_SAMPLE }),
    requestsPage(ids, w, values),
    ingestedUntil(),
  ]);
  return {
    team_id: team.id,
    budget,
    window: windowView(w),
    today: dayOf(now),
    totals: figures(total(rows), audience),
    days: days.map(dayView(audience)),
    models: modelViews(rows, audience),
    latency: latencyView(latency, rows),
    requests: { ...requests, rows: requests.rows.map(requestView(audience)) },
    ingestion,
  };
}

// ── organization ────────────────────────────────────────────────────────────────────────────────

export type TeamRowView = UsageFigures & {
  team_id: string;
  name: string;
  organization_id: string;
  organization_name: string;
  status: TeamHeadline["status"];
  /** From the budget module (now); null for deleted teams and on the Usage page. */
  remaining_budget: number | null;
  /** Share of this period's budget used, percent; null without a budget. */
  budget_used_percent: number | null;
  /** The team's state, as the Teams list and every page show it (teamState in team-list.server.ts); null where the page reads no budgets (the Usage page). */
  state: TeamState | null;
};

export type OrganizationDashboard = {
  organization_id: string;
  name: string;
  window: DashboardWindow;
  today: string;
  totals: UsageFigures;
  remaining_budget: number | null;
  days: DayRowView[];
  models: ModelRowView[];
  latency: { p50_ms: number | null; p95_ms: number | null; sampled: number; capped: boolean };
  teams: TeamRowView[];
  /** The organization's requests in the range, newest first (team_name says whose). */
  requests: RequestsPage<RequestView & { team_name: string }>;
  ingestion: Ingestion;
};

/** `budgets` in the order of `headlines`, or null where the page reads no budgets (then every row's state is null). */
function teamRows(headlines: TeamHeadline[], rows: UsageTotals[], budgets: Array<TeamBudget | null> | null): TeamRowView[] {
  const byTeam = groupBy(rows, (r) => r.teamId);
  return headlines
    .map((t, i) => {
      const acc = byTeam.get(t.id) ?? emptyAcc();
      const budget = budgets?.[i] ?? null;
      return {
        name: t.name,
        acc,
        view: {
          team_id: t.id,
          name: t.name,
          organization_id: t.organizationId,
          organization_name: t.organizationName,
          status: t.status,
          ...figures(acc, "admin"),
          remaining_budget: budget?.remaining_budget ?? null,
          budget_used_percent: budget?.percent_used ?? null,
          state: budgets ? teamState(t, budget, { state: t.syncState }) : null,
        },
      };
    })
    .filter((t) => t.view.status !== "deleted" || t.acc.requests > 0)
    .sort(bySpend)
    .map((t) => t.view);
}

/** An organization's page: the team page's figures summed over its teams, and a row per team (spend, remaining, status). */
export async function getOrganizationDashboard(actor: Actor, input: z.input<typeof organizationDashboardInputSchema>, now = new Date()): Promise<OrganizationDashboard> {
  const values = parseInput(organizationDashboardInputSchema, input);
  const org = await requireOrganization(actor, values.organization_id);
  const w = lenientWindow(values, startOfUtcMonth(now), now);
  const headlines = await teamHeadlines(db(), { organizationId: org.id });
  const ids = headlines.map((t) => t.id);
  const [rows, days, latency, budgets, requests, ingestion] = await Promise.all([
    sumUsage(db(), { teamIds: ids, from: w.from, to: w.to }),
    daysOf(ids, async () => ids, w),
    latencyPercentiles(db(), { teamIds: ids, from: w.from, to: w.to, sample: LATENCY_SAMPLE }),
    budgetsOf(headlines.filter((t) => t.status !== "deleted"), headlines, now),
    requestsPage(ids, w, values),
    ingestedUntil(),
  ]);
  const names = new Map(headlines.map((t) => [t.id, t.name]));
  const known = budgets.filter((b): b is TeamBudget => b !== null);
  return {
    organization_id: org.id,
    name: org.name,
    window: windowView(w),
    today: dayOf(now),
    totals: figures(total(rows), "admin"),
    remaining_budget: known.length ? moneyNumber(known.reduce((sum, b) => sum + money(b.remaining_budget), 0n)) : null,
    days: days.map(dayView("admin")),
    models: modelViews(rows, "admin"),
    latency: latencyView(latency, rows),
    teams: teamRows(headlines, rows, budgets),
    requests: { ...requests, rows: requests.rows.map((r) => ({ ...requestView("admin")(r), team_name: names.get(r.teamId) ?? r.teamId })) },
    ingestion,
  };
}

// ── everything ──────────────────────────────────────────────────────────────────────────────────

export type UsageDashboard = {
  window: DashboardWindow;
  today: string;
  totals: UsageFigures;
  days: DayRowView[];
  models: ModelRowView[];
  teams: TeamRowView[];
  ingestion: Ingestion;
};

/** The Usage page: every team's usage over the window (default: this UTC month), by day, model and team. */
export async function getUsageDashboard(actor: Actor, input: z.input<typeof usageDashboardInputSchema>, now = new Date()): Promise<UsageDashboard> {
  requireRole(actor, "viewer", "see usage");
  const values = parseInput(usageDashboardInputSchema, input);
  const w = lenientWindow(values, startOfUtcMonth(now), now);
  const headlines = await teamHeadlines(db());
  const ids = headlines.map((t) => t.id);
  const [rows, days, ingestion] = await Promise.all([
    sumUsage(db(), { teamIds: ids, from: w.from, to: w.to }),
    daysOf(null, async () => ids, w),
    ingestedUntil(),
  ]);
  return {
    window: windowView(w),
    today: dayOf(now),
    totals: figures(total(rows), "admin"),
    days: days.map(dayView("admin")),
    models: modelViews(rows, "admin"),
    // The Usage page is about usage: it reads no budgets (the Teams list shows every team's state).
    teams: teamRows(headlines, rows, null),
    ingestion,
  };
}

export type BudgetWatchRow = {
  team_id: string;
  name: string;
  organization_name: string;
  percent_used: number;
  spent: number;
  remaining_budget: number;
  /** The team's state as every page shows it: near budget, over budget (a soft team past it) or refused. */
  state: TeamState;
  mode: "hard" | "soft";
  resets_at: string | null;
};

/** `spend` is the cost; `billed` and the margin beside it (the overview is for admins). */
type Priced = { spend: number; billed: number } & MarginFields;

export type Overview = {
  today: { from: string; requests: number } & Priced;
  period: { from: string; requests: number; error_rate: number } & Priced;
  top_teams: Array<{ team_id: string; name: string; organization_name: string; requests: number } & Priced>;
  top_models: Array<{ model: string; requests: number } & Priced>;
  budget_watch: BudgetWatchRow[];
  failing_sync: Array<{ team_id: string; name: string; organization_name: string; error: string | null; attempts: number; next_retry_at: string | null }>;
  recent_alerts: Array<{ id: string; team_id: string; team_name: string; threshold_percent: number; state: "firing" | "resolved"; fired_at: string; resolved_at: string | null; spent: number; limit: number }>;
  /** Spend per UTC day over the last 30 days (today included) by organization: the biggest ORG_SERIES, the rest as "Other organizations". */
  spend_by_organization: SpendByOrganization;
  teams: number;
  ingestion: Ingestion;
};

export type SpendByOrganization = {
  days: string[];
  /** `total` and `spend` are cost; `billed_total` what the organization was billed over the days, with its margin. */
  organizations: Array<{ organization_id: string | null; name: string; total: number; spend: number[]; billed_total: number } & MarginFields>;
};

/** How many organizations the overview's chart draws on their own. */
export const ORG_SERIES = 6;
export const OVERVIEW_DAYS = 30;

/** Spend by organization and day over the last OVERVIEW_DAYS UTC days, summed exactly, biggest first. */
async function spendByOrganization(headlines: TeamHeadline[], now: Date): Promise<SpendByOrganization> {
  const today = startOfUtcDay(now);
  const days = Array.from({ length: OVERVIEW_DAYS }, (_, i) => dayOf(new Date(today.getTime() - (OVERVIEW_DAYS - 1 - i) * DAY_MS)));
  const rows = await dailySpendByTeam(db(), { fromDay: days[0]!, toDay: days.at(-1)! });
  const orgOf = new Map(headlines.map((t) => [t.id, t]));
  const dayIndex = new Map(days.map((d, i) => [d, i]));
  const byOrg = new Map<string, { name: string; spend: Money[]; billed: Money }>();
  for (const r of rows) {
    const team = orgOf.get(r.teamId);
    const i = dayIndex.get(r.day);
    if (!team || i === undefined) continue;
    const org = byOrg.get(team.organizationId) ?? { name: team.organizationName, spend: days.map(() => 0n), billed: 0n };
    org.spend[i]! += money(r.spend);
    org.billed += money(r.billed);
    byOrg.set(team.organizationId, org);
  }
  const sum = (xs: Money[]) => xs.reduce((a, b) => a + b, 0n);
  const ranked = [...byOrg]
    .map(([id, o]) => ({ id, ...o, total: sum(o.spend) }))
    .filter((o) => o.total !== 0n)
    .sort((a, b) => (a.total === b.total ? a.name.localeCompare(b.name) : a.total > b.total ? -1 : 1));
  const shown = ranked.slice(0, ORG_SERIES);
  const rest = ranked.slice(ORG_SERIES);
  const series: SpendByOrganization["organizations"] = shown.map((o) => ({
    organization_id: o.id,
    name: o.name,
    spend: o.spend.map(moneyNumber),
    ...priced("admin", o.total, o.billed, "total", "billed_total"),
  }));
  if (rest.length) {
    const spend = days.map((_, i) => rest.reduce((a, o) => a + o.spend[i]!, 0n));
    const billed = rest.reduce((a, o) => a + o.billed, 0n);
    series.push({ organization_id: null, name: `Other organizations (${rest.length})`, spend: spend.map(moneyNumber), ...priced("admin", sum(spend), billed, "total", "billed_total") });
  }
  return { days, organizations: series };
}

/**
 * The overview: spend today and this UTC month over every team, the top teams and models this
 * month, teams at or past 80 % of their budget, teams LiteLLM is not in step with, the latest alerts.
 */
export async function getOverview(actor: Actor, now = new Date()): Promise<Overview> {
  requireRole(actor, "viewer", "see usage");
  const headlines = await teamHeadlines(db());
  const ids = headlines.map((t) => t.id);
  const monthStart = startOfUtcMonth(now);
  const dayStart = startOfUtcDay(now);
  const to = now > dayStart ? now : new Date(dayStart.getTime() + 1);
  const budgeted = headlines.filter((t) => t.status === "active" && t.maxBudget !== null);
  const [month, today, budgets, alerts, ingestion, spendByOrg] = await Promise.all([
    sumUsage(db(), { teamIds: ids, from: monthStart, to }),
    sumUsage(db(), { teamIds: ids, from: dayStart, to }),
    budgetsOf(budgeted, budgeted, now),
    recentAlerts(db(), 8),
    ingestedUntil(),
    spendByOrganization(headlines, now),
  ]);
  const monthTotal = total(month);
  const todayTotal = total(today);
  const names = new Map(headlines.map((t) => [t.id, t]));
  const watch: BudgetWatchRow[] = [];
  budgeted.forEach((t, i) => {
    const b = budgets[i];
    if (!b) return;
    if (b.state === "ok" || b.percent_used === null) return;
    const percent = b.percent_used;
    watch.push({
      team_id: t.id,
      name: t.name,
      organization_name: t.organizationName,
      percent_used: percent,
      spent: b.spent_this_period,
      remaining_budget: b.remaining_budget,
      // The budget side of the state only: this card is about budgets (failing syncs have their own).
      state: teamState(t, b, { state: "in_sync" }),
      mode: b.mode,
      resets_at: b.period.resets_at,
    });
  });
  watch.sort((a, b) => b.percent_used - a.percent_used || a.name.localeCompare(b.name));
  return {
    today: { from: dayStart.toISOString(), ...priced("admin", todayTotal.spend, todayTotal.billed, "spend"), requests: todayTotal.requests },
    period: { from: monthStart.toISOString(), ...priced("admin", monthTotal.spend, monthTotal.billed, "spend"), requests: monthTotal.requests, error_rate: figures(monthTotal, "admin").error_rate },
    top_teams: [...groupBy(month, (r) => r.teamId)]
      .map(([id, acc]) => ({ name: names.get(id)?.name ?? id, acc, id }))
      .sort(bySpend)
      .slice(0, 5)
      .map((t) => ({
        team_id: t.id,
        name: t.name,
        organization_name: names.get(t.id)?.organizationName ?? "",
        ...priced("admin", t.acc.spend, t.acc.billed, "spend"),
        requests: t.acc.requests,
      })),
    top_models: modelRows(month)
      .slice(0, 5)
      .map((m) => ({ model: m.name, ...priced("admin", m.acc.spend, m.acc.billed, "spend"), requests: m.acc.requests })),
    budget_watch: watch,
    failing_sync: headlines
      .filter((t) => t.status !== "deleted" && t.syncState === "failing")
      .map((t) => ({ team_id: t.id, name: t.name, organization_name: t.organizationName, error: t.syncError, attempts: t.syncAttempts, next_retry_at: t.nextSyncAt?.toISOString() ?? null })),
    recent_alerts: alerts.map((a) => ({
      id: a.id,
      team_id: a.teamId,
      team_name: a.teamName,
      threshold_percent: a.thresholdPercent,
      state: a.state,
      fired_at: a.firedAt.toISOString(),
      resolved_at: a.resolvedAt?.toISOString() ?? null,
      spent: moneyNumber(money(a.spent)),
      limit: moneyNumber(money(a.limit)),
    })),
    spend_by_organization: spendByOrg,
    teams: headlines.filter((t) => t.status !== "deleted").length,
    ingestion,
  };
}

// ── CSV ─────────────────────────────────────────────────────────────────────────────────────────

/** A CSV file: the whole text, or (requests) a stream of its lines read page by page; `rows` when known up front. */
export type CsvExport = { fileName: string; body: string | ReadableStream<Uint8Array>; rows: number | null };

/** The requests CSV's columns: the money ones (moneyHeader) after the tokens. */
const requestCsvHeader = (audience: Audience) => [
  "time",
  "request_id",
  "team_id",
  "team",
  "model_group",
  "model",
  "prompt_tokens",
  "completion_tokens",
  "total_tokens",
  ...moneyHeader(audience),
  "status",
  "latency_ms",
  "end_user",
];
const CSV_BATCH = 5_000;

/**
 * The requests of the window as CSV lines, newest first, read CSV_BATCH at a time along the
 * (start_time, request_id) keyset while the client reads; at most CSV_MAX_REQUESTS rows.
 */
function requestsCsvStream(ids: string[], names: Map<string, string>, w: Window, audience: Audience): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let before: RequestKey | undefined;
  let sent = 0;
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode(toCsv(requestCsvHeader(audience), [])));
        return;
      }
      const limit = Math.min(CSV_BATCH, CSV_MAX_REQUESTS - sent);
      const rows = limit > 0 ? await requestsInWindow(db(), { teamIds: ids, from: w.from, to: w.to, limit, before }) : [];
      if (rows.length) {
        const cells: CsvCell[][] = rows.map((r) => [
          r.startTime.toISOString(),
          r.requestId,
          r.teamId,
          names.get(r.teamId ?? "") ?? "",
          r.modelGroup,
          r.model,
          r.promptTokens,
          r.completionTokens,
          r.totalTokens,
          ...moneyCells(audience, money(r.spend), money(r.billed)),
          r.status,
          r.latencyMs,
          r.endUser,
        ]);
        // toCsv writes a header line first: drop it, the stream sent it once.
        controller.enqueue(encoder.encode(toCsv([], cells).slice(2)));
        sent += rows.length;
        before = keyOf(rows.at(-1)!);
      }
      if (rows.length < limit || limit === 0 || sent >= CSV_MAX_REQUESTS) controller.close();
    },
  });
}

/**
 * A usage table as CSV: `days`, `models`, `requests` (team and organization) or `teams`
 * (organization and everything), over the same window as the page. Money is the exact decimal.
 */
export async function exportUsageCsv(actor: Actor, input: z.input<typeof exportUsageInputSchema>, now = new Date()): Promise<CsvExport> {
  const values = parseInput(exportUsageInputSchema, input);
  let label: string;
  let headlines: TeamHeadline[];
  let fallbackFrom: Date;
  if (values.scope === "team") {
    const team = await requireTeam(actor, values.id ?? "", "export usage");
    const budget = values.from ? null : await getTeamBudget(team.id, now);
    fallbackFrom = budget ? new Date(budget.period.start) : startOfUtcMonth(now);
    headlines = (await teamHeadlines(db(), { organizationId: team.organizationId })).filter((t) => t.id === team.id);
    label = team.id;
  } else if (values.scope === "organization") {
    const org = await requireOrganization(actor, values.id ?? "", "export usage");
    fallbackFrom = startOfUtcMonth(now);
    headlines = await teamHeadlines(db(), { organizationId: org.id });
    label = org.id;
  } else {
    requireRole(actor, "viewer", "export usage");
    fallbackFrom = startOfUtcMonth(now);
    headlines = await teamHeadlines(db());
    label = "all-teams";
  }
  if (values.table === "teams" && values.scope === "team") throw new AppError("BAD_REQUEST", "A team's export has the tables days, models and requests.", { fieldErrors: { table: ["Not for a team"] } });
  if (values.table === "requests" && values.scope === "all") throw new AppError("BAD_REQUEST", "Requests are exported per team or organization.", { fieldErrors: { table: ["Not for all teams"] } });
  const w = checkedWindow(values, fallbackFrom, now);
  const ids = headlines.map((t) => t.id);
  const audience = audienceOf(actor);
  const fileName = csvFileName(label, values.table, w.fromDay, w.toDay);
  switch (values.table) {
    case "days": {
      const days = await daysOf(values.scope === "all" ? null : ids, async () => ids, w);
      return { fileName, rows: days.length, body: toCsv(["day", ...figureHeader(audience)], days.map((d) => [d.day, ...figureCells(d.acc, audience)])) };
    }
    case "models": {
      const models = modelRows(await sumUsage(db(), { teamIds: ids, from: w.from, to: w.to }), audience);
      return { fileName, rows: models.length, body: toCsv(["model_group", ...figureHeader(audience)], models.map((m) => [m.name, ...figureCells(m.acc, audience)])) };
    }
    case "teams": {
      const rows = await sumUsage(db(), { teamIds: ids, from: w.from, to: w.to });
      const byTeam = groupBy(rows, (r) => r.teamId);
      const list = headlines
        .map((t) => ({ t, name: t.name, acc: byTeam.get(t.id) ?? emptyAcc() }))
        .filter((x) => x.t.status !== "deleted" || x.acc.requests > 0)
        .sort(bySpend);
      return {
        fileName,
        rows: list.length,
        body: toCsv(
          ["team_id", "team", "organization", "status", ...figureHeader(audience)],
          list.map((x) => [x.t.id, x.t.name, x.t.organizationName, x.t.status, ...figureCells(x.acc, audience)]),
        ),
      };
    }
    case "requests": {
      const names = new Map(headlines.map((t) => [t.id, t.name]));
      return { fileName, rows: null, body: requestsCsvStream(ids, names, w, audience) };
    }
  }
}
