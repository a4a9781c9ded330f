import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { insertModelGroup } from "../../db/queries/model-groups.ts";
import { insertOrganization } from "../../db/queries/organizations.ts";
import { insertTeam, setTeamModelGroups, updateTeamRow } from "../../db/queries/teams.ts";
import { insertUsageRows } from "../../db/queries/usage.ts";
import { masterActor } from "../../test/factories.ts";
import { db } from "~/lib/db.server";
import { AppError } from "~/lib/errors";
import type { Actor } from "~/auth/actor";
import { createCaller } from "~/trpc/router";
import type { TrpcContext } from "~/trpc/init";
import { listTeamsForPage, parseTeamListQuery, teamState } from "./team-list.server.ts";

/**
 * The Teams page as an operator uses it: each team's state, spend and budget used from real rows,
 * then search, filters, sort on every column and paging from the URL.
 */

const admin: Actor = { ...masterActor, via: "web" };
const customer: Actor = { kind: "customer", teamId: "team-x", userId: "portal:team-x", name: "Customer", via: "web" };
const NOW = new Date("2026-11-20T15:30:00Z");
const run = Math.random().toString(36).slice(2, 8);

async function makeOrg(name: string) {
  return insertOrganization(db(), { id: randomUUID(), name: `${name} ${run}`, litellmOrganizationId: `tl-${randomUUID()}` });
}

async function makeTeam(orgId: string, name: string, values: Partial<Parameters<typeof insertTeam>[1]> = {}) {
  const group = (await insertModelGroup(db(), { id: randomUUID(), name: `tl-models-${randomUUID()}`, models: ["gpt-4"], verification: "verified" }))!;
  const team = await insertTeam(db(), {
    id: `team-${randomUUID()}`,
    name: `${name} ${run}`,
    organizationId: orgId,
    maxBudget: "25",
    budgetDuration: "30d",
    budgetMode: "hard",
    budgetStartsAt: new Date("2026-11-01T00:00:00Z"),
    ...values,
  });
  await setTeamModelGroups(db(), team.id, [group.id]);
  return team;
}

async function spend(teamId: string, at: string, amount: string) {
  await insertUsageRows(db(), [
    {
      request_id: `req-${randomUUID()}`,
      team_id: teamId,
      key_hash: "hash",
      model_group: "gpt-4",
      model: "openai/gpt-4",
      prompt_tokens: 10,
      completion_tokens: 5,
      total_tokens: 15,
      spend: amount,
      start_time: at,
      end_time: at,
      latency_ms: 100,
      status: "success",
      end_user: null,
      metadata: null,
    },
  ]);
}

const page = (params: Record<string, string>) => listTeamsForPage(admin, { q: run, ...params }, NOW);
const names = (rows: Array<{ name: string }>) => rows.map((r) => r.name.replace(` ${run}`, ""));

let ids: Record<string, string> = {};
let acmeId = "";

beforeAll(async () => {
  const acme = await makeOrg("Acme");
  const beta = await makeOrg("Beta");
  acmeId = acme.id;
  const stopped = await makeTeam(acme.id, "Stopped"); // hard, $25.21 of $25: LiteLLM refuses it
  await spend(stopped.id, "2026-11-10T10:00:00Z", "25.21");
  const near = await makeTeam(acme.id, "Near"); // 84 %
  await spend(near.id, "2026-11-12T10:00:00Z", "21");
  const over = await makeTeam(beta.id, "Over", { budgetMode: "soft" }); // soft, 120 %
  await spend(over.id, "2026-11-15T10:00:00Z", "30");
  const quiet = await makeTeam(beta.id, "Quiet", { maxBudget: null }); // no budget, no requests
  const paused = await makeTeam(beta.id, "Paused");
  await updateTeamRow(db(), paused.id, { status: "suspended" });
  const failing = await makeTeam(acme.id, "Failing", { budgetMode: "soft" });
  await updateTeamRow(db(), failing.id, { syncState: "failing", syncError: "LiteLLM answered 500" });
  await spend(failing.id, "2026-11-19T10:00:00Z", "0.0000315");
  ids = { stopped: stopped.id, near: near.id, over: over.id, quiet: quiet.id, paused: paused.id, failing: failing.id };
});

