import { describe, expect, it } from "vitest";
import { liteLLMDouble, masterActor } from "../../test/factories.ts";
import type { Actor } from "~/auth/actor";
import { money, moneyString, type Money } from "~/lib/money";
import { billedLimit, markupRatio, maxBilledRatio } from "./billed-limit.server.ts";
import { getTeamBudget } from "./budget.server.ts";
import { createModelGroup } from "./model-groups.server.ts";
import { createOrganization } from "./organizations.server.ts";
import { setOrganizationPriceList } from "./price-lists.server.ts";
import { syncTeam } from "./team-sync.server.ts";
import { createTeam, getTeam } from "./teams.server.ts";
import { ingestUsage } from "./usage-ingestion.server.ts";

/**
 * Budgets in billed dollars (docs/budgets.md, "Teams on a price list"): LiteLLM only counts cost, so
 * its limit is derived from the billed budget. This measures both errors of the rule on a mixed-model
 * workload through the LiteLLM double: how far past its billed budget a hard team gets, and how early
 * it is refused, running the worker's cycle (ingest, then sync the team) in this process so every step
 * is deterministic.
 */
const admin: Actor = { ...masterActor, via: "rest" };
const suffix = () => Math.random().toString(36).slice(2, 8);

// The double's costs per 1M tokens: gpt-3.5-turbo 0.5 in / 1.5 out, gpt-4-turbo 10 / 30.
const PRICES = [
  { model: "gpt-3.5-turbo", input_per_million: "2", output_per_million: "2" },
  { model: "gpt-4-turbo", input_per_million: "12", output_per_million: "36" },
];
const PER_MILLION = 1_000_000n;

/** The price list applied to the double's own spend log for the team: what the customer owes. */
function billedByDouble(teamId: string): { billed: Money; calls: number; largest: Money } {
  let billed = 0n;
  let largest = 0n;
  const logs = liteLLMDouble()
    .state.spendLogs()
    .filter((l) => l.team_id === teamId && l.status === "success");
  for (const l of logs) {
    const price = PRICES.find((p) => p.model === l.model_group)!;
    const one = (BigInt(l.prompt_tokens) * money(price.input_per_million) + BigInt(l.completion_tokens) * money(price.output_per_million)) / PER_MILLION;
    billed += one;
    if (one > largest) largest = one;
  }
  return { billed, calls: logs.length, largest };
}

