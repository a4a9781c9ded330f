import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keysOfTeam } from "../../db/queries/teams.ts";
import { liteLLMDouble, masterActor } from "../../test/factories.ts";
import { rest } from "../../test/rest.ts";
import { TEST_MASTER_KEY } from "../../test/setup-db.ts";
import { startWorker, type WorkerProcess } from "../../test/worker-process.ts";
import type { SpendLogRow } from "../../test/litellm-double/types.ts";
import { hashKey } from "~/integrations/litellm/client.server";
import { db } from "~/lib/db.server";
import { AppError } from "~/lib/errors";
import { maskKey } from "~/lib/logger.server";
import { money, moneyNumber } from "~/lib/money";
import type { TrpcContext } from "~/trpc/init";
import { createCaller } from "~/trpc/router";
import type { Actor } from "~/auth/actor";
import { createModelGroup } from "./model-groups.server.ts";
import { createOrganization } from "./organizations.server.ts";
import { createTeam as createTeamNow } from "./teams.server.ts";
import { ingestUsage } from "./usage-ingestion.server.ts";
import { insertOrganization } from "../../db/queries/organizations.ts";
import { insertTeam } from "../../db/queries/teams.ts";
import { insertUsageRows } from "../../db/queries/usage.ts";
import type { CustomerActor } from "~/auth/actor";
import {
  exportUsageCsv,
  getOrganizationDashboard,
  getOrganizationUsage,
  getOverview,
  getRecentRequests,
  getTeamDailyUsage,
  getTeamDashboard,
  getTeamUsage,
  getTeamUsageByEndUser,
  getTeamUsageByKey,
  getUsageDashboard,
} from "./usage/index.server.ts";

/** Under a loaded CI machine the worker can take more than the API's few seconds: tests wait longer for the key. */
const createTeam = (actor: Parameters<typeof createTeamNow>[0], input: Parameters<typeof createTeamNow>[1], options: Parameters<typeof createTeamNow>[2] = {}) =>
  createTeamNow(actor, input, { waitMs: 20_000, ...options });

/**
 * The usage API: the seed's Step 4 (INTEGRATION_FLOW.md) end to end, with the real worker
 * provisioning and requests made through the LiteLLM double with the team's own key; then exact
 * totals over any window, the breakdowns, and who may read them.
 */

const asAdmin = { "X-Admin-Key": TEST_MASTER_KEY };
const admin: Actor = { ...masterActor, via: "rest" };
const viewer: Actor = { userId: "viewer-1", name: "Viewer", email: "viewer@example.com", role: "viewer", via: "trpc" };
const run = () => Math.random().toString(36).slice(2, 8);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

