import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { insertModelGroup } from "../../db/queries/model-groups.ts";
import { insertOrganization } from "../../db/queries/organizations.ts";
import { insertTeam, setTeamModelGroups, updateTeamRow } from "../../db/queries/teams.ts";
import { insertUsageRows, type UsageRowInput } from "../../db/queries/usage.ts";
import { latencyPercentiles } from "../../db/queries/dashboards.ts";
import { masterActor } from "../../test/factories.ts";
import { rangeFromSearch } from "~/components/date-range";
import { db } from "~/lib/db.server";
import { AppError } from "~/lib/errors";
import { money, moneyString } from "~/lib/money";
import type { Actor } from "~/auth/actor";
import { ensurePeriod } from "./budget.server.ts";
import { evaluateTeamAlerts } from "./alerts.server.ts";
import { addCredits } from "./credits.server.ts";
import { exportUsageCsv, getOrganizationDashboard, getOverview, getRecentRequests, getTeamDashboard, getUsageDashboard, REQUESTS_PAGE_SIZE, type CsvExport } from "./usage/index.server.ts";

/**
 * The admin dashboards read what ingestion wrote: usage rows go in through the same statement
 * ingestion uses (rollups included), then every figure is checked against the rows themselves,
 * to the last of the ten decimals.
 */

const admin: Actor = { ...masterActor, via: "web" };
const viewer: Actor = { userId: "viewer-dash", name: "Viewer", email: "viewer@example.com", role: "viewer", via: "web" };
const run = () => Math.random().toString(36).slice(2, 8);
const NOW = new Date("2026-11-20T15:30:00Z");

async function makeOrg(name = `Dash Org ${run()}`) {
  return insertOrganization(db(), { id: randomUUID(), name, litellmOrganizationId: `dash-${run()}` });
}

async function makeTeam(orgId: string, values: { name?: string; maxBudget?: string | null } = {}) {
  const group = (await insertModelGroup(db(), { id: randomUUID(), name: `dash-models-${run()}`, models: ["gpt-4"], verification: "verified" }))!;
  const team = await insertTeam(db(), {
    id: `team-${randomUUID()}`,
    name: values.name ?? `Dash Team ${run()}`,
    organizationId: orgId,
    maxBudget: values.maxBudget === undefined ? "100" : values.maxBudget,
    budgetDuration: "30d",
    // Budget periods start on the 1st of November, so the default window is 2026-11-01 → NOW.
    budgetStartsAt: new Date("2026-11-01T00:00:00Z"),
  });
  await setTeamModelGroups(db(), team.id, [group.id]);
  return team;
}

type Req = Partial<UsageRowInput> & { at: string; spend: string };
async function usage(teamId: string, rows: Req[]) {
  await insertUsageRows(
    db(),
    rows.map((r) => ({
      request_id: `req-${randomUUID()}`,
      team_id: teamId,
      key_hash: "hash-of-key",
      model_group: "gpt-4",
      model: "openai/gpt-4",
      prompt_tokens: 10,
      completion_tokens: 5,
      total_tokens: 15,
      start_time: r.at,
      end_time: r.at,
      latency_ms: 100,
      status: "success" as const,
      end_user: null,
      metadata: null,
      ...r,
    })),
  );
}

/** A CSV export's text, whole or streamed (the requests table streams). */
const text = async (csv: CsvExport) => (typeof csv.body === "string" ? csv.body : new Response(csv.body).text());

const exact = (values: string[]) => moneyString(values.reduce((sum, v) => sum + money(v), 0n));