async function chat(key: string, model: string, maxTokens: number) {
  const response = await fetch(`${liteLLMDouble().url}/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model, max_tokens: maxTokens, messages: [{ role: "user", content: "Summarise the attached report" }] }),
  });
  const body = (await response.json()) as { error?: { type?: string } };
  return { status: response.status, type: body.error?.type ?? null };
}

describe("the LiteLLM-side limit of a billed budget", () => {
  it("is the old formula without a price list, and converts the headroom at the highest ratio with one", () => {
    const ratio = maxBilledRatio(
      { kind: "per_model", markupPercent: null, fallbackMarkupPercent: "10" },
      new Map(PRICES.map((p) => [p.model, { input: p.input_per_million, output: p.output_per_million }])),
      new Map([
        ["gpt-3.5-turbo", { input: "0.5", output: "1.5" }],
        ["gpt-4-turbo", { input: "10", output: "30" }],
      ]),
      null,
    );
    // 2 ÷ 0.5: a gpt-3.5-turbo call that is all input is billed 4 × its cost.
    expect(ratio).toEqual({ ratio: { num: money("2"), den: money("0.5") }, unbounded: [] });
    const base = { baseline: money("7"), budget: money("10"), costSpent: money("3"), billedSpent: money("3") };
    expect(moneyString(billedLimit({ ...base, ratio: markupRatio(null) }))).toBe("17");
    // 30 % markup: billed 3.9 of 10, 6.1 billed left = 4.6923076923 cost (rounded down).
    expect(moneyString(billedLimit({ ...base, billedSpent: money("3.9"), ratio: markupRatio("30") }))).toBe("14.6923076923");
    // Past the budget: a limit below the counter (refused), never below 0.
    expect(moneyString(billedLimit({ ...base, billedSpent: money("12"), ratio: markupRatio("30") }))).toBe("8.4615384615");
    expect(moneyString(billedLimit({ baseline: 0n, budget: 0n, costSpent: 0n, billedSpent: money("1"), ratio: markupRatio("0") }))).toBe("0");
  });

  it("on a mixed-model workload: never past the billed budget by more than one call, refused early only until the next sync", async () => {
    const org = await createOrganization(admin, { name: `Billed Budget ${suffix()}`, litellm_organization_id: `billed-${suffix()}` });
    const group = (await createModelGroup(admin, { name: `billed-models-${suffix()}`, models: PRICES.map((p) => p.model) })).name;
    await setOrganizationPriceList(admin, { organization_id: org.organization_id, kind: "per_model", models: PRICES });
    const BUDGET = money("0.25");
    const team = await createTeam(admin, { name: `Billed ${suffix()}`, organization_id: org.organization_id, model_groups: [group], max_budget: 0.25, budget_duration: "30d" }, { waitMs: 0 });
    const cycle = async () => {
      await liteLLMDouble().flush();
      await ingestUsage();
      const outcome = await syncTeam(team.team_id);
      expect(outcome.state).toBe("in_sync");
    };
    await cycle();
    const key = (await getTeam(admin, { team_id: team.team_id }, { revealKey: true })).virtual_key!;
    // r_max = 4 (gpt-3.5-turbo input): LiteLLM may spend 0.0625 of cost before the first sync.
    expect(liteLLMDouble().state.teams().find((t) => t.team_id === team.team_id)?.max_budget).toBe(0.0625);

    // The mix: gpt-3.5-turbo with long answers (billed ≈ 1.33 × cost) and gpt-4-turbo (1.2 × cost).
    const workload = [
      ["gpt-3.5-turbo", 2000],
      ["gpt-4-turbo", 400],
      ["gpt-3.5-turbo", 1200],
    ] as const;
    const early: Money[] = [];
    let final: Money | null = null;
    for (let i = 0; i < 400 && final === null; i++) {
      const [model, tokens] = workload[i % workload.length];
      const first = await chat(key, model, tokens);
      // LiteLLM's counter as it stands after each call (the double writes its batch now).
      await liteLLMDouble().flush();
      if (first.status === 200) continue;
      expect(first).toEqual({ status: 429, type: "budget_exceeded" });
      const refusedAt = billedByDouble(team.team_id).billed;
      // The worker's cycle: ingest what LiteLLM logged, sync the team's limit from what was billed.
      await cycle();
      const again = await chat(key, model, tokens);
      await liteLLMDouble().flush();
      if (again.status === 200) early.push(refusedAt);
      else final = refusedAt;
    }
    expect(final).not.toBeNull();
    const { billed, calls, largest } = billedByDouble(team.team_id);
    const over = billed - BUDGET;
    const left = BUDGET - billed;
    console.info(
      `billed budget ${moneyString(BUDGET)}: ${calls} calls billed ${moneyString(billed)}; ${early.length} early refusals at ${early.map((e) => moneyString(e)).join(", ")}; ` +
        `largest call ${moneyString(largest)}; past the budget by ${moneyString(over > 0n ? over : 0n)}, short of it by ${moneyString(left > 0n ? left : 0n)}`,
    );
    // Overshoot: at most the one call LiteLLM lets cross (its check is spend > max_budget, before the call).
    expect(over).toBeLessThanOrEqual(largest);
    // The final refusal leaves less than one call's worth of the budget unused.
    expect(left).toBeLessThan(largest);
    // Early refusals happened (the mix is cheaper than r_max) and each was lifted by the next sync.
    expect(early.length).toBeGreaterThan(0);
    // The first came after at least r_mix ÷ r_max (1.2 ÷ 4 = 30 %) of the budget, less one call.
    expect(early[0]! * 100n).toBeGreaterThanOrEqual(30n * BUDGET - 100n * largest);
    // Our own figures agree with the double's log to the last decimal, and call the team refused.
    const budget = await getTeamBudget(team.team_id);
    expect(money(budget.spent_this_period)).toBe(billed);
    expect(budget.state).toBe("blocked");
  }, 120_000);
});
