import type { z } from "zod";
import { findOrganizationById, listOrganizations as listOrganizationRows, type OrganizationRow } from "../../db/queries/organizations.ts";
import {
  closedStatements,
  creditBalancesBefore,
  findStatementById,
  insertStatement,
  latestClosedStatement,
  ledgerEntriesIn,
  type StatementRow,
  type StatementScope,
} from "../../db/queries/statements.ts";
import { findTeamById, listTeams, type TeamRow } from "../../db/queries/teams.ts";
import { sumUsage, type UsageTotals } from "../../db/queries/usage.ts";
import type { Db } from "../../db/queries/types.ts";
import { db, transaction } from "~/lib/db.server";
import { AppError } from "~/lib/errors";
import { logger } from "~/lib/logger.server";
import { money, moneyString, type Money } from "~/lib/money";
import { parseInput } from "~/lib/validation";
import { isCustomer, requireRole, type Actor } from "~/auth/actor";
import { periodBounds } from "./budget.server.ts";
import {
  getStatementSchema,
  listStatementsSchema,
  statementDocumentSchema,
  statementInternalSchema,
  type StatementDocument,
  type StatementInternal,
  type StatementSummary,
  type StatementWithInternal,
} from "./statements.schema.ts";
import { LATE_WRITE_MARGIN_MS } from "./usage-ingestion.server.ts";
import { marginPercent } from "./usage/figures.ts";
import { ingestedUntil } from "./usage/read.server.ts";
import { enqueueWebhookEvent } from "./webhooks.server.ts";

/**
 * Statements (docs/statements.md): what an organization, or one team of it, was billed for one
 * period. An open period's statement is built on each read; once ingestion has read a period's end
 * plus the late-write margin, the `close-statements` job freezes it into an immutable `statements`
 * row and announces `statement.ready`. Usage LiteLLM writes after a close goes into the next
 * statement as late_usage lines (looking back at most LOOK_BACK closed periods); a closed statement
 * never changes. Admins read every statement (with cost and margin); a customer reads its own
 * team's only, and another team's answers as an unknown statement.
 */

export * from "./statements.schema.ts";

/** How many closed periods a statement looks back at for late rows. */
export const LOOK_BACK_PERIODS = 2;
/** Periods one close run closes per scope at most (a scope far behind catches up over a few runs). */
const MAX_CLOSES_PER_RUN = 24;
/** Open periods listed at most per scope (the current one and any ended but not yet closed). */
const MAX_OPEN_PERIODS = 36;

export const STATEMENT_READY_EVENT = "statement.ready" as const;

// ── periods ─────────────────────────────────────────────────────────────────────────────────────

export type StatementPeriod = { start: Date; end: Date; basis: "calendar_month" | "budget_period" };

/** The organization or team a statement is for, with the teams whose usage and credits it counts. */
type Scope = { org: OrganizationRow; team: TeamRow | null; teams: TeamRow[] };

const scopeIds = (scope: Scope): StatementScope => ({ organizationId: scope.org.id, teamId: scope.team?.id ?? null });
const monthStart = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
const nextMonth = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1));

/** Whether the scope follows its team's budget periods (a team of a budget_period organization, with a recurring budget). */
function budgetBasis(scope: Scope): { anchor: Date; duration: string } | null {
  if (!scope.team || scope.org.statementPeriod !== "budget_period" || !scope.team.budgetDuration) return null;
  return { anchor: scope.team.budgetStartsAt, duration: scope.team.budgetDuration };
}

/**
 * The period that starts at `start`: to the next calendar month in UTC, or to the end of the team's
 * budget period containing `start` (before the budget's anchor: to the anchor or the month's end,
 * whichever comes first). Periods follow each other with no gap or overlap, so a budget change in
 * the middle of a period shortens that statement rather than counting anything twice.
 */
export function periodFrom(scope: Scope, start: Date): StatementPeriod {
  const budget = budgetBasis(scope);
  if (!budget) return { start, end: nextMonth(start), basis: "calendar_month" };
  if (start < budget.anchor) {
    const end = nextMonth(start) < budget.anchor ? nextMonth(start) : budget.anchor;
    return { start, end, basis: "budget_period" };
  }
  return { start, end: periodBounds(budget.anchor, budget.duration, start).end!, basis: "budget_period" };
}