async function chat(key: string, model: string, extra: Record<string, unknown> = {}) {
  const response = await fetch(`${liteLLMDouble().url}/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "Hello, world!" }], ...extra }),
  });
  await response.text();
  return response.status;
}

/** Exact sum of LiteLLM's spend numbers (to our 10 decimals). */
const exactSum = (logs: SpendLogRow[]) => moneyNumber(logs.reduce((sum, l) => sum + money(l.spend), 0n));
const cents = (n: number) => Math.round(n * 100);
const teamLogs = (teamId: string) => liteLLMDouble().state.spendLogs().filter((l) => l.team_id === teamId);

describe("the seed's Step 4: usage through the REST API", () => {
  let worker: WorkerProcess;
  let orgId: string;
  let basic: string;
  let premium: string;

  beforeAll(async () => {
    worker = await startWorker();
    const org = await createOrganization(admin, { name: `Usage Corp ${run()}`, litellm_organization_id: `usage-${run()}` });
    orgId = org.organization_id;
    basic = (await createModelGroup(admin, { name: `basic-${run()}`, models: ["gpt-3.5-turbo"] })).name;
    premium = (await createModelGroup(admin, { name: `premium-${run()}`, models: ["gpt-4-turbo"] })).name;
  });
  afterAll(async () => {
    expect(await worker.stop()).toBe(0);
  });

  it("GET /api/teams/{team_id}/usage matches LiteLLM's spend logs to the cent", async () => {
    const team = await createTeam(admin, {
      name: "Acme Dev Team",
      organization_id: orgId,
      model_groups: [basic, premium],
      max_budget: 100.0,
      budget_duration: "30d",
      rpm_limit: 100,
      tpm_limit: 50000,
    });
    const key = team.virtual_key!;
    for (let i = 0; i < 5; i++) expect(await chat(key, "gpt-3.5-turbo", { max_tokens: 40 + i })).toBe(200);
    for (let i = 0; i < 3; i++) expect(await chat(key, "gpt-4-turbo", { max_tokens: 200 })).toBe(200);
    expect(await chat(key, "gpt-4-turbo", { mock_response: "litellm.RateLimitError" })).toBe(429);

    // LiteLLM writes spend in batches: nothing to see until it has.
    await liteLLMDouble().flush();
    await ingestUsage();

    const res = await rest("GET", `/api/teams/${team.team_id}/usage`, { headers: asAdmin });
    expect(res.status).toBe(200);
    const logs = teamLogs(team.team_id);
    expect(logs).toHaveLength(9);
    const total = exactSum(logs);
    expect(total).toBeGreaterThan(0);

    // The seed's shape, exactly these names.
    expect(Object.keys(res.body)).toEqual(expect.arrayContaining(["team_id", "total_spend", "remaining_budget", "request_count", "models_used"]));
    expect(res.body.team_id).toBe(team.team_id);
    expect(cents(res.body.total_spend)).toBe(cents(logs.reduce((s, l) => s + l.spend, 0)));
    expect(res.body.total_spend).toBeCloseTo(total, 10);
    expect(res.body.request_count).toBe(9);
    expect(res.body.failed_requests).toBe(1);
    expect(res.body.remaining_budget).toBeCloseTo(100 - total, 8);
    expect(Object.keys(res.body.models_used).sort()).toEqual(["gpt-3.5-turbo", "gpt-4-turbo"]);
    for (const group of ["gpt-3.5-turbo", "gpt-4-turbo"]) {
      const ofGroup = logs.filter((l) => l.model_group === group);
      expect(res.body.models_used[group]).toMatchObject({ requests: ofGroup.length });
      expect(res.body.models_used[group].cost).toBeCloseTo(exactSum(ofGroup), 10);
      expect(res.body.models_used[group].prompt_tokens).toBe(ofGroup.reduce((s, l) => s + l.prompt_tokens, 0));
    }
    expect(res.body.models_used["gpt-4-turbo"]).toMatchObject({ failed_requests: 1, error_rate: 0.25 });
    expect(res.body.models_used["gpt-4-turbo"].avg_latency_ms).toBeGreaterThanOrEqual(1);
    // The default window is the team's current budget period, up to now.
    expect(res.body.from).toBe(res.body.period.start);
    expect(new Date(res.body.period.start).getTime()).toBeLessThanOrEqual(Date.now());
    expect(res.body.ingested_until).not.toBeNull();

    // Reading again after another ingestion changes nothing.
    await ingestUsage();
    const again = await rest("GET", `/api/teams/${team.team_id}/usage?from=${encodeURIComponent(res.body.from)}&to=${encodeURIComponent(res.body.to)}`, { headers: asAdmin });
    expect(again.body.total_spend).toBe(res.body.total_spend);
    expect(again.body.models_used).toEqual(res.body.models_used);
  });

  it("GET /api/organizations/{organization_id}/usage sums the organization's teams", async () => {
    const org = await createOrganization(admin, { name: `Two Teams ${run()}`, litellm_organization_id: `two-${run()}` });
    const a = await createTeam(admin, { name: "Alpha", organization_id: org.organization_id, model_groups: [basic], max_budget: 50, budget_duration: "30d" });
    const b = await createTeam(admin, { name: "Beta", organization_id: org.organization_id, model_groups: [basic, premium], max_budget: 20 });
    for (let i = 0; i < 3; i++) expect(await chat(a.virtual_key!, "gpt-3.5-turbo")).toBe(200);
    for (let i = 0; i < 2; i++) expect(await chat(b.virtual_key!, "gpt-4-turbo", { max_tokens: 100 })).toBe(200);
    await liteLLMDouble().flush();
    await ingestUsage();

    const res = await rest("GET", `/api/organizations/${org.organization_id}/usage`, { headers: asAdmin });
    expect(res.status).toBe(200);
    const logsA = teamLogs(a.team_id);
    const logsB = teamLogs(b.team_id);
    expect(res.body).toMatchObject({ organization_id: org.organization_id, request_count: 5 });
    expect(res.body.total_spend).toBeCloseTo(exactSum([...logsA, ...logsB]), 10);
    expect(res.body.models_used["gpt-3.5-turbo"].requests).toBe(3);
    expect(res.body.models_used["gpt-4-turbo"].requests).toBe(2);
    expect(res.body.remaining_budget).toBeCloseTo(70 - exactSum([...logsA, ...logsB]), 8);
    const byId = Object.fromEntries(res.body.teams.map((t: { team_id: string }) => [t.team_id, t]));
    expect(byId[a.team_id]).toMatchObject({ name: "Alpha", request_count: 3 });
    expect(byId[a.team_id].total_spend).toBeCloseTo(exactSum(logsA), 10);
    expect(byId[b.team_id]).toMatchObject({ name: "Beta", request_count: 2 });
    expect(byId[b.team_id].total_spend).toBeCloseTo(exactSum(logsB), 10);
  });
});

describe("usage over any window, and its breakdowns", () => {
  const now = new Date();
  let teamId: string;
  let orgId: string;
  let liveHash: string;
  let liveKeyMasked: string;
  const otherHash = hashKey("sk-not-one-of-ours-0000000");

  beforeAll(async () => {
    const org = await createOrganization(admin, { name: `Windows ${run()}`, litellm_organization_id: `windows-${run()}` });
    orgId = org.organization_id;
    const group = (await createModelGroup(admin, { name: `both-${run()}`, models: ["gpt-3.5-turbo", "gpt-4-turbo"] })).name;
    // No worker here: the team's key stays pending, which is enough to label its usage.
    const team = await createTeam(admin, { name: "Windows Team", organization_id: orgId, model_groups: [group], max_budget: 500, budget_duration: "30d" }, { waitMs: 0 });
    teamId = team.team_id;
    const [key] = await keysOfTeam(db(), teamId);
    liveHash = key.keyHash;
    const { decryptSecret } = await import("~/lib/crypto.server");
    liveKeyMasked = maskKey(decryptSecret(key.keyEncrypted));

    const double = liteLLMDouble();
    double.seedSpendLogs({ count: 4000, teamIds: [teamId], keyHashes: [liveHash, otherHash], from: new Date(now.getTime() - 3 * DAY), to: new Date(now.getTime() - HOUR), models: ["gpt-3.5-turbo", "gpt-4-turbo"] });
    const at = (msAgo: number) => new Date(now.getTime() - msAgo).toISOString();
    double.seedSpendLogs([
      { request_id: `eu-${teamId}-1`, team_id: teamId, api_key: liveHash, model_group: "gpt-4-turbo", spend: 0.5, prompt_tokens: 10, completion_tokens: 5, end_user: "customer-1", startTime: at(30 * 60_000), endTime: at(30 * 60_000 - 800) },
      { request_id: `eu-${teamId}-2`, team_id: teamId, api_key: liveHash, model_group: "gpt-4-turbo", spend: 0.25, prompt_tokens: 10, completion_tokens: 5, end_user: "customer-1", startTime: at(20 * 60_000), endTime: at(20 * 60_000 - 400) },
      { request_id: `eu-${teamId}-3`, team_id: teamId, api_key: otherHash, model_group: "gpt-3.5-turbo", spend: 0, prompt_tokens: 3, end_user: "customer-2", status: "failure", startTime: at(10 * 60_000), endTime: at(10 * 60_000 - 100) },
    ]);

    // Read all three days: the first run only looks 24 hours back, so walk the window forward.
    await db().execute(sql`truncate ingestion_state`);
    await ingestUsage(new Date(now.getTime() - 2 * DAY));
    await ingestUsage(new Date(now.getTime() - DAY));
    await ingestUsage(now);
  });

  const logsIn = (from: Date, to: Date) => teamLogs(teamId).filter((l) => Date.parse(l.startTime) >= from.getTime() && Date.parse(l.startTime) < to.getTime());

  it("totals are exact for windows that start and end mid-hour, across days", async () => {
    const windows: Array<[Date, Date]> = [
      [new Date(now.getTime() - 3 * DAY + 17 * 60_000), new Date(now.getTime() - 2 * HOUR + 7 * 60_000)], // days, hours and minutes
      [new Date(now.getTime() - 5 * HOUR + 3 * 60_000), new Date(now.getTime() - 5 * HOUR + 41 * 60_000)], // inside one hour
      [new Date(now.getTime() - 30 * HOUR - 13 * 60_000), new Date(now.getTime() - 20 * HOUR + 1000)], // hours across midnight
      [new Date(now.getTime() - 4 * DAY), now], // everything
    ];
    for (const [from, to] of windows) {
      const usage = await getTeamUsage(viewer, { team_id: teamId, from: from.toISOString(), to: to.toISOString() }, now);
      const logs = logsIn(from, to);
      expect(usage.request_count).toBe(logs.length);
      expect(usage.total_spend).toBeCloseTo(exactSum(logs), 9);
      expect(usage.prompt_tokens).toBe(logs.reduce((s, l) => s + l.prompt_tokens, 0));
      for (const [group, m] of Object.entries(usage.models_used)) {
        const ofGroup = logs.filter((l) => l.model_group === group);
        expect(m.requests).toBe(ofGroup.length);
        expect(m.cost).toBeCloseTo(exactSum(ofGroup), 9);
      }
    }
  });

  it("the period's spend and remaining budget count every request since a period start mid-hour, exactly", async () => {
    // Move the open period's start to an arbitrary second 2½ days back: the budget then reads raw
    // rows up to the next hour, hourly rollups up to the next day, and daily rollups after that.
    const periodStart = new Date(now.getTime() - 2 * DAY - 11 * HOUR - 17 * 60_000 - 23_456);
    await db().execute(sql`update budget_periods set starts_at = ${periodStart.toISOString()}::timestamptz where team_id = ${teamId} and closed_at is null`);
    const since = teamLogs(teamId).filter((l) => Date.parse(l.startTime) >= periodStart.getTime());
    expect(since.length).toBeGreaterThan(0);
    expect(since.length).toBeLessThan(teamLogs(teamId).length);
    const usage = await getTeamUsage(viewer, { team_id: teamId }, now);
    expect(usage.from).toBe(periodStart.toISOString());
    expect(usage.request_count).toBe(since.length);
    expect(usage.total_spend).toBe(exactSum(since));
    expect(usage.remaining_budget).toBe(moneyNumber(money("500") - since.reduce((sum, l) => sum + money(l.spend), 0n)));
  });

  it("takes ISO dates: `to` includes that whole day", async () => {
    const day = (msAgo: number) => new Date(now.getTime() - msAgo).toISOString().slice(0, 10);
    const res = await rest("GET", `/api/teams/${teamId}/usage?from=${day(2 * DAY)}&to=${day(DAY)}`, { headers: asAdmin });
    expect(res.status).toBe(200);
    const from = new Date(`${day(2 * DAY)}T00:00:00Z`);
    const to = new Date(from.getTime() + 2 * DAY);
    expect(res.body).toMatchObject({ from: from.toISOString(), to: to.toISOString(), request_count: logsIn(from, to).length });
    expect(res.body.total_spend).toBeCloseTo(exactSum(logsIn(from, to)), 9);
  });

  it("refuses a malformed or empty window, and unknown teams and organizations", async () => {
    const bad = await rest("GET", `/api/teams/${teamId}/usage?from=yesterday`, { headers: asAdmin });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fieldErrors.from[0]).toMatch(/ISO date/);
    const reversed = await rest("GET", `/api/teams/${teamId}/usage?from=2026-02-01&to=2026-01-01`, { headers: asAdmin });
    expect(reversed.status).toBe(400);
    expect(reversed.body.error.message).toMatch(/must be before/);
    expect((await rest("GET", "/api/teams/team-nope/usage", { headers: asAdmin })).status).toBe(404);
    expect((await rest("GET", "/api/organizations/org-nope/usage", { headers: asAdmin })).status).toBe(404);
    expect((await rest("GET", `/api/teams/${teamId}/usage`)).status).toBe(401);
  });

  describe("tRPC usage.* (viewers may read)", () => {
    const caller = () => createCaller({ actor: viewer, requestId: "test-request", clientAddress: "10.0.0.1", responseHeaders: new Headers(), idempotencyKey: null } as TrpcContext);
    const from = new Date(now.getTime() - 4 * DAY);

    it("usage.teamDaily: by UTC day and model group, from the daily rollup", async () => {
      const daily = await caller().usage.teamDaily({ team_id: teamId, from: from.toISOString() });
      const logs = logsIn(new Date(`${from.toISOString().slice(0, 10)}T00:00:00Z`), new Date(now.getTime() + 1));
      expect(daily.days.reduce((s, d) => s + d.requests, 0)).toBe(logs.length);
      for (const d of daily.days) {
        const ofDay = logs.filter((l) => l.startTime.slice(0, 10) === d.day && l.model_group === d.model_group);
        expect(d.requests).toBe(ofDay.length);
        expect(d.spend).toBeCloseTo(exactSum(ofDay), 9);
        expect(d.avg_latency_ms).toBeGreaterThan(0);
      }
    });

    it("usage.teamByKey: by key hash, with our keys shown masked", async () => {
      const byKey = await caller().usage.teamByKey({ team_id: teamId, from: from.toISOString() });
      expect(byKey.keys.map((k) => k.key_hash).sort()).toEqual([liveHash, otherHash].sort());
      const ours = byKey.keys.find((k) => k.key_hash === liveHash)!;
      expect(ours).toMatchObject({ key_masked: liveKeyMasked, key_status: "pending" });
      expect(ours.requests).toBe(teamLogs(teamId).filter((l) => l.api_key === liveHash).length);
      expect(ours.spend).toBeCloseTo(exactSum(teamLogs(teamId).filter((l) => l.api_key === liveHash)), 9);
      expect(byKey.keys.find((k) => k.key_hash === otherHash)).toMatchObject({ key_masked: null, key_status: null, failed_requests: 1 });
    });

    it("usage.teamByEndUser: by the end user the application sent, with error rates", async () => {
      const byUser = await caller().usage.teamByEndUser({ team_id: teamId, from: new Date(now.getTime() - HOUR).toISOString() });
      expect(byUser.end_users).toEqual([
        expect.objectContaining({ end_user: "customer-1", requests: 2, spend: 0.75, failed_requests: 0, error_rate: 0, avg_latency_ms: 600 }),
        expect.objectContaining({ end_user: "customer-2", requests: 1, spend: 0, failed_requests: 1, error_rate: 1 }),
      ]);
    });

    it("usage.recentRequests: the latest requests, newest first", async () => {
      const recent = await caller().usage.recentRequests({ team_id: teamId, limit: 3 });
      expect(recent.requests.map((r) => r.request_id)).toEqual([`eu-${teamId}-3`, `eu-${teamId}-2`, `eu-${teamId}-1`]);
      expect(recent.requests[1]).toMatchObject({ model_group: "gpt-4-turbo", spend: 0.25, latency_ms: 400, end_user: "customer-1", key_hash: liveHash, key_masked: liveKeyMasked, status: "success" });
      const older = await caller().usage.recentRequests({ team_id: teamId, limit: 2, before: recent.requests[2].start_time });
      expect(older.requests).toHaveLength(2);
      expect(older.requests.every((r) => r.start_time < recent.requests[2].start_time)).toBe(true);
    });

    it("usage.team and usage.organization answer viewers too", async () => {
      const team = await caller().usage.team({ team_id: teamId, from: from.toISOString() });
      expect(team.request_count).toBe(teamLogs(teamId).length);
      const org = await caller().usage.organization({ organization_id: orgId, from: from.toISOString() });
      expect(org.total_spend).toBe(team.total_spend);
      expect(org.teams).toEqual([expect.objectContaining({ team_id: teamId, request_count: team.request_count })]);
    });
  });

  it("service errors are AppErrors users can act on", async () => {
    const error = await getTeamUsage(viewer, { team_id: "" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).fieldErrors?.team_id).toBeDefined();
  });
});

describe("who reads a team's usage", () => {
  const customerOf = (teamId: string): CustomerActor => ({ kind: "customer", teamId, userId: `portal:${teamId}`, name: "Customer", via: "web" });

  async function teamWithUsage(orgId: string) {
    const team = (await insertTeam(db(), { id: `team-${run()}${run()}`, name: `Access Team ${run()}`, organizationId: orgId, maxBudget: "100", budgetDuration: "30d" }))!;
    await insertUsageRows(db(), [
      {
        request_id: `req-${run()}${run()}`,
        team_id: team.id,
        key_hash: "hash-of-key",
        model_group: "gpt-4",
        model: "openai/gpt-4",
        prompt_tokens: 10,
        completion_tokens: 5,
        total_tokens: 15,
        start_time: new Date(Date.now() - HOUR).toISOString(),
        end_time: null,
        latency_ms: 100,
        status: "success",
        end_user: "u-1",
        metadata: null,
        spend: "0.25",
      },
    ]);
    return team;
  }

  const teamReads = {
    getTeamUsage: (actor: Actor, id: string) => getTeamUsage(actor, { team_id: id, from: new Date(Date.now() - DAY).toISOString() }),
    getTeamDailyUsage: (actor: Actor, id: string) => getTeamDailyUsage(actor, { team_id: id, from: new Date(Date.now() - DAY).toISOString() }),
    getTeamUsageByKey: (actor: Actor, id: string) => getTeamUsageByKey(actor, { team_id: id, from: new Date(Date.now() - DAY).toISOString() }),
    getTeamUsageByEndUser: (actor: Actor, id: string) => getTeamUsageByEndUser(actor, { team_id: id, from: new Date(Date.now() - DAY).toISOString() }),
    getRecentRequests: (actor: Actor, id: string) => getRecentRequests(actor, { team_id: id }),
    getTeamDashboard: (actor: Actor, id: string) => getTeamDashboard(actor, { team_id: id }),
    exportUsageCsv: (actor: Actor, id: string) => exportUsageCsv(actor, { scope: "team", id, table: "models" }),
  };

  it("another team's customer gets the answer of a missing team from every team read; its own team's customer reads it", async () => {
    const org = (await insertOrganization(db(), { id: `org-${run()}${run()}`, name: `Access Org ${run()}`, litellmOrganizationId: `acc-${run()}` }))!;
    const mine = await teamWithUsage(org.id);
    const theirs = await teamWithUsage(org.id);
    for (const [name, read] of Object.entries(teamReads)) {
      const error = await read(customerOf(mine.id), theirs.id).catch((e: unknown) => e);
      expect(error, name).toBeInstanceOf(AppError);
      expect((error as AppError).code, name).toBe("NOT_FOUND");
      expect((error as AppError).userMessage, name).toBe(`No team has the id ${theirs.id}.`);
      const missing = await read(customerOf(mine.id), "team-nope").catch((e: unknown) => e);
      expect((missing as AppError).userMessage, name).toBe("No team has the id team-nope.");
      await expect(read(customerOf(mine.id), mine.id), name).resolves.toBeDefined();
    }
    const usage = await getTeamUsage(customerOf(mine.id), { team_id: mine.id, from: new Date(Date.now() - DAY).toISOString() });
    expect(usage).toMatchObject({ team_id: mine.id, total_spend: 0.25, request_count: 1 });
  });

  it("a customer reads no organization, installation-wide page or overview", async () => {
    const org = (await insertOrganization(db(), { id: `org-${run()}${run()}`, name: `Access Org ${run()}`, litellmOrganizationId: `acc-${run()}` }))!;
    const mine = await teamWithUsage(org.id);
    const customer = customerOf(mine.id);
    for (const read of [
      getOrganizationUsage(customer, { organization_id: org.id }),
      getOrganizationDashboard(customer, { organization_id: org.id }),
      getUsageDashboard(customer, {}),
      getOverview(customer),
      exportUsageCsv(customer, { scope: "organization", id: org.id, table: "teams" }),
      exportUsageCsv(customer, { scope: "all", table: "teams" }),
    ]) {
      const error = await read.catch((e: unknown) => e);
      expect((error as AppError).code).toBe("FORBIDDEN");
    }
  });
});