async function refused(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe("a team's dashboard", () => {
  it("sums spend, requests, errors and latency exactly, by day and by model, over the budget period by default", async () => {
    const org = await makeOrg();
    const team = await makeTeam(org.id);
    await usage(team.id, [
      { at: "2026-11-02T10:00:00Z", spend: "0.1234567891", latency_ms: 100 },
      { at: "2026-11-02T23:59:59Z", spend: "0.0000000001", latency_ms: 200, model_group: "gpt-3.5-turbo" },
      { at: "2026-11-05T08:00:00Z", spend: "1.5", latency_ms: 300, status: "failure" },
      { at: "2026-11-20T15:00:00Z", spend: "2.25", latency_ms: 400 },
      // Before the period and after NOW: outside the default window.
      { at: "2026-10-31T23:00:00Z", spend: "9" },
      { at: "2026-11-20T15:45:00Z", spend: "7" },
    ]);

    const d = await getTeamDashboard(viewer, { team_id: team.id }, NOW);
    expect(d.window).toMatchObject({ from: "2026-11-01T00:00:00.000Z", to: NOW.toISOString(), from_day: "2026-11-01", to_day: "2026-11-20", is_default: true, error: null });
    expect(d.totals).toMatchObject({ spend: 3.8734567892, requests: 4, failed_requests: 1, error_rate: 0.25, total_tokens: 60, avg_latency_ms: 250 });
    // 20 days, every one present; the days add up to the total exactly.
    expect(d.days).toHaveLength(20);
    expect(d.days.find((x) => x.day === "2026-11-02")).toMatchObject({ spend: 0.1234567892, requests: 2 });
    expect(d.days.find((x) => x.day === "2026-11-03")).toMatchObject({ spend: 0, requests: 0 });
    // The last day is cut at NOW: the 15:45 request is not in it.
    expect(d.days.at(-1)).toMatchObject({ day: "2026-11-20", spend: 2.25, requests: 1 });
    expect(d.models.map((m) => [m.model, m.spend, m.requests, m.failed_requests])).toEqual([
      ["gpt-4", 3.8734567891, 3, 1],
      ["gpt-3.5-turbo", 0.0000000001, 1, 0],
    ]);
    // percentile_cont over 100, 200, 300, 400 ms.
    expect(d.latency).toMatchObject({ p50_ms: 250, p95_ms: 385, sampled: 4, capped: false });
    expect(d.requests.rows.map((r) => r.cost)).toEqual([2.25, 1.5, 0.0000000001, 0.1234567891]);
    expect(d.requests).toMatchObject({ older: null, newer: null });
    expect(d.budget).toMatchObject({ allowance: 100, period: { start: d.window.from } });
  });

  it("reads any date range, makes partial days exact, and pages through the requests", async () => {
    const org = await makeOrg();
    const team = await makeTeam(org.id);
    const rows: Req[] = Array.from({ length: REQUESTS_PAGE_SIZE + 3 }, (_, i) => ({
      at: new Date(Date.parse("2026-11-10T12:00:00Z") + i * 60_000).toISOString(),
      spend: "0.01",
      end_user: `user-${i}`,
    }));
    await usage(team.id, [...rows, { at: "2026-11-10T08:00:00Z", spend: "5" }]);

    const first = await getTeamDashboard(admin, { team_id: team.id, from: "2026-11-10T10:00:00Z", to: "2026-11-10" }, NOW);
    expect(first.window).toMatchObject({ from: "2026-11-10T10:00:00.000Z", to: "2026-11-11T00:00:00.000Z", is_default: false });
    expect(first.totals).toMatchObject({ spend: 0.28, requests: REQUESTS_PAGE_SIZE + 3 });
    expect(first.days).toEqual([expect.objectContaining({ day: "2026-11-10", spend: 0.28, requests: REQUESTS_PAGE_SIZE + 3 })]);
    expect(first.requests.rows).toHaveLength(REQUESTS_PAGE_SIZE);
    expect(first.requests.rows[0]!.end_user).toBe(`user-${REQUESTS_PAGE_SIZE + 2}`);
    expect(first.requests.newer).toBeNull();
    expect(first.requests.older).toEqual(expect.any(String));

    const second = await getTeamDashboard(admin, { team_id: team.id, from: "2026-11-10T10:00:00Z", to: "2026-11-10", requests_before: first.requests.older! }, NOW);
    expect(second.requests.rows.map((r) => r.end_user)).toEqual(["user-2", "user-1", "user-0"]);
    expect(second.requests.older).toBeNull();
    // "Newer" from the second page is the first page again.
    const back = await getTeamDashboard(admin, { team_id: team.id, from: "2026-11-10T10:00:00Z", to: "2026-11-10", requests_after: second.requests.newer! }, NOW);
    expect(back.requests.rows.map((r) => r.request_id)).toEqual(first.requests.rows.map((r) => r.request_id));
    expect(back.requests.newer).toBeNull();
    // A cursor that is not one of ours shows the newest page.
    const forged = await getTeamDashboard(admin, { team_id: team.id, from: "2026-11-10T10:00:00Z", to: "2026-11-10", requests_before: "not a cursor!" }, NOW);
    expect(forged.requests.rows[0]!.request_id).toBe(first.requests.rows[0]!.request_id);

    const whole = await getTeamDashboard(admin, { team_id: team.id, from: "2026-11-10", to: "2026-11-10" }, NOW);
    expect(whole.totals.spend).toBe(5.28);
  });

  it("pages 30 requests of the same millisecond 25 at a time: all 30, none twice (keyset on start time and request id)", async () => {
    const org = await makeOrg();
    const team = await makeTeam(org.id);
    // Microseconds apart within one millisecond, and exactly equal: a cursor on milliseconds alone would skip or repeat rows.
    await usage(
      team.id,
      Array.from({ length: 30 }, (_, i) => ({ at: i < 10 ? "2026-11-12T09:00:00.123Z" : `2026-11-12T09:00:00.123${String(i).padStart(3, "0")}Z`, spend: "0.01" })),
    );
    const range = { team_id: team.id, from: "2026-11-12", to: "2026-11-12" };
    const first = await getTeamDashboard(admin, range, NOW);
    expect(first.requests.rows).toHaveLength(25);
    const second = await getTeamDashboard(admin, { ...range, requests_before: first.requests.older! }, NOW);
    expect(second.requests.rows).toHaveLength(5);
    expect(second.requests.older).toBeNull();
    const ids = [...first.requests.rows, ...second.requests.rows].map((r) => r.request_id);
    expect(new Set(ids).size).toBe(30);
    const csv = await text(await exportUsageCsv(admin, { scope: "team", id: team.id, table: "requests", ...range }, NOW));
    expect(new Set(csv.trim().split("\r\n").slice(1).map((line) => line.split(",")[1])).size).toBe(30);
  });

  it("GET /api/teams/{team_id}/usage/recent pages the same 30 same-millisecond requests by next_cursor: all 30, none twice", async () => {
    const org = await makeOrg();
    const team = await makeTeam(org.id);
    await usage(
      team.id,
      Array.from({ length: 30 }, (_, i) => ({ at: i < 10 ? "2026-11-12T09:00:00.123Z" : `2026-11-12T09:00:00.123${String(i).padStart(3, "0")}Z`, spend: "0.01" })),
    );
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await getRecentRequests(admin, { team_id: team.id, limit: 7, ...(cursor ? { cursor } : {}) });
      seen.push(...page.requests.map((r) => r.request_id));
      cursor = page.next_cursor ?? undefined;
      pages += 1;
    } while (cursor && pages < 10);
    expect(pages).toBe(5);
    expect(seen).toHaveLength(30);
    expect(new Set(seen).size).toBe(30);
    // Paging by time alone (before = the last row's start time) skips the rows that share it.
    const first = await getRecentRequests(admin, { team_id: team.id, limit: 7 });
    const byTime = await getRecentRequests(admin, { team_id: team.id, limit: 30, before: first.requests.at(-1)!.start_time });
    expect(first.requests.length + byTime.requests.length).toBeLessThan(30);
    // A cursor that is not one of ours is refused, naming the field.
    const bad = await refused(getRecentRequests(admin, { team_id: team.id, cursor: "not-a-cursor!" }));
    expect(bad).toMatchObject({ code: "BAD_REQUEST", fieldErrors: { cursor: ["Not a cursor"] } });
  });

  it("takes latency percentiles from a sample spread over the window when it holds more requests than the sample", async () => {
    const org = await makeOrg();
    const team = await makeTeam(org.id);
    // 200 requests over 4 days, latency 1..200 ms in time order.
    await usage(
      team.id,
      Array.from({ length: 200 }, (_, i) => ({ at: new Date(Date.parse("2026-11-06T00:00:00Z") + i * 1_728_000).toISOString(), spend: "0.001", latency_ms: i + 1 })),
    );
    const window = { teamIds: [team.id], from: new Date("2026-11-06T00:00:00Z"), to: new Date("2026-11-10T00:00:00Z") };
    expect(await latencyPercentiles(db(), { ...window, sample: 1000 })).toEqual({ p50: 100.5, p95: expect.closeTo(190.05, 6), sampled: 200 });
    const sampled = await latencyPercentiles(db(), { ...window, sample: 40, slices: 4 });
    // 10 of each quarter (its latest): the sample covers the whole window, not just its end.
    expect(sampled.sampled).toBe(40);
    expect(sampled.p50).toBeGreaterThan(60);
    expect(sampled.p50).toBeLessThan(140);
    const d = await getTeamDashboard(admin, { team_id: team.id, from: "2026-11-06", to: "2026-11-09" }, NOW);
    expect(d.latency).toMatchObject({ p50_ms: 101, p95_ms: 190, sampled: 200, capped: false });
  });

  it("shows the default range, with the reason, when the asked-for range is wrong; refuses unknown teams", async () => {
    const org = await makeOrg();
    const team = await makeTeam(org.id);
    const reversed = await getTeamDashboard(admin, { team_id: team.id, from: "2026-11-10", to: "2026-11-01" }, NOW);
    expect(reversed.window.is_default).toBe(true);
    expect(reversed.window.error).toMatch(/range is empty.*default range/);
    const garbage = await getTeamDashboard(admin, { team_id: team.id, from: "yesterday" }, NOW);
    expect(garbage.window.error).toMatch(/from must be a date/);
    expect((await refused(getTeamDashboard(admin, { team_id: "team-nope" }, NOW))).code).toBe("NOT_FOUND");
  });

  it("a page's ?from=garbage reaches the check, so the page says why it shows the default range (issue 11 §8)", async () => {
    const usage = await getUsageDashboard(admin, rangeFromSearch(new URLSearchParams("from=garbage")), NOW);
    expect(usage.window.is_default).toBe(true);
    expect(usage.window.error).toMatch(/from must be a date.*default range/);
  });
});