/** Where the scope's first statement starts: the period containing the team's (or organization's) creation. */
function firstStart(scope: Scope): Date {
  const created = scope.team?.createdAt ?? scope.org.createdAt;
  const budget = budgetBasis(scope);
  if (budget && created >= budget.anchor) return periodBounds(budget.anchor, budget.duration, created).start;
  return monthStart(created);
}

/** The scope's periods not closed yet, oldest first: those that ended but are not yet closed, then the current one. */
function openPeriods(scope: Scope, lastClosed: StatementRow | undefined, now: Date): StatementPeriod[] {
  const periods: StatementPeriod[] = [];
  let start = lastClosed ? lastClosed.periodEnd : firstStart(scope);
  while (start <= now && periods.length < MAX_OPEN_PERIODS) {
    const period = periodFrom(scope, start);
    periods.push(period);
    start = period.end;
  }
  return periods.slice(-MAX_OPEN_PERIODS);
}

// ── ids ─────────────────────────────────────────────────────────────────────────────────────────

const stamp = (d: Date) => d.toISOString().replace(/[-:]/g, "").replace(".000Z", "Z");
const ID_PATTERN = /^st-([ot])-(\d{8}T\d{6}(?:\.\d{3})?Z)-([A-Za-z0-9_-]{1,400})$/;

/** Stable and URL-safe: the scope (o: organization, t: team, its id in base64url) and the period's start. The same while open and once closed. */
export function statementIdOf(scope: StatementScope, periodStart: Date): string {
  const kind = scope.teamId === null ? "o" : "t";
  return `st-${kind}-${stamp(periodStart)}-${Buffer.from(scope.teamId ?? scope.organizationId, "utf8").toString("base64url")}`;
}

/** The scope kind, its id and the period start an id names, or null when it is not a statement id. */
function parseStatementId(id: string): { kind: "o" | "t"; scopeId: string; periodStart: Date } | null {
  const match = ID_PATTERN.exec(id);
  if (!match) return null;
  const t = match[2];
  const periodStart = new Date(`${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)}T${t.slice(9, 11)}:${t.slice(11, 13)}:${t.slice(13)}`);
  const scopeId = Buffer.from(match[3], "base64url").toString("utf8");
  if (Number.isNaN(periodStart.getTime()) || !scopeId || Buffer.from(scopeId, "utf8").toString("base64url") !== match[3]) return null;
  return { kind: match[1] as "o" | "t", scopeId, periodStart };
}

// ── money ───────────────────────────────────────────────────────────────────────────────────────

type Currency = StatementDocument["currency"];

function currencyOf(org: OrganizationRow): Currency {
  if (org.currency === "USD" || !org.exchangeRate) return { code: "USD", rate: "1", rate_date: null };
  return { code: org.currency, rate: org.exchangeRate.includes(".") ? org.exchangeRate.replace(/\.?0+$/, "") : org.exchangeRate, rate_date: org.exchangeRateDate };
}

/** Exact decimal text as an integer of 10^-scale units (at most `scale` decimals are kept). */
function scaled(text: string, scale: number): bigint {
  const match = /^(-)?(\d*)(?:\.(\d*))?$/.exec(text.trim());
  if (!match) throw new Error(`Not a decimal: ${text}`);
  const units = BigInt(match[2] || "0") * 10n ** BigInt(scale) + BigInt(((match[3] ?? "") + "0".repeat(scale)).slice(0, scale) || "0");
  return match[1] ? -units : units;
}

/** usd × rate, rounded half-up (half away from zero) to cents, as text with 2 decimals ("1234.57", "-0.50"). Exact: bigint only. */
export function convertToCents(usd: Money, rate: string): string {
  // usd is in 1e-10 units, the rate in 1e-8 units: the product is in 1e-18 units; cents are 1e16 of them.
  const product = usd * scaled(rate, 8);
  const unit = 10n ** 16n;
  const abs = product < 0n ? -product : product;
  const cents = (abs * 2n + unit) / (2n * unit);
  const text = `${cents / 100n}.${(cents % 100n).toString().padStart(2, "0")}`;
  return product < 0n && cents !== 0n ? `-${text}` : text;
}

