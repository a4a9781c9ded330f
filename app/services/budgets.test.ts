import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { liteLLMDouble, masterActor, uniqueEmail } from "../../test/factories.ts";
import { rest } from "../../test/rest.ts";
import { TEST_MASTER_KEY } from "../../test/setup-db.ts";
import { startWorker, waitFor, type WorkerProcess } from "../../test/worker-process.ts";
import { AppError } from "~/lib/errors";
import type { Actor, CustomerActor } from "~/auth/actor";
import { insertUsageRows } from "../../db/queries/usage.ts";
import { money } from "~/lib/money";
import { createAdminAccount } from "./admin-accounts.server.ts";
import { teams } from "../../db/schema/index.ts";
import { db } from "~/lib/db.server";
import { budgetState, getTeamBudget, getTeamBudgets, periodBounds, viewTeamBudget, type BudgetFigures } from "./budget.server.ts";
import { ingestUsage } from "./usage-ingestion.server.ts";
import { addCredits, adjustCredits, listLedger } from "./credits.server.ts";
import { createModelGroup } from "./model-groups.server.ts";
import { createOrganization } from "./organizations.server.ts";
import { syncTeam } from "./team-sync.server.ts";
import { createTeam as createTeamNow, getTeam } from "./teams.server.ts";

/** Under a loaded CI machine the worker can take more than the API's few seconds: tests wait longer for the key. */
const createTeam = (actor: Parameters<typeof createTeamNow>[0], input: Parameters<typeof createTeamNow>[1], options: Parameters<typeof createTeamNow>[2] = {}) =>
  createTeamNow(actor, input, { waitMs: 20_000, ...options });

/** Budgets and credits through the LiteLLM double (CONTRACT §2: team budget `spend > max_budget` → budget_exceeded). */
const admin: Actor = { ...masterActor, via: "rest" };
const suffix = () => Math.random().toString(36).slice(2, 8);

