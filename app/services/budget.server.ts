import { randomUUID } from "node:crypto";
import { addDays, addMonths, differenceInCalendarMonths } from "date-fns";
import { insertPeriod, openPeriod, openPeriods, updatePeriod, type PeriodRow } from "../../db/queries/budget-periods.ts";
import { creditsAddedIn as creditsAddedInRow, creditsAddedInMany, insertLedgerEntry } from "../../db/queries/ledger.ts";
import { findTeamById, findTeamsByIds, type TeamRow } from "../../db/queries/teams.ts";
import type { Db } from "../../db/queries/types.ts";
import { spendSince, spendSinceMany } from "../../db/queries/usage.ts";
import { db } from "~/lib/db.server";
import { AppError } from "~/lib/errors";
import { parseInput } from "~/lib/validation";
import { z } from "zod";
import { requireTeamAccess, type Actor } from "~/auth/actor";
import { clampMoney, maxMoney, money, moneyNumber, moneyString, type Money } from "~/lib/money";
import { NEAR_BUDGET_PERCENT, type BudgetState } from "~/lib/budget-state";

export { BUDGET_TONE, NEAR_BUDGET_PERCENT, type BudgetState } from "~/lib/budget-state";

/**
 * Budget rules (docs/budgets.md):
 * - Allowance: max_budget USD per budget_duration (1d, 7d, 30d, 1mo, … or none), restarting at each
 *   period boundary anchored at the team's budget start, in UTC; unused allowance does not carry over.
 *   Without a duration it is a one-off budget.
 * - Credits: added by admins, kept across periods, spent only after the period's allowance.
 * - remaining_budget = allowance left in this period + credit balance.
 * - Hard mode: LiteLLM refuses the team once remaining_budget is used up. LiteLLM gets no
 *   budget_duration; its team max_budget = its spend when our period opened + allowance + credits
 *   available, recomputed on every credit, rollover and change (team-sync).
 */

type TeamBudgetFields = Pick<TeamRow, "id" | "maxBudget" | "budgetDuration" | "budgetMode" | "budgetStartsAt" | "status">;
export { openPeriod, type PeriodRow };

/** The period containing `now` for a budget anchored at `anchor` with `duration` (e.g. 30d, 1mo), in UTC. */
export function periodBounds(anchor: Date, duration: string | null, now: Date): { start: Date; end: Date | null } {
  if (!duration) return { start: anchor, end: null };
  const match = /^(\d+)(d|mo)$/.exec(duration);
  if (!match) throw new Error(`Unsupported budget_duration ${duration}`);
  const n = Number(match[1]);
  if (now < anchor) return { start: anchor, end: match[2] === "d" ? addDays(anchor, n) : addMonths(anchor, n) };
  if (match[2] === "d") {
    const span = n * 86_400_000;
    const k = Math.floor((now.getTime() - anchor.getTime()) / span);
    return { start: new Date(anchor.getTime() + k * span), end: new Date(anchor.getTime() + (k + 1) * span) };
  }
  // Months: the same day of the month as the anchor (clamped at month ends), every n months.
  let k = Math.max(0, Math.floor(differenceInCalendarMonths(now, anchor) / n) - 1);
  while (addMonths(anchor, (k + 1) * n) <= now) k++;
  return { start: addMonths(anchor, k * n), end: addMonths(anchor, (k + 1) * n) };
}

/** Credits and adjustments added during a period. */
async function creditsAddedIn(tx: Db, periodId: string): Promise<Money> {
  return money(await creditsAddedInRow(tx, periodId));
}

/** Spend of the team's requests (ingested from LiteLLM) since `from`: exact, read mostly from the usage rollups. */
async function usageSince(tx: Db, teamId: string, from: Date): Promise<Money> {
  return money(await spendSince(tx, { teamId, from }));
}

/**
 * Makes sure the team has an open period for `now`: opens the first one, or closes an ended one
 * (recording what it spent by LiteLLM's counter and the credits that used) and opens the next.
 * `litellmSpend` is LiteLLM's team spend counter now. Returns the open period.
 */