describe("an organization's dashboard and the Usage page", () => {
  it("sum over the organization's teams, with a row per team: spend, remaining budget, status", async () => {
    const org = await makeOrg();
    const big = await makeTeam(org.id, { name: `Big ${run()}`, maxBudget: "10" });
    const small = await makeTeam(org.id, { name: `Small ${run()}`, maxBudget: null });
    const idle = await makeTeam(org.id, { name: `Idle ${run()}` });
    await updateTeamRow(db(), idle.id, { status: "suspended" });
    const other = await makeTeam((await makeOrg()).id);
    await usage(big.id, [
      { at: "2026-11-03T10:00:00Z", spend: "4.1" },
      { at: "2026-11-04T10:00:00Z", spend: "4.3", model_group: "claude" },
    ]);
    await usage(small.id, [{ at: "2026-11-04T11:00:00Z", spend: "0.0000000003", status: "failure" }]);
    await usage(other.id, [{ at: "2026-11-04T11:00:00Z", spend: "50" }]);

    const o = await getOrganizationDashboard(viewer, { organization_id: org.id }, NOW);
    expect(o.window).toMatchObject({ from: "2026-11-01T00:00:00.000Z", is_default: true });
    expect(o.totals).toMatchObject({ spend: 8.4000000003, requests: 3, failed_requests: 1 });
    expect(o.days.reduce((n, d) => n + d.requests, 0)).toBe(3);
    expect(o.models.map((m) => m.model)).toEqual(["claude", "gpt-4"]);
    expect(o.teams.map((t) => [t.name, t.spend, t.status, t.state])).toEqual([
      [big.name, 8.4, "active", "near budget"],
      [small.name, 0.0000000003, "active", "active"],
      [idle.name, 0, "suspended", "suspended"],
    ]);
    expect(o.teams[0]).toMatchObject({ remaining_budget: 1.6, budget_used_percent: 84 });
    expect(o.teams[1]!.budget_used_percent).toBeNull();
    // Its requests, newest first, never another organization's.
    expect(o.requests.rows.map((r) => [r.team_name, r.cost])).toEqual([
      [small.name, 0.0000000003],
      [big.name, 4.3],
      [big.name, 4.1],
    ]);

    const all = await getUsageDashboard(viewer, { from: "2026-11-01", to: "2026-11-30" }, NOW);
    expect(all.totals.spend).toBeGreaterThanOrEqual(58.4000000003);
    expect(all.teams.find((t) => t.team_id === other.id)).toMatchObject({ spend: 50, requests: 1 });
    expect(all.teams.findIndex((t) => t.team_id === other.id)).toBeLessThan(all.teams.findIndex((t) => t.team_id === big.id));
  });
});