const figure = (value: Money, currency: Currency) => ({ usd: moneyString(value), converted: convertToCents(value, currency.rate) });

// ── building a statement ────────────────────────────────────────────────────────────────────────

type UsageLine = StatementDocument["usage"][number];
type LateLine = StatementDocument["late_usage"][number];

/**
 * What a closed statement's row holds: the document, each usage line's cost beside it (to tell later
 * which rows arrived after the close) and the admins' internal figures. Reading strips both.
 */
type Frozen = Omit<StatementDocument, "usage" | "late_usage"> & {
  usage: Array<UsageLine & { cost: string }>;
  late_usage: Array<LateLine & { cost: string }>;
  internal: StatementInternal;
};

type Counts = { requests: number; promptTokens: number; completionTokens: number; cost: Money; billed: Money };
const lineKey = (teamId: string | null, model: string) => `${teamId ?? ""}\u0000${model}`;

function addCounts(map: Map<string, Counts>, key: string, c: Counts) {
  const acc = map.get(key) ?? { requests: 0, promptTokens: 0, completionTokens: 0, cost: 0n, billed: 0n };
  acc.requests += c.requests;
  acc.promptTokens += c.promptTokens;
  acc.completionTokens += c.completionTokens;
  acc.cost += c.cost;
  acc.billed += c.billed;
  map.set(key, acc);
}

const rowCounts = (r: UsageTotals): Counts => ({
  requests: Number(r.requests),
  promptTokens: Number(r.promptTokens),
  completionTokens: Number(r.completionTokens),
  cost: money(r.spend),
  billed: money(r.billed),
});
const lineCounts = (l: UsageLine & { cost?: string }): Counts => ({
  requests: l.requests,
  promptTokens: l.prompt_tokens,
  completionTokens: l.completion_tokens,
  cost: money(l.cost ?? "0"),
  billed: money(l.billed.usd),
});

/**
 * Usage of the scope's closed periods (the last LOOK_BACK_PERIODS before `period`) that their
 * documents, and the late_usage of the closed statements after them, did not count: the rollup
 * totals of each such period now, less what was counted, per team and model.
 */
async function lateUsage(tx: Db, scope: Scope, period: StatementPeriod, recordedAt: Date, currency: Currency, names: Map<string, string>) {
  const closed = await closedStatements(tx, scopeIds(scope), { before: period.start, limit: LOOK_BACK_PERIODS });
  const teamIds = scope.teams.map((t) => t.id);
  const lines: Frozen["late_usage"] = [];
  for (const c of [...closed].reverse()) {
    const startIso = c.periodStart.toISOString();
    const counted = new Map<string, Counts>();
    const doc = c.document as unknown as Frozen;
    for (const l of doc.usage ?? []) addCounts(counted, lineKey(l.team_id, l.model), lineCounts(l));
    for (const later of closed) {
      if (later.periodStart <= c.periodStart) continue;
      for (const l of (later.document as unknown as Frozen).late_usage ?? []) if (l.period_start === startIso) addCounts(counted, lineKey(l.team_id, l.model), lineCounts(l));
    }
    for (const row of await sumUsage(tx, { teamIds, from: c.periodStart, to: c.periodEnd })) {
      const now = rowCounts(row);
      const before = counted.get(lineKey(row.teamId, row.modelGroup));
      const diff: Counts = before
        ? { requests: now.requests - before.requests, promptTokens: now.promptTokens - before.promptTokens, completionTokens: now.completionTokens - before.completionTokens, cost: now.cost - before.cost, billed: now.billed - before.billed }
        : now;
      if (!diff.requests && !diff.promptTokens && !diff.completionTokens && !diff.billed && !diff.cost) continue;
      lines.push({
        model: row.modelGroup,
        team_id: row.teamId,
        team_name: names.get(row.teamId) ?? null,
        requests: diff.requests,
        prompt_tokens: diff.promptTokens,
        completion_tokens: diff.completionTokens,
        billed: figure(diff.billed, currency),
        cost: moneyString(diff.cost),
        period_start: startIso,
        period_end: c.periodEnd.toISOString(),
        recorded_at: recordedAt.toISOString(),
      });
    }
  }
  return lines;
}