export async function ensurePeriod(
  tx: Db,
  team: TeamBudgetFields,
  litellmSpend: Money,
  now: Date,
  /** For a team on a price list (budget in billed dollars): what its requests in [from, to) were billed; LiteLLM's counter only knows cost. */
  billedIn?: (from: Date, to: Date) => Promise<Money>,
): Promise<PeriodRow> {
  const bounds = periodBounds(team.budgetStartsAt, team.budgetDuration, now);
  const allowance = team.maxBudget ?? "0";
  let current = await openPeriod(tx, team.id);
  if (current && current.startsAt.getTime() === bounds.start.getTime()) {
    if (current.allowance !== allowance || (current.endsAt?.getTime() ?? null) !== (bounds.end?.getTime() ?? null)) {
      // The budget changed within the period: same period, new allowance.
      current = await updatePeriod(tx, current.id, { allowance, endsAt: bounds.end });
    }
    return current;
  }
  let creditsCarried = 0n;
  if (current) {
    const available = money(current.creditsAtStart) + (await creditsAddedIn(tx, current.id));
    const spent = billedIn ? maxMoney(0n, await billedIn(current.startsAt, current.endsAt ?? now)) : maxMoney(0n, litellmSpend - money(current.baselineSpend));
    const consumed = clampMoney(spent - money(current.allowance), 0n, maxMoney(0n, available));
    creditsCarried = available - consumed;
    await updatePeriod(tx, current.id, { closedAt: now, spend: moneyString(spent), creditsConsumed: moneyString(consumed) });
    await insertLedgerEntry(tx, {
      id: randomUUID(),
      teamId: team.id,
      kind: "rollover",
      amount: moneyString(-consumed),
      reason: `Period from ${current.startsAt.toISOString()} closed: spent ${moneyString(spent)} USD of a ${current.allowance} USD allowance; ${moneyString(consumed)} USD of credits used, ${moneyString(maxMoney(0n, money(current.allowance) - spent))} USD of allowance expired.`,
      periodId: current.id,
      actorId: "system",
      via: "worker",
    });
  }
  const id = randomUUID();
  const opened = await insertPeriod(tx, { id, teamId: team.id, startsAt: bounds.start, endsAt: bounds.end, allowance, baselineSpend: moneyString(litellmSpend), creditsAtStart: moneyString(creditsCarried) });
  await insertLedgerEntry(tx, {
    id: randomUUID(),
    teamId: team.id,
    kind: "allowance",
    amount: allowance,
    reason: `Allowance for the period from ${bounds.start.toISOString()}${bounds.end ? ` to ${bounds.end.toISOString()}` : " (one-off)"}.`,
    periodId: id,
    actorId: "system",
    via: "worker",
  });
  return opened;
}

/** What LiteLLM should hold as the team's max_budget (hard mode): baseline + allowance + credits available. */
export async function litellmMaxBudget(tx: Db, period: PeriodRow): Promise<number> {
  return maxBudgetOf(period, await creditsAddedIn(tx, period.id));
}

/** litellmMaxBudget with the period's credits and adjustments already summed (the reconcile reads them for every team at once). */
export function maxBudgetOf(period: Pick<PeriodRow, "baselineSpend" | "allowance" | "creditsAtStart">, creditsAdded: Money): number {
  const available = money(period.creditsAtStart) + creditsAdded;
  return moneyNumber(money(period.baselineSpend) + money(period.allowance) + maxMoney(0n, available));
}

export type TeamBudget = {
  mode: "hard" | "soft";
  period: { start: string; end: string | null; resets_at: string | null };
  allowance: number;
  spent_this_period: number;
  allowance_left: number;
  credit_balance: number;
  remaining_budget: number;
  /** Spend past allowance and credits (soft mode only: hard mode is refused first). */
  overage: number;
  /** Why LiteLLM refuses the team right now, or null. */
  blocked: { limit: "budget" | "suspended"; message: string; spent: number; limit_amount: number | null; resets_at: string | null } | null;
  /** Share of this period's budget (allowance + credits available) spent, in percent to 2 decimals (rounded down); null without a budget. */
  percent_used: number | null;
  /** blocked (LiteLLM refuses the team), over (soft team past its budget), near (NEAR_BUDGET_PERCENT or more used) or ok. */
  state: BudgetState;
};

