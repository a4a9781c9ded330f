/**
 * The budget state a team shows, and the one place its colours are decided. Constants only (no
 * server code), so components import it directly; budget.server.ts computes the state.
 *
 * - blocked: LiteLLM refuses the team now (hard mode with nothing left, or suspended)
 * - over: a soft team past its budget for this period (LiteLLM still serves it)
 * - near: NEAR_BUDGET_PERCENT or more of this period's budget used
 * - ok: anything else, teams without a budget included
 */
export const BUDGET_STATES = ["ok", "near", "over", "blocked"] as const;
export type BudgetState = (typeof BUDGET_STATES)[number];

/** From this share of the period's budget (allowance + credits) a team is "near" its budget. */
export const NEAR_BUDGET_PERCENT = 80;

export type BudgetTone = "ok" | "warn" | "bad";

/** The colour of each state, for badges, gauges and percentages alike. */
export const BUDGET_TONE: Record<BudgetState, BudgetTone> = {
  ok: "ok",
  near: "warn",
  over: "bad",
  blocked: "bad",
};