describe("team list", () => {
  it("a hard team stopped by its budget shows refused, with what it spent of what limit", async () => {
    const { rows } = await page({});
    const stopped = rows.find((r) => r.team_id === ids.stopped)!;
    expect(stopped.state).toBe("refused");
    expect(stopped.spent_this_period).toBe(25.21);
    expect(stopped.budget_limit).toBe(25);
    expect(stopped.percent_used).toBe(100.84);
    expect(stopped.remaining_budget).toBe(0);
    expect(stopped.last_request_at).toBe("2026-11-10T10:00:00.000Z");
    expect(stopped.state_reason).toContain("25.21");
  });

  it("gives every team its state", async () => {
    const { rows } = await page({});
    const stateOf = Object.fromEntries(rows.map((r) => [names([r])[0], r.state]));
    expect(stateOf).toEqual({ Stopped: "refused", Near: "near budget", Over: "over budget", Quiet: "active", Paused: "suspended", Failing: "sync failing" });
    const quiet = rows.find((r) => r.team_id === ids.quiet)!;
    expect(quiet.percent_used).toBeNull();
    expect(quiet.remaining_budget).toBeNull();
    expect(quiet.last_request_at).toBeNull();
    expect(rows.find((r) => r.team_id === ids.failing)!.spent_this_period).toBe(0.0000315);
  });

  it("filters by organization, state and mode, and searches name or id", async () => {
    expect(names((await page({ organization: acmeId })).rows).sort()).toEqual(["Failing", "Near", "Stopped"]);
    expect(names((await page({ state: "refused" })).rows)).toEqual(["Stopped"]);
    expect(names((await page({ mode: "soft" })).rows).sort()).toEqual(["Failing", "Over"]);
    expect(names((await page({ q: `near ${run}` })).rows)).toEqual(["Near"]);
    expect(names((await listTeamsForPage(admin, { q: ids.over }, NOW)).rows)).toEqual(["Over"]);
  });

  it("sorts on every column, both ways; teams without a budget or a request come last either way", async () => {
    expect(names((await page({ sort: "name" })).rows)).toEqual(["Failing", "Near", "Over", "Paused", "Quiet", "Stopped"]);
    expect(names((await page({ sort: "name", dir: "desc" })).rows)).toEqual(["Stopped", "Quiet", "Paused", "Over", "Near", "Failing"]);
    expect(names((await page({ sort: "spend", dir: "desc" })).rows).slice(0, 3)).toEqual(["Over", "Stopped", "Near"]);
    expect(names((await page({ sort: "used", dir: "desc" })).rows)).toEqual(["Over", "Stopped", "Near", "Failing", "Paused", "Quiet"]);
    expect(names((await page({ sort: "used" })).rows).at(-1)).toBe("Quiet");
    expect(names((await page({ sort: "remaining" })).rows).slice(0, 2).sort()).toEqual(["Over", "Stopped"]);
    expect(names((await page({ sort: "state", dir: "desc" })).rows)).toEqual(["Paused", "Failing", "Stopped", "Over", "Near", "Quiet"]);
    expect(names((await page({ sort: "last_request", dir: "desc" })).rows)).toEqual(["Failing", "Over", "Near", "Stopped", "Paused", "Quiet"]);
    expect(names((await page({ sort: "organization" })).rows).slice(0, 3).sort()).toEqual(["Failing", "Near", "Stopped"]);
    expect(names((await page({ sort: "mode", dir: "desc" })).rows).slice(0, 2).sort()).toEqual(["Failing", "Over"]);
  });

  it("pages through the URL; a page past the end shows the last, saying so", async () => {
    const first = await page({ per: "25" });
    expect(first.total).toBe(6);
    expect(first.pages).toBe(1);
    const past = await page({ page: "4" });
    expect(past.page).toBe(1);
    expect(past.notes).toEqual(["There is no page 4 (1 page); showing the last."]);
  });

  it("bad values fall back to the default with a note naming the value", () => {
    const { query, notes } = parseTeamListQuery(new URLSearchParams("sort=colour&dir=up&page=-2&per=7&state=happy&mode=x"));
    expect(query).toMatchObject({ sort: "name", dir: "asc", page: 1, per: 25, state: "", mode: "" });
    expect(notes).toHaveLength(6);
    expect(notes.join(" ")).toContain('Teams cannot be sorted by "colour"');
    expect(notes.join(" ")).toContain('There is no state "happy"');
  });

  it("teams.page over tRPC answers the same list, numbers as numbers", async () => {
    const caller = createCaller({ actor: admin, requestId: "test-request", clientAddress: "10.0.0.1", responseHeaders: new Headers(), idempotencyKey: null } as TrpcContext);
    // Today, not NOW: the period may have rolled over, so only what does not depend on the clock is checked.
    const list = await caller.teams.page({ q: `stopped ${run}`, mode: "hard", per: 50 });
    expect(list.rows.map((r) => r.team_id)).toEqual([ids.stopped]);
    expect(list.query.per).toBe(50);
  });

  it("refuses a customer", async () => {
    await expect(listTeamsForPage(customer, {}, NOW)).rejects.toBeInstanceOf(AppError);
  });

  it("teamState: suspended wins, then refused, then sync failing, then the budget's state", () => {
    const blocked = { state: "blocked" as const, blocked: { limit: "budget" as const, message: "", spent: 30, limit_amount: 25, resets_at: null } };
    const over = { state: "over" as const, blocked: null };
    expect(teamState({ status: "suspended" }, blocked, { state: "failing" })).toBe("suspended");
    expect(teamState({ status: "active" }, blocked, { state: "failing" })).toBe("refused");
    expect(teamState({ status: "active" }, over, { state: "failing" })).toBe("sync failing");
    expect(teamState({ status: "active" }, over, { state: "in_sync" })).toBe("over budget");
    expect(teamState({ status: "active" }, { state: "near", blocked: null }, { state: "pending" })).toBe("near budget");
    expect(teamState({ status: "active" }, null, { state: "pending" })).toBe("active");
  });
});