/** What budgetState needs, in exact money. `limit` = allowance + credits available; `remaining` as in TeamBudget. */
export type BudgetFigures = { hasBudget: boolean; mode: "hard" | "soft"; suspended: boolean; spent: Money; limit: Money; remaining: Money };

/** Whether `spent` reached `percent` % (a whole number) of `limit`, exactly: spent × 100 ≥ percent × limit. */
export function reachedPercent(spent: Money, limit: Money, percent: number): boolean {
  return spent * 100n >= BigInt(percent) * limit;
}

/** spent as a percent of limit, rounded down to 2 decimals, by exact division (null for a limit of 0). */
export function percentOf(spent: Money, limit: Money): number | null {
  return limit > 0n ? Number((spent * 10_000n) / limit) / 100 : null;
}

/**
 * The one budget state (docs/budgets.md), from exact money: percent used and ok | near | over | blocked.
 * A hard team with nothing left is blocked at 100 % or more (LiteLLM counts a little past the limit).
 */
export function budgetState(f: BudgetFigures): { percent_used: number | null; state: BudgetState; blockedBy: "budget" | "suspended" | null } {
  const blockedBy = f.suspended ? "suspended" : f.hasBudget && f.mode === "hard" && f.remaining <= 0n ? "budget" : null;
  if (!f.hasBudget) return { percent_used: null, state: blockedBy ? "blocked" : "ok", blockedBy };
  const byBudget = f.mode === "hard" && f.remaining <= 0n;
  let hundredths = f.limit > 0n ? (f.spent * 10_000n) / f.limit : f.spent > 0n || byBudget ? 10_000n : 0n;
  if (byBudget && hundredths < 10_000n) hundredths = 10_000n;
  const percent = Number(hundredths) / 100;
  const state: BudgetState = blockedBy ? "blocked" : hundredths >= 10_000n ? "over" : f.limit > 0n && reachedPercent(f.spent, f.limit, NEAR_BUDGET_PERCENT) ? "near" : "ok";
  return { percent_used: percent, state, blockedBy };
}

/**
 * The team's budget now: allowance, spend this period (from ingested usage), credits, what is left,
 * and — when LiteLLM refuses the team — which limit stopped it, what was spent and when it resets.
 */
export async function getTeamBudget(teamId: string, now = new Date()): Promise<TeamBudget> {
  const read = await readTeamBudget(teamId, now);
  if (!read) throw new AppError("NOT_FOUND", `No team has the id ${teamId}.`);
  return read.budget;
}

/** What getTeamBudget reads, with the exact figures behind it (alerts decide on these), or null for a missing team. */
export type TeamBudgetRead = { team: TeamRow; period: PeriodRow | undefined; budget: TeamBudget; spent: Money; limit: Money };

export async function readTeamBudget(teamId: string, now = new Date()): Promise<TeamBudgetRead | null> {
  // Independent reads run at once (a page or the usage API waits on this).
  const [team, period] = await Promise.all([findTeamById(db(), teamId), openPeriod(db(), teamId)]);
  if (!team) return null;
  const start = period?.startsAt ?? periodBounds(team.budgetStartsAt, team.budgetDuration, now).start;
  const [added, spent] = await Promise.all([period ? creditsAddedIn(db(), period.id) : 0n, usageSince(db(), teamId, start)]);
  return { team, period, budget: budgetOf(team, period, added, spent, now), spent, limit: limitOf(team, period, added) };
}

/** The period's budget: allowance + credits available (credits at its start + added in it, never below 0). */
function limitOf(team: TeamRow, period: PeriodRow | undefined, added: Money): Money {
  const available = period ? money(period.creditsAtStart) + added : 0n;
  return money(team.maxBudget ?? "0") + maxMoney(0n, available);
}

/**
 * `getTeamBudget` for many teams with a fixed number of statements (the overview and organization
 * pages show every team's budget). Teams that do not exist are left out of the map.
 */