/**
 * The statement of `scope` for `period`: opening credit balance (credit, adjustment and rollover
 * entries before the start), the period's credits and adjustments, usage by team and model from the
 * rollups, late usage of earlier closed periods, total billed, credits used (the rollovers in the
 * period) and the closing balance; with cost and margin for admins.
 */
async function build(tx: Db, scope: Scope, period: StatementPeriod, options: { status: "open" | "closed"; at: Date }): Promise<Frozen> {
  const currency = currencyOf(scope.org);
  const teamIds = scope.teams.map((t) => t.id);
  const names = new Map(scope.teams.map((t) => [t.id, t.name]));
  const [rows, balances, entries, late] = await Promise.all([
    sumUsage(tx, { teamIds, from: period.start, to: period.end }),
    creditBalancesBefore(tx, teamIds, period.start),
    ledgerEntriesIn(tx, teamIds, period.start, period.end),
    lateUsage(tx, scope, period, options.at, currency, names),
  ]);
  const usage: Frozen["usage"] = rows
    .map((r) => ({
      model: r.modelGroup,
      team_id: r.teamId,
      team_name: names.get(r.teamId) ?? null,
      requests: Number(r.requests),
      prompt_tokens: Number(r.promptTokens),
      completion_tokens: Number(r.completionTokens),
      billed: figure(money(r.billed), currency),
      cost: moneyString(money(r.spend)),
    }))
    .sort((a, b) => (a.team_name ?? "").localeCompare(b.team_name ?? "") || (a.team_id ?? "").localeCompare(b.team_id ?? "") || a.model.localeCompare(b.model));
  const opening = [...balances.values()].reduce((sum, v) => sum + money(v), 0n);
  let creditsTotal = 0n;
  let adjustmentsTotal = 0n;
  let creditsUsed = 0n;
  const credits: StatementDocument["credits"] = [];
  for (const e of entries) {
    const amount = money(e.amount);
    if (e.kind === "rollover") {
      creditsUsed -= amount;
      continue;
    }
    if (e.kind === "credit") creditsTotal += amount;
    else adjustmentsTotal += amount;
    credits.push({ entry_id: e.id, team_id: e.teamId, kind: e.kind as "credit" | "adjustment", amount: figure(amount, currency), reason: e.reason, created_at: e.createdAt.toISOString() });
  }
  const billed = [...usage, ...late].reduce((sum, l) => sum + money(l.billed.usd), 0n);
  const cost = [...usage, ...late].reduce((sum, l) => sum + money(l.cost), 0n);
  const ids = scopeIds(scope);
  return {
    statement_id: statementIdOf(ids, period.start),
    status: options.status,
    organization: { id: scope.org.id, name: scope.org.name },
    team: scope.team ? { id: scope.team.id, name: scope.team.name } : null,
    period: { start: period.start.toISOString(), end: period.end.toISOString(), basis: period.basis },
    closed_at: options.status === "closed" ? options.at.toISOString() : null,
    currency,
    opening_balance: figure(opening, currency),
    credits,
    credits_total: figure(creditsTotal, currency),
    adjustments_total: figure(adjustmentsTotal, currency),
    usage,
    late_usage: late,
    total_billed: figure(billed, currency),
    credits_used: figure(creditsUsed, currency),
    closing_balance: figure(opening + creditsTotal + adjustmentsTotal - creditsUsed, currency),
    internal: { cost: moneyString(cost), margin: moneyString(billed - cost), margin_percent: marginPercent(billed - cost, billed) },
  };
}

async function scopeOf(tx: Db, org: OrganizationRow, team: TeamRow | null): Promise<Scope> {
  if (team) return { org, team, teams: [team] };
  const teams = (await listTeams(tx, { organizationId: org.id, includeDeleted: true })).map((r) => r.team);
  return { org, team: null, teams };
}

/**
 * Builds the statement of an organization (teamId null: all its teams, usage per team and model) or
 * of one team for the period starting at `periodStart` (default: the period containing `now`), as
 * it stands now. No authorisation: the worker's and the service's own building block.
 */