describe("the overview", () => {
  it("shows spend today and this month, the top teams, teams near or over budget, failing syncs and alerts", async () => {
    const org = await makeOrg();
    const near = await makeTeam(org.id, { name: `Near ${run()}`, maxBudget: "10" });
    const over = await makeTeam(org.id, { name: `Over ${run()}`, maxBudget: "1" });
    const fine = await makeTeam(org.id, { name: `Fine ${run()}`, maxBudget: "1000" });
    await usage(near.id, [{ at: "2026-11-20T09:00:00Z", spend: "8.5" }]);
    await usage(over.id, [{ at: "2026-11-19T09:00:00Z", spend: "1.2" }]);
    await usage(fine.id, [{ at: "2026-11-02T09:00:00Z", spend: "3" }]);
    await updateTeamRow(db(), fine.id, { syncState: "failing", syncError: "LiteLLM answered 500", syncAttempts: 3 });

    const before = await getOverview(viewer, NOW);
    expect(before.today.spend).toBeGreaterThanOrEqual(8.5);
    const spends = before.top_teams.map((t) => t.spend);
    expect(spends).toEqual([...spends].sort((a, b) => b - a));
    expect(before.top_teams.length).toBeLessThanOrEqual(5);
    expect(before.top_teams).toContainEqual(expect.objectContaining({ team_id: near.id, spend: 8.5, requests: 1, organization_name: org.name }));
    const watch = (o: typeof before) => o.budget_watch.filter((w) => [near.id, over.id, fine.id].includes(w.team_id)).map((w) => [w.team_id, w.state, w.percent_used]);
    // The same state and percent as the team's budget (1.20 of 1.00 is 120 %, and LiteLLM refuses it).
    expect(watch(before)).toEqual([
      [over.id, "refused", 120],
      [near.id, "near budget", 85],
    ]);
    expect(before.failing_sync).toEqual([expect.objectContaining({ team_id: fine.id, error: "LiteLLM answered 500", attempts: 3 })]);

    // Its alerts show among the latest.
    await ensurePeriod(db(), over, 0n, NOW);
    await evaluateTeamAlerts(over.id, NOW);
    const alerted = await getOverview(viewer, NOW);
    expect(alerted.recent_alerts.filter((a) => a.team_id === over.id).map((a) => [a.threshold_percent, a.state, a.team_name])).toEqual([
      [100, "firing", over.name],
      [80, "firing", over.name],
    ]);

    // Credits move a team back under the line.
    await ensurePeriod(db(), near, 0n, NOW);
    await addCredits(admin, { team_id: near.id, amount: 10, reason: "top-up" });
    const after = await getOverview(viewer, NOW);
    expect(watch(after)).toEqual([[over.id, "refused", 120]]);
  });

  it("charts spend by organization over the last 30 UTC days, exactly, biggest first, each linking to its organization", async () => {
    const first = await makeOrg(`Chart A ${run()}`);
    const second = await makeOrg(`Chart B ${run()}`);
    const a1 = await makeTeam(first.id, { maxBudget: null });
    const a2 = await makeTeam(first.id, { maxBudget: null });
    const b1 = await makeTeam(second.id, { maxBudget: null });
    await usage(a1.id, [
      { at: "2026-10-21T23:59:59Z", spend: "5000" }, // 31 days back: not on the chart
      { at: "2026-10-22T00:00:00Z", spend: "1000.1" },
      { at: "2026-11-20T09:00:00Z", spend: "2000.0000000001" },
    ]);
    await usage(a2.id, [{ at: "2026-11-20T10:00:00Z", spend: "0.0000000002" }]);
    await usage(b1.id, [{ at: "2026-11-19T12:00:00Z", spend: "1500" }]);

    const { spend_by_organization: chart } = await getOverview(viewer, NOW);
    expect(chart.days).toHaveLength(30);
    expect([chart.days[0], chart.days.at(-1)]).toEqual(["2026-10-22", "2026-11-20"]);
    const mine = chart.organizations.filter((o) => o.organization_id === first.id || o.organization_id === second.id);
    expect(mine.map((o) => [o.name, o.total])).toEqual([
      [first.name, 3000.1000000003],
      [second.name, 1500],
    ]);
    expect(mine[0]!.spend[0]).toBe(1000.1);
    expect(mine[0]!.spend[29]).toBe(2000.0000000003);
    expect(mine[1]!.spend[28]).toBe(1500);
    expect(mine[1]!.spend.filter((v) => v !== 0)).toHaveLength(1);
    // Biggest first: at most ORG_SERIES of their own, the rest summed as one.
    const totals = chart.organizations.filter((o) => o.organization_id).map((o) => o.total);
    expect(totals).toEqual([...totals].sort((x, y) => y - x));
  });
});