/** One request that costs a lot (a long completion), so a small budget is spent at once. */
async function expensiveChat(key: string) {
  const response = await fetch(`${liteLLMDouble().url}/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-3.5-turbo", max_tokens: 100_000, messages: [{ role: "user", content: "Write a long story" }] }),
  });
  const body = (await response.json()) as { error?: { type?: string; message?: string } };
  return { status: response.status, type: body.error?.type ?? null, message: body.error?.message ?? null };
}

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe("budget periods", () => {
  const anchor = new Date("2026-01-31T10:00:00Z");
  it("restart at each boundary from the team's budget start, in UTC", () => {
    expect(periodBounds(anchor, "1d", new Date("2026-02-02T09:59:59Z"))).toEqual({ start: new Date("2026-02-01T10:00:00Z"), end: new Date("2026-02-02T10:00:00Z") });
    expect(periodBounds(anchor, "7d", new Date("2026-02-07T10:00:00Z"))).toEqual({ start: new Date("2026-02-07T10:00:00Z"), end: new Date("2026-02-14T10:00:00Z") });
    expect(periodBounds(anchor, "30d", new Date("2026-03-15T00:00:00Z"))).toEqual({ start: new Date("2026-03-02T10:00:00Z"), end: new Date("2026-04-01T10:00:00Z") });
    // Calendar months keep the anchor's day, clamped at short months.
    expect(periodBounds(anchor, "1mo", new Date("2026-03-15T00:00:00Z"))).toEqual({ start: new Date("2026-02-28T10:00:00Z"), end: new Date("2026-03-31T10:00:00Z") });
    expect(periodBounds(anchor, null, new Date("2030-01-01T00:00:00Z"))).toEqual({ start: anchor, end: null });
  });
});

describe("budget state", () => {
  const soft = (spent: string, limit: string): BudgetFigures => ({
    hasBudget: true,
    mode: "soft",
    suspended: false,
    spent: money(spent),
    limit: money(limit),
    remaining: money(limit) - money(spent) > 0n ? money(limit) - money(spent) : 0n,
  });
  it("is near from 80 % exactly, over from 100 %, with percent used rounded down to 2 decimals", () => {
    expect(budgetState(soft("0.2399999999", "0.3"))).toMatchObject({ percent_used: 79.99, state: "ok" });
    expect(budgetState(soft("0.24", "0.3"))).toMatchObject({ percent_used: 80, state: "near" });
    expect(budgetState(soft("0.2999999999", "0.3"))).toMatchObject({ percent_used: 99.99, state: "near" });
    expect(budgetState(soft("0.3", "0.3"))).toMatchObject({ percent_used: 100, state: "over" });
    expect(budgetState(soft("25.21", "25"))).toMatchObject({ percent_used: 100.84, state: "over" });
  });
  it("is blocked when LiteLLM refuses the team: hard mode with nothing left, or suspended; no budget, no percent", () => {
    expect(budgetState({ ...soft("25.21", "25"), mode: "hard" })).toMatchObject({ percent_used: 100.84, state: "blocked", blockedBy: "budget" });
    // A hard team with a budget of 0 is refused at once: nothing left is 100 %.
    expect(budgetState({ ...soft("0", "0"), mode: "hard" })).toMatchObject({ percent_used: 100, state: "blocked" });
    expect(budgetState({ ...soft("1", "10"), suspended: true })).toMatchObject({ percent_used: 10, state: "blocked", blockedBy: "suspended" });
    expect(budgetState({ ...soft("5", "0"), hasBudget: false })).toEqual({ percent_used: null, state: "ok", blockedBy: null });
  });
});

describe("the seed's budget story", () => {
  let worker: WorkerProcess;
  let orgId: string;
  let group: string;

  beforeAll(async () => {
    worker = await startWorker();
    orgId = (await createOrganization(admin, { name: `Budget Org ${suffix()}`, litellm_organization_id: `budget-${suffix()}` })).organization_id;
    group = (await createModelGroup(admin, { name: `budget-models-${suffix()}`, models: ["gpt-3.5-turbo"] })).name;
  });
  afterAll(async () => {
    await worker.stop();
  });

  it("a hard team is refused once its budget is spent, and works again within seconds of adding credits", async () => {
    const team = await createTeam(admin, { name: `Hard ${suffix()}`, organization_id: orgId, model_groups: [group], max_budget: 0.01, budget_duration: "30d" });
    const key = team.virtual_key!;
    expect(liteLLMDouble().state.teams().find((t) => t.team_id === team.team_id)?.max_budget).toBe(0.01);

    expect((await expensiveChat(key)).status).toBe(200);
    await liteLLMDouble().flush();
    const refused = await expensiveChat(key);
    expect(refused.status).toBe(429);
    expect(refused.type).toBe("budget_exceeded");
    expect(refused.message).toContain(`Team=${team.team_id}`);

    // The seed's request, with an idempotency key.
    const added = await rest("POST", `/api/credits/teams/${team.team_id}/add`, {
      headers: { "X-Admin-Key": TEST_MASTER_KEY, "Idempotency-Key": `topup-${team.team_id}` },
      body: { amount: 100.0, reason: "Monthly allocation" },
    });
    expect(added.status).toBe(200);
    expect(added.body.entry).toMatchObject({ kind: "credit", amount: 100, reason: "Monthly allocation" });
    const started = Date.now();
    await waitFor("the key to work again", async () => (await expensiveChat(key)).status === 200, 10_000);
    expect(Date.now() - started).toBeLessThan(5000);

    // A retry with the same key returns the first result and adds nothing.
    const retry = await rest("POST", `/api/credits/teams/${team.team_id}/add`, {
      headers: { "X-Admin-Key": TEST_MASTER_KEY, "Idempotency-Key": `topup-${team.team_id}` },
      body: { amount: 100.0, reason: "Monthly allocation" },
    });
    expect(retry.body).toMatchObject({ replayed: true, entry: { entry_id: added.body.entry.entry_id } });
    const conflicting = await rest("POST", `/api/credits/teams/${team.team_id}/add`, {
      headers: { "X-Admin-Key": TEST_MASTER_KEY, "Idempotency-Key": `topup-${team.team_id}` },
      body: { amount: 5, reason: "Monthly allocation" },
    });
    expect(conflicting.status).toBe(409);
    const credits = (await listLedger(admin, { team_id: team.team_id })).filter((e) => e.kind === "credit");
    expect(credits).toHaveLength(1);
  });

  it("a soft team is never refused for budget", async () => {
    const team = await createTeam(admin, { name: `Soft ${suffix()}`, organization_id: orgId, model_groups: [group], max_budget: 0.01, budget_mode: "soft" });
    expect(liteLLMDouble().state.teams().find((t) => t.team_id === team.team_id)?.max_budget).toBeNull();
    expect((await expensiveChat(team.virtual_key!)).status).toBe(200);
    await liteLLMDouble().flush();
    expect((await expensiveChat(team.virtual_key!)).status).toBe(200);
  });

  it("a period rollover restores the allowance and keeps the unused credits", async () => {
    const team = await createTeam(admin, { name: `Rollover ${suffix()}`, organization_id: orgId, model_groups: [group], max_budget: 0.01, budget_duration: "1d" });
    await addCredits(admin, { team_id: team.team_id, amount: 1, reason: "Starter credits" });
    await waitFor("the credits to reach LiteLLM", async () => liteLLMDouble().state.teams().find((t) => t.team_id === team.team_id)?.max_budget === 1.01);
    expect((await expensiveChat(team.virtual_key!)).status).toBe(200);
    await liteLLMDouble().flush();
    const spent = liteLLMDouble().state.teams().find((t) => t.team_id === team.team_id)!.spend;
    expect(spent).toBeGreaterThan(0.01);

    // The next day: the period closes at LiteLLM's spend; credits pay for what the allowance did not.
    const tomorrow = new Date(Date.now() + 86_400_000 + 60_000);
    await syncTeam(team.team_id, "change", tomorrow);
    const creditsLeft = Math.round((1 - (spent - 0.01)) * 1e10) / 1e10;
    const budget = await getTeamBudget(team.team_id, tomorrow);
    expect(budget.allowance).toBe(0.01);
    expect(budget.credit_balance).toBeCloseTo(creditsLeft, 9);
    const remote = liteLLMDouble().state.teams().find((t) => t.team_id === team.team_id)!;
    expect(remote.max_budget).toBeCloseTo(spent + 0.01 + creditsLeft, 9);
    const ledger = await listLedger(admin, { team_id: team.team_id });
    expect(ledger.map((e) => e.kind)).toEqual(expect.arrayContaining(["rollover", "allowance", "credit"]));
    expect((await getTeam(admin, { team_id: team.team_id })).sync.state).toBe("in_sync");
  });

  it("reads every team's budget at once (overview, organization page) exactly as one at a time", async () => {
    await liteLLMDouble().flush();
    await ingestUsage();
    const ids = (await db().select({ id: teams.id }).from(teams)).map((t) => t.id);
    const now = new Date();
    const together = await getTeamBudgets([...ids, "no-such-team"], now);
    const oneByOne = await Promise.all(ids.map((id) => getTeamBudget(id, now)));
    expect(together.size).toBe(ids.length);
    expect(ids.map((id) => together.get(id))).toEqual(oneByOne);
    // The comparison means something: spend and credits are among them.
    expect(oneByOne.some((b) => b.spent_this_period > 0)).toBe(true);
    expect(oneByOne.some((b) => b.credit_balance > 0)).toBe(true);
  });

  it("200 concurrent credit additions, with repeated idempotency keys, give the exact sum", async () => {
    const team = await createTeam(admin, { name: `Concurrent ${suffix()}`, organization_id: orgId, model_groups: [group], max_budget: 1 });
    // 100 distinct keys, each sent twice at once: 0.01 … 1.00.
    const calls = Array.from({ length: 200 }, (_, i) => {
      const n = (i % 100) + 1;
      return addCredits(admin, { team_id: team.team_id, amount: n / 100, reason: "bulk", idempotency_key: `bulk-${team.team_id}-${n}` });
    });
    const results = await Promise.all(calls);
    expect(results.filter((r) => !r.replayed)).toHaveLength(100);
    const credits = (await listLedger(admin, { team_id: team.team_id })).filter((e) => e.kind === "credit");
    expect(credits).toHaveLength(100);
    const budget = await getTeamBudget(team.team_id);
    expect(budget.credit_balance).toBe(50.5);
    expect(budget.remaining_budget).toBe(51.5);
  });

  it("shows percent used and state: a hard team past its budget is blocked, a soft one over", async () => {
    const spend = (teamId: string, amount: string) =>
      insertUsageRows(db(), [
        { request_id: `req-${randomUUID()}`, team_id: teamId, key_hash: "hash", model_group: group, model: "gpt-3.5-turbo", prompt_tokens: 1, completion_tokens: 1, total_tokens: 2, spend: amount, start_time: new Date().toISOString(), end_time: null, latency_ms: 10, status: "success", end_user: null, metadata: null },
      ]);
    const hard = await createTeam(admin, { name: `State hard ${suffix()}`, organization_id: orgId, model_groups: [group], max_budget: 25, budget_duration: "30d" });
    const soft = await createTeam(admin, { name: `State soft ${suffix()}`, organization_id: orgId, model_groups: [group], max_budget: 25, budget_mode: "soft", budget_duration: "30d" });
    const none = await createTeam(admin, { name: `State none ${suffix()}`, organization_id: orgId, model_groups: [group] });
    await spend(hard.team_id, "20");
    expect(await getTeamBudget(hard.team_id)).toMatchObject({ percent_used: 80, state: "near", blocked: null });
    await spend(hard.team_id, "5.21");
    await spend(soft.team_id, "25.21");
    expect(await getTeamBudget(hard.team_id)).toMatchObject({ percent_used: 100.84, state: "blocked", blocked: { limit: "budget", spent: 25.21, limit_amount: 25 } });
    expect(await getTeamBudget(soft.team_id)).toMatchObject({ percent_used: 100.84, state: "over", blocked: null, overage: 0.21 });
    expect(await getTeamBudget(none.team_id)).toMatchObject({ percent_used: null, state: "ok" });
  });

  it("a customer sees its own team's budget and ledger only, and adds no credits", async () => {
    const team = await createTeam(admin, { name: `Customer ${suffix()}`, organization_id: orgId, model_groups: [group], max_budget: 1 });
    const own: CustomerActor = { kind: "customer", teamId: team.team_id, userId: `portal:${team.team_id}`, name: "Customer", via: "web" };
    const other: CustomerActor = { ...own, teamId: "some-other-team", userId: "portal:some-other-team" };
    expect(await viewTeamBudget(own, { team_id: team.team_id })).toMatchObject({ allowance: 1, state: "ok" });
    expect((await listLedger(own, { team_id: team.team_id })).map((e) => e.kind)).toEqual(["allowance"]);
    for (const call of [viewTeamBudget(other, { team_id: team.team_id }), listLedger(other, { team_id: team.team_id }), addCredits(other, { team_id: team.team_id, amount: 5 })]) {
      const error = await refusal(call);
      expect([error.code, error.message]).toEqual(["NOT_FOUND", `No team has the id ${team.team_id}.`]);
    }
    expect((await refusal(addCredits(own, { team_id: team.team_id, amount: 5 }))).code).toBe("FORBIDDEN");
    expect((await refusal(adjustCredits(own, { team_id: team.team_id, amount: -5, reason: "Mine" }))).code).toBe("FORBIDDEN");
    expect((await listLedger(admin, { team_id: team.team_id })).map((e) => e.kind)).toEqual(["allowance"]);
  });

  it("refuses bad amounts, naming the field, and negative adjustments without a reason or by a viewer", async () => {
    const team = await createTeam(admin, { name: `Amounts ${suffix()}`, organization_id: orgId, model_groups: [group], max_budget: 1 });
    for (const [amount, message] of [
      [-5, "amount must be positive"],
      [0.001, "at most two decimals"],
      [1e12, "at most 1000000"],
      ["ten", "must be a number"],
    ] as const) {
      const error = await refusal(addCredits(admin, { team_id: team.team_id, amount: amount as never, reason: "x" }));
      expect(error.code).toBe("BAD_REQUEST");
      expect(error.fieldErrors?.amount?.[0]).toContain(message);
    }
    const noReason = await refusal(adjustCredits(admin, { team_id: team.team_id, amount: -1 } as never));
    expect(noReason.fieldErrors?.reason?.[0]).toContain("Say why");
    const viewer = await createAdminAccount(masterActor, { email: uniqueEmail("viewer"), name: "V", role: "viewer", password: "viewer password 1" });
    const forbidden = await refusal(adjustCredits({ userId: viewer.id, name: "V", email: viewer.email, role: "viewer", via: "web" }, { team_id: team.team_id, amount: -1, reason: "refund" }));
    expect(forbidden.code).toBe("FORBIDDEN");
    const adjusted = await adjustCredits(admin, { team_id: team.team_id, amount: -0.5, reason: "Refund of a double charge" });
    expect(adjusted.budget.credit_balance).toBe(-0.5);
  });
});