export async function buildStatement(
  ids: { organizationId: string; teamId: string | null },
  options: { periodStart?: Date; now?: Date } = {},
): Promise<{ document: StatementDocument; internal: StatementInternal }> {
  const now = options.now ?? new Date();
  const org = await findOrganizationById(db(), ids.organizationId);
  if (!org) throw new AppError("NOT_FOUND", `No organization has the id ${ids.organizationId}.`);
  const team = ids.teamId ? await findTeamById(db(), ids.teamId) : null;
  if (ids.teamId && (!team || team.organizationId !== org.id)) throw new AppError("NOT_FOUND", `No team has the id ${ids.teamId}.`);
  const scope = await scopeOf(db(), org, team ?? null);
  const start = options.periodStart ?? openPeriods(scope, await latestClosedStatement(db(), scopeIds(scope)), now).at(-1)?.start ?? firstStart(scope);
  return split(await build(db(), scope, periodFrom(scope, start), { status: "open", at: now }));
}

/** The document (what customers see) and the internal figures of a frozen statement. */
function split(frozen: Frozen | Record<string, unknown>): { document: StatementDocument; internal: StatementInternal } {
  const f = frozen as Frozen;
  return { document: statementDocumentSchema.parse(f), internal: statementInternalSchema.parse(f.internal) };
}

// ── reading ─────────────────────────────────────────────────────────────────────────────────────

const noSuchStatement = (id: string) =>
  `No statement has the id ${id}. List the statements with GET /api/teams/{team_id}/statements or GET /api/organizations/{organization_id}/statements.`;

const summaryOf = (d: StatementDocument): StatementSummary => ({
  statement_id: d.statement_id,
  status: d.status,
  organization: d.organization,
  team: d.team,
  period: d.period,
  total_billed: d.total_billed,
  currency: d.currency,
  closed_at: d.closed_at,
});

/** Whether the actor may read statements of this scope: admins (viewers too) all; a customer its own team's only. */
function mayRead(actor: Actor, teamId: string | null): boolean {
  if (isCustomer(actor)) return teamId !== null && actor.teamId === teamId;
  requireRole(actor, "viewer", "see statements");
  return true;
}

/**
 * The statements of an organization (organization_id) or of one team (team_id; a customer's own
 * team when it names none), newest first: the open ones (the current period, and any ended but not
 * yet closed) and every closed one.
 */
export async function listStatements(actor: Actor, input: z.input<typeof listStatementsSchema>, now = new Date()): Promise<StatementSummary[]> {
  const values = parseInput(listStatementsSchema, input);
  const teamId = values.team_id ?? (isCustomer(actor) && !values.organization_id ? actor.teamId : undefined);
  if (teamId) {
    if (!mayRead(actor, teamId)) throw new AppError("NOT_FOUND", `No team has the id ${teamId}.`);
    const team = await findTeamById(db(), teamId);
    if (!team || (values.organization_id && team.organizationId !== values.organization_id)) throw new AppError("NOT_FOUND", `No team has the id ${teamId}.`);
    const org = (await findOrganizationById(db(), team.organizationId))!;
    return listOf(await scopeOf(db(), org, team), now);
  }
  if (!values.organization_id) {
    throw new AppError("BAD_REQUEST", "Say whose statements: organization_id or team_id.", { fieldErrors: { organization_id: ["Say which organization, or give team_id"] } });
  }
  if (!mayRead(actor, null)) throw new AppError("NOT_FOUND", `No organization has the id ${values.organization_id}.`);
  const org = await findOrganizationById(db(), values.organization_id);
  if (!org) throw new AppError("NOT_FOUND", `No organization has the id ${values.organization_id}.`);
  return listOf(await scopeOf(db(), org, null), now);
}

async function listOf(scope: Scope, now: Date): Promise<StatementSummary[]> {
  const closed = await closedStatements(db(), scopeIds(scope));
  const open = openPeriods(scope, closed[0], now);
  const built = await Promise.all(open.map((p) => build(db(), scope, p, { status: "open", at: now })));
  return [...built.reverse().map((f) => summaryOf(statementDocumentSchema.parse(f))), ...closed.map((r) => summaryOf(statementDocumentSchema.parse(r.document)))];
}