describe("CSV export", () => {
  it("writes every table exactly, quoting and neutralising what a spreadsheet would misread", async () => {
    const org = await makeOrg(`=Org, "quoted" ${run()}`);
    const team = await makeTeam(org.id, { name: `=HYPERLINK("http://x") ${run()}` });
    await usage(team.id, [
      { at: "2026-11-02T10:00:00Z", spend: "0.1234567891", end_user: "@evil", model_group: "gpt,4", latency_ms: 120, request_id: "req-a" },
      { at: "2026-11-02T11:00:00Z", spend: "0.0000000009", end_user: "line\nbreak", model_group: "gpt,4", latency_ms: 80, request_id: "req-b", status: "failure" },
      { at: "2026-11-03T11:00:00Z", spend: "2", end_user: "-1+1", request_id: "req-c" },
    ]);
    const window = { from: "2026-11-02", to: "2026-11-03" };

    const days = await exportUsageCsv(viewer, { scope: "team", id: team.id, table: "days", ...window }, NOW);
    expect(days.fileName).toBe(`${team.id}_days_2026-11-02_2026-11-03.csv`);
    expect(days.body).toBe(
      "day,requests,failed_requests,error_rate,prompt_tokens,completion_tokens,total_tokens,avg_latency_ms,spend_usd,billed_usd,margin_usd,margin_percent\r\n" +
        `2026-11-02,2,1,0.5,20,10,30,100,${exact(["0.1234567891", "0.0000000009"])},${exact(["0.1234567891", "0.0000000009"])},0,0.00\r\n` +
        "2026-11-03,1,0,0,10,5,15,100,2,2,0,0.00\r\n",
    );
    expect(exact(["0.1234567891", "0.0000000009"])).toBe("0.12345679");

    const models = await exportUsageCsv(viewer, { scope: "team", id: team.id, table: "models", ...window }, NOW);
    expect((await text(models)).split("\r\n")).toEqual([
      "model_group,requests,failed_requests,error_rate,prompt_tokens,completion_tokens,total_tokens,avg_latency_ms,spend_usd,billed_usd,margin_usd,margin_percent",
      "gpt-4,1,0,0,10,5,15,100,2,2,0,0.00",
      '"gpt,4",2,1,0.5,20,10,30,100,0.12345679,0.12345679,0,0.00',
      "",
    ]);

    const requests = await exportUsageCsv(viewer, { scope: "team", id: team.id, table: "requests", ...window }, NOW);
    const name = `"'=HYPERLINK(""http://x"") ${team.name.split(" ").at(-1)}"`;
    const requestsText = await text(requests);
    expect(requestsText.split("\r\n")).toEqual([
      "time,request_id,team_id,team,model_group,model,prompt_tokens,completion_tokens,total_tokens,spend_usd,billed_usd,margin_usd,margin_percent,status,latency_ms,end_user",
      `2026-11-03T11:00:00.000Z,req-c,${team.id},${name},gpt-4,openai/gpt-4,10,5,15,2,2,0,0.00,success,100,'-1+1`,
      `2026-11-02T11:00:00.000Z,req-b,${team.id},${name},"gpt,4",openai/gpt-4,10,5,15,0.0000000009,0.0000000009,0,0.00,failure,80,"line\nbreak"`,
      `2026-11-02T10:00:00.000Z,req-a,${team.id},${name},"gpt,4",openai/gpt-4,10,5,15,0.1234567891,0.1234567891,0,0.00,success,120,'@evil`,
      "",
    ]);

    const teams = await exportUsageCsv(viewer, { scope: "organization", id: org.id, table: "teams", ...window }, NOW);
    expect((await text(teams)).split("\r\n")[1]).toBe(`${team.id},${name},"'=Org, ""quoted"" ${org.name.split(" ").at(-1)}",active,3,1,0.333333,30,15,45,100,2.12345679,2.12345679,0,0.00`);

    const everything = await exportUsageCsv(viewer, { scope: "all", table: "teams", ...window }, NOW);
    expect(await text(everything)).toContain(`${team.id},${name},`);
    expect(everything.fileName).toBe("all-teams_teams_2026-11-02_2026-11-03.csv");
    // Every team's days (this file's other teams included): at least this team's requests, two days.
    const allDays = (await exportUsageCsv(viewer, { scope: "all", table: "days", ...window }, NOW)).body;
    const allDaysLines = (typeof allDays === "string" ? allDays : "").split("\r\n");
    expect(allDaysLines.filter(Boolean)).toHaveLength(3);
    expect(Number(allDaysLines[1]!.split(",")[1])).toBeGreaterThanOrEqual(2);
    // The organization's requests: the same three rows.
    const orgRequests = await exportUsageCsv(viewer, { scope: "organization", id: org.id, table: "requests", ...window }, NOW);
    expect(await text(orgRequests)).toBe(requestsText);
  });

  it("refuses unknown tables, ranges and scopes with a message", async () => {
    const org = await makeOrg();
    const team = await makeTeam(org.id);
    expect((await refused(exportUsageCsv(admin, { scope: "team", id: team.id, table: "secrets" as never }, NOW))).code).toBe("BAD_REQUEST");
    expect((await refused(exportUsageCsv(admin, { scope: "team", id: team.id, table: "teams" }, NOW))).code).toBe("BAD_REQUEST");
    expect((await refused(exportUsageCsv(admin, { scope: "all", table: "requests" }, NOW))).code).toBe("BAD_REQUEST");
    expect((await refused(exportUsageCsv(admin, { scope: "team", id: team.id, table: "days", from: "2026-11-05", to: "2026-11-01" }, NOW))).userMessage).toMatch(/range is empty/);
    expect((await refused(exportUsageCsv(admin, { scope: "team", id: "team-nope", table: "days" }, NOW))).code).toBe("NOT_FOUND");
    expect((await refused(exportUsageCsv(admin, { scope: "organization", id: "nope", table: "days" }, NOW))).code).toBe("NOT_FOUND");
  });
});
