import type { PriceVersionRow } from "../../db/queries/price-lists.ts";
import { maxMoney, money, type Money } from "~/lib/money";

/**
 * LiteLLM's limit for a team whose budget is in billed dollars (docs/budgets.md, "Teams on a price
 * list"). LiteLLM only counts cost, so the billed headroom left is turned into cost at the highest
 * billed-per-cost ratio any call of the team can have:
 *
 *     max_budget = baseline + cost so far + (budget − billed so far) ÷ r_max
 *
 * (all since the period opened; "so far" is what ingestion has read). Every call's billed amount is
 * at most r_max × its cost, so the calls LiteLLM still admits can never be billed more than the
 * headroom: the team is never let past its billed budget by this rule (only by LiteLLM's own
 * one-call overshoot, as without a price list). A cheaper mix is refused early, and only until the
 * next sync: each ingestion run re-syncs the team's limit from what was really billed, which gives
 * the rest of the headroom back. Without a price list r_max = 1 and the formula is the one before
 * price lists: baseline + allowance + credits.
 */

/** A ratio of two exact amounts (billed per cost), num / den, both > 0. */
export type Ratio = { num: bigint; den: bigint };

export const ONE: Ratio = { num: 1n, den: 1n };

const greater = (a: Ratio, b: Ratio) => a.num * b.den > b.num * a.den;

/** 1 + percent / 100 as a ratio (percent with up to 10 decimals). */
export function markupRatio(percent: string | null): Ratio {
  return { num: money(percent ?? "0") + 100n * 10_000_000_000n, den: 100n * 10_000_000_000n };
}

/** What LiteLLM charges per 1M tokens of a model (from /model/info), decimal text; null when it does not say. */
export type ModelCost = { input: string | null; output: string | null };

/**
 * The highest billed ÷ cost any call of the team can have under `version`:
 * - no price list: 1; a markup list: 1 + markup;
 * - per-model: for each listed model the team may call, max(input price ÷ LiteLLM's input cost,
 *   output price ÷ LiteLLM's output cost) — a call's ratio lies between the two whatever its mix of
 *   tokens — and for the models it does not list, the fallback markup (or 1: billed at cost).
 * A listed model whose LiteLLM cost is unknown or 0 cannot be bounded (cost 0 never moves LiteLLM's
 * counter) and is left out; `unbounded` names such models (docs/budgets.md, Known limits).
 */
export function maxBilledRatio(
  version: Pick<PriceVersionRow, "kind" | "markupPercent" | "fallbackMarkupPercent"> | undefined,
  prices: Map<string, { input: string; output: string }>,
  costs: Map<string, ModelCost>,
  teamModels: string[] | null,
): { ratio: Ratio; unbounded: string[] } {
  if (!version || version.kind === "inherit") return { ratio: ONE, unbounded: [] };
  if (version.kind === "markup") return { ratio: markupRatio(version.markupPercent), unbounded: [] };
  let ratio = markupRatio(version.fallbackMarkupPercent);
  const unbounded: string[] = [];
  for (const [model, price] of prices) {
    if (teamModels && teamModels.length && !teamModels.includes(model)) continue;
    const cost = costs.get(model);
    for (const [p, c] of [
      [price.input, cost?.input ?? null],
      [price.output, cost?.output ?? null],
    ] as const) {
      const billed = money(p);
      if (billed === 0n) continue;
      const charged = money(c);
      if (charged <= 0n) {
        if (!unbounded.includes(model)) unbounded.push(model);
        continue;
      }
      const r = { num: billed, den: charged };
      if (greater(r, ratio)) ratio = r;
    }
  }
  return { ratio, unbounded };
}

/**
 * LiteLLM's max_budget (its own spend counter) for a team whose budget is `budget` billed dollars
 * (allowance + credits available) this period. Rounded down to 1e-10: never a hair over.
 */
export function billedLimit(f: { baseline: Money; budget: Money; costSpent: Money; billedSpent: Money; ratio: Ratio }): Money {
  const headroom = f.budget - f.billedSpent;
  // Floor division toward −∞, so a team past its budget gets a limit below its counter.
  const num = headroom * f.ratio.den;
  let cost = num / f.ratio.num;
  if (num % f.ratio.num !== 0n && num < 0n) cost -= 1n;
  return maxMoney(0n, f.baseline + f.costSpent + cost);
}