/** One statement: closed, as frozen; open, as it stands now. `internal` (cost, margin) for admins only. */
export async function getStatement(actor: Actor, input: z.input<typeof getStatementSchema>, now = new Date()): Promise<StatementWithInternal> {
  const { statement_id } = parseInput(getStatementSchema, input);
  const parsed = parseStatementId(statement_id);
  if (!parsed) {
    throw new AppError("BAD_REQUEST", `${statement_id} is not a statement id (they look like st-t-20261101T000000Z-…). ${noSuchStatement(statement_id).split(". ").slice(1).join(". ")}`, {
      fieldErrors: { statement_id: ["Not a statement id"] },
    });
  }
  // A customer learns nothing of statements that are not its own team's: they read as unknown.
  if (!mayRead(actor, parsed.kind === "t" ? parsed.scopeId : null)) throw new AppError("NOT_FOUND", noSuchStatement(statement_id));
  const admin = !isCustomer(actor);
  const row = await findStatementById(db(), statement_id);
  if (row) {
    const { document, internal } = split(row.document);
    return { document, internal: admin ? internal : null };
  }
  const team = parsed.kind === "t" ? await findTeamById(db(), parsed.scopeId) : null;
  const org = await findOrganizationById(db(), team ? team.organizationId : parsed.scopeId);
  if (!org || (parsed.kind === "t" && !team)) throw new AppError("NOT_FOUND", noSuchStatement(statement_id));
  const scope = await scopeOf(db(), org, team);
  const period = openPeriods(scope, await latestClosedStatement(db(), scopeIds(scope)), now).find((p) => p.start.getTime() === parsed.periodStart.getTime());
  if (!period) throw new AppError("NOT_FOUND", noSuchStatement(statement_id));
  const { document, internal } = split(await build(db(), scope, period, { status: "open", at: now }));
  return { document, internal: admin ? internal : null };
}

// ── closing (the close-statements job) ──────────────────────────────────────────────────────────

/**
 * Closes every period of every organization and team whose end ingestion has read past by the
 * late-write margin (ingestion_state.window_start − LATE_WRITE_MARGIN_MS): one immutable row each
 * (insert … on conflict do nothing), and a `statement.ready` event queued in the same transaction
 * as the row, so a second run, or two at once, close and announce each period once.
 */
export async function closeStatements(now = new Date()): Promise<{ closed: number }> {
  const { until } = await ingestedUntil();
  if (!until) return { closed: 0 };
  const cutoff = new Date(Date.parse(until) - LATE_WRITE_MARGIN_MS);
  let closed = 0;
  for (const org of await listOrganizationRows(db())) {
    const teams = (await listTeams(db(), { organizationId: org.id, includeDeleted: true })).map((r) => r.team);
    const scopes: Scope[] = [{ org, team: null, teams }, ...teams.map((team) => ({ org, team, teams: [team] }))];
    for (const scope of scopes) closed += await closeScope(scope, cutoff, now);
  }
  if (closed) logger().info({ closed }, "statements closed");
  return { closed };
}

async function closeScope(scope: Scope, cutoff: Date, now: Date): Promise<number> {
  const last = await latestClosedStatement(db(), scopeIds(scope));
  let start = last ? last.periodEnd : firstStart(scope);
  let closed = 0;
  for (let i = 0; i < MAX_CLOSES_PER_RUN; i++) {
    const period = periodFrom(scope, start);
    if (period.end > cutoff) break;
    // A deleted team's statements stop with the period it was deleted in.
    if (scope.team?.deletedAt && scope.team.deletedAt < period.start) break;
    const inserted = await transaction(async ({ tx }) => {
      const frozen = await build(tx, scope, period, { status: "closed", at: now });
      const row = await insertStatement(tx, {
        id: frozen.statement_id,
        organizationId: scope.org.id,
        teamId: scope.team?.id ?? null,
        periodStart: period.start,
        periodEnd: period.end,
        currency: frozen.currency.code,
        totalBilled: frozen.total_billed.usd,
        document: frozen as unknown as Record<string, unknown>,
        closedAt: now,
      });
      if (row) await enqueueWebhookEvent(tx, STATEMENT_READY_EVENT, summaryOf(statementDocumentSchema.parse(frozen)), now);
      return row ? 1 : 0;
    });
    closed += inserted;
    start = period.end;
  }
  return closed;
}