export async function getTeamBudgets(teamIds: string[], now = new Date()): Promise<Map<string, TeamBudget>> {
  if (teamIds.length === 0) return new Map();
  const [teamRows, periods] = await Promise.all([findTeamsByIds(db(), teamIds), openPeriods(db(), teamIds)]);
  const periodOf = new Map(periods.map((p) => [p.teamId, p]));
  const starts = teamRows.map((t) => ({ teamId: t.id, from: periodOf.get(t.id)?.startsAt ?? periodBounds(t.budgetStartsAt, t.budgetDuration, now).start }));
  const [addedOf, spentByTeam] = await Promise.all([
    creditsAddedInMany(
      db(),
      periods.map((p) => p.id),
    ),
    spendSinceMany(db(), starts),
  ]);
  return new Map(
    teamRows.map((team) => {
      const period = periodOf.get(team.id);
      const added = period ? money(addedOf.get(period.id)) : 0n;
      return [team.id, budgetOf(team, period, added, money(spentByTeam.get(team.id) ?? "0"), now)];
    }),
  );
}

/** The budget from what was read: the team, its open period (if any), credits added in it, spend since its start. */
function budgetOf(team: TeamRow, period: PeriodRow | undefined, added: Money, spent: Money, now: Date): TeamBudget {
  const bounds = periodBounds(team.budgetStartsAt, team.budgetDuration, now);
  const start = period?.startsAt ?? bounds.start;
  const end = period?.endsAt ?? bounds.end;
  const allowance = money(team.maxBudget ?? "0");
  const available = period ? money(period.creditsAtStart) + added : 0n;
  const allowanceLeft = maxMoney(0n, allowance - spent);
  const creditsUsed = clampMoney(spent - allowance, 0n, maxMoney(0n, available));
  const creditBalance = available - creditsUsed;
  const remaining = allowanceLeft + creditBalance;
  const overage = maxMoney(0n, spent - allowance - maxMoney(0n, available));
  const resetsAt = end?.toISOString() ?? null;
  const limitAmount = limitOf(team, period, added);
  const { percent_used, state, blockedBy } = budgetState({
    hasBudget: team.maxBudget !== null,
    mode: team.budgetMode,
    suspended: team.status === "suspended",
    spent,
    limit: limitAmount,
    remaining,
  });
  let blocked: TeamBudget["blocked"] = null;
  if (blockedBy === "suspended") {
    blocked = { limit: "suspended", message: "The team is suspended: an admin must resume it.", spent: moneyNumber(spent), limit_amount: null, resets_at: null };
  } else if (blockedBy === "budget") {
    blocked = {
      limit: "budget",
      message: `The team has spent ${moneyString(spent)} USD of its ${moneyString(limitAmount)} USD budget for this period (allowance ${moneyString(allowance)} + credits ${moneyString(maxMoney(0n, available))}). ${
        resetsAt ? `The allowance restarts at ${resetsAt}; adding credits restores access within seconds.` : "It is a one-off budget: add credits to restore access."
      }`,
      spent: moneyNumber(spent),
      limit_amount: moneyNumber(limitAmount),
      resets_at: resetsAt,
    };
  }
  return {
    mode: team.budgetMode,
    period: { start: start.toISOString(), end: end?.toISOString() ?? null, resets_at: resetsAt },
    allowance: moneyNumber(allowance),
    spent_this_period: moneyNumber(spent),
    allowance_left: moneyNumber(allowanceLeft),
    credit_balance: moneyNumber(creditBalance),
    remaining_budget: moneyNumber(remaining),
    overage: moneyNumber(overage),
    blocked,
    percent_used,
    state,
  };
}

export const viewTeamBudgetSchema = z.object({ team_id: z.string({ required_error: "Say which team (team_id)" }).min(1, "Say which team (team_id)") });

/** For the API: a team's budget, readable by every signed-in admin (viewers included) and by the team's own customer. */
export async function viewTeamBudget(actor: Actor, input: z.input<typeof viewTeamBudgetSchema>): Promise<TeamBudget> {
  const { team_id } = parseInput(viewTeamBudgetSchema, input);
  requireTeamAccess(actor, team_id, "see budgets");
  return getTeamBudget(team_id);
}
