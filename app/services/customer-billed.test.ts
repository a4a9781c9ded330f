import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { insertOrganization } from "../../db/queries/organizations.ts";
import { insertTeam, insertTeamKey } from "../../db/queries/teams.ts";
import { insertUsageRows, type UsageRowInput } from "../../db/queries/usage.ts";
import { clientAddress, masterActor } from "../../test/factories.ts";
import { rest } from "../../test/rest.ts";
import { TEST_MASTER_KEY } from "../../test/setup-db.ts";
import { hashKey } from "~/integrations/litellm/client.server";
import { encryptSecret } from "~/lib/crypto.server";
import { db } from "~/lib/db.server";
import type { Actor, CustomerActor } from "~/auth/actor";
import { portalSessionCookie, readPortalSession } from "~/auth/portal-session.server";
import { loader as portalHome } from "~/routes/portal._index";
import { loader as portalJobsCsv } from "~/routes/portal.jobs[.]csv";
import { loader as portalJobPage } from "~/routes/portal.jobs.$jobId";
import { exportTeamJobsCsv } from "./jobs-csv.server.ts";
import { costliestTeamJobs, createJob, getJob, summarizeTeamJobs } from "./jobs.server.ts";
import { convertUsd, formatConverted, rateNote } from "./portal/currency.ts";
import { getPortalOverview, portalUsageCsv } from "./portal/overview.server.ts";
import { signInWithVirtualKey } from "./portal/sign-in.server.ts";
import { setTeamPriceList } from "./price-lists.server.ts";
import type { CsvExport } from "./usage/index.server.ts";

/**
 * What a customer is shown of money (docs/portal.md#money, docs/jobs.md#money): a team on a 30 %
 * markup sees, through its own key and its portal, the billed amount (cost × 1.3, to the last
 * decimal) under the usual field names, and never LiteLLM's cost or a margin; an admin sees both;
 * an organization billed in another currency sees the converted figure with its rate and date.
 */

const admin: Actor = { ...masterActor, via: "rest" };
const run = () => Math.random().toString(36).slice(2, 8);
const asAdmin = { "X-Admin-Key": TEST_MASTER_KEY };
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const context = { clientAddress: "127.0.0.1", requestId: "customer-billed-test" };

// A call's cost, and three of them: text that must never reach a customer. Billed is exactly 1.3 ×.
const COST = "0.1234567";
const COST_3 = "0.3703701";
const BILLED = "0.16049371";
const BILLED_3 = "0.48148113";

async function makeTeam(org: { currency?: string; exchangeRate?: string; exchangeRateDate?: string } = {}) {
  const o = (await insertOrganization(db(), { id: randomUUID(), name: `Billed Org ${run()}`, litellmOrganizationId: `billed-${run()}`, ...org }))!;
  const team = (await insertTeam(db(), {
    id: `team-${randomUUID()}`,
    name: `Billed Team ${run()}`,
    organizationId: o.id,
    maxBudget: "100",
    budgetDuration: "30d",
    budgetStartsAt: new Date(Date.now() - 86_400_000),
  }))!;
  const key = `sk-${randomUUID().replace(/-/g, "")}`;
  await insertTeamKey(db(), { id: randomUUID(), teamId: team.id, keyHash: hashKey(key), keyEncrypted: encryptSecret(key), keyAlias: `a-${run()}`, status: "live" });
  // In force from two hours ago (a past `now`: the list may not start earlier than its own now).
  await setTeamPriceList(admin, { team_id: team.id, kind: "markup", markup_percent: 30 }, new Date(Date.now() - 2 * 3_600_000));
  const customer: CustomerActor = { kind: "customer", credential: "virtual_key", teamId: team.id, userId: `key:${team.id}`, name: team.name, via: "rest" };
  return { org: o, team, key, customer };
}

function call(teamId: string, key: string, jobId: string | null, spend: string, at: Date): UsageRowInput {
  return {
    request_id: `chatcmpl-${randomUUID()}`,
    team_id: teamId,
    key_hash: hashKey(key),
    model_group: "gpt-4o",
    model: "openai/gpt-4o",
    prompt_tokens: 100,
    completion_tokens: 50,
    total_tokens: 150,
    spend,
    start_time: at.toISOString(),
    end_time: new Date(at.getTime() + 300).toISOString(),
    latency_ms: 300,
    status: "success",
    end_user: null,
    session_id: jobId,
    metadata: null,
  };
}

/** A job of three calls of COST each, a few minutes ago (after the price list took effect). */
async function jobOfThreeCalls(t: Awaited<ReturnType<typeof makeTeam>>) {
  const created = await rest("POST", "/api/jobs/create", { headers: bearer(t.key), body: { job_type: "document_analysis" } });
  expect(created.status).toBe(200);
  const jobId: string = created.body.job_id;
  const now = Date.now();
  await insertUsageRows(db(), [1, 2, 3].map((i) => call(t.team.id, t.key, jobId, COST, new Date(now - i * 60_000))));
  return jobId;
}

async function portalCookie(key: string) {
  return (await portalSessionCookie(await signInWithVirtualKey({ key }, clientAddress()))).split(";")[0]!;
}
const portalRequest = (cookie: string, path: string) => new Request(`http://localhost${path}`, { headers: { cookie } });
const text = async (csv: CsvExport) => (typeof csv.body === "string" ? csv.body : new Response(csv.body).text());
const column = (body: string, name: string) => {
  const [header, ...rows] = body.trim().split(/\r?\n/).map((l) => l.split(","));
  const i = header!.indexOf(name);
  expect(i, `column ${name} in ${header!.join(",")}`).toBeGreaterThanOrEqual(0);
  return rows.map((r) => r[i]);
};

/** Nothing of our cost or margin: neither the cost figures nor a margin field. */
function expectNoCost(what: string) {
  expect(what).not.toContain(COST);
  expect(what).not.toContain(COST_3);
  expect(what).not.toMatch(/margin/i);
}

/** A customer's jobs answer: the billed amount is under the cost names, so there is no billed field beside it. */
function expectJobsOfCustomer(what: string) {
  expectNoCost(what);
  expect(what).not.toMatch(/"billed|"total_billed|"avg_billed/);
}

describe("a team on a 30 % markup, calling with its own key", () => {
  it("gets its jobs at the billed amount under the cost names, and nothing of the cost", async () => {
    const t = await makeTeam();
    const jobId = await jobOfThreeCalls(t);

    const got = await rest("GET", `/api/jobs/${encodeURIComponent(jobId)}`, { headers: bearer(t.key) });
    expect(got.status).toBe(200);
    expect(got.body.totals).toMatchObject({ calls: 3, cost: Number(BILLED_3), cost_exact: BILLED_3 });
    expect(got.body.totals).not.toHaveProperty("billed");
    expect(got.body.calls.map((c: { cost_exact: string }) => c.cost_exact)).toEqual([BILLED, BILLED, BILLED]);
    expectJobsOfCustomer(got.text);

    const list = await rest("GET", `/api/teams/${t.team.id}/jobs`, { headers: bearer(t.key) });
    expect(list.status).toBe(200);
    expect(list.body.jobs[0].totals.cost_exact).toBe(BILLED_3);
    expectJobsOfCustomer(list.text);

    const summary = await rest("GET", `/api/teams/${t.team.id}/jobs/summary`, { headers: bearer(t.key) });
    expect(summary.status).toBe(200);
    expect(summary.body.job_types[0]).toMatchObject({ jobs: 1, total_cost_exact: BILLED_3, p50_cost: Number(BILLED_3) });
    expectJobsOfCustomer(summary.text);

    const csv = await new Response(await exportTeamJobsCsv(t.customer, { team_id: t.team.id })).text();
    expect(column(csv, "cost")).toEqual([BILLED_3]);
    expect(csv.split("\r\n")[0]).not.toContain("billed");
    expectNoCost(csv);
  });

  it("shows an admin both: cost, and billed beside it", async () => {
    const t = await makeTeam();
    const jobId = await jobOfThreeCalls(t);
    const got = await rest("GET", `/api/jobs/${encodeURIComponent(jobId)}?team_id=${t.team.id}`, { headers: asAdmin });
    expect(got.status).toBe(200);
    expect(got.body.totals).toMatchObject({ cost: Number(COST_3), cost_exact: COST_3, billed: Number(BILLED_3), billed_exact: BILLED_3 });
    expect(got.body.calls[0]).toMatchObject({ cost_exact: COST, billed_exact: BILLED });

    const summary = await summarizeTeamJobs(admin, { team_id: t.team.id });
    expect(summary.job_types[0]).toMatchObject({ total_cost_exact: COST_3, total_billed_exact: BILLED_3, p50_cost: Number(COST_3) });

    const csv = await new Response(await exportTeamJobsCsv(admin, { team_id: t.team.id })).text();
    expect(column(csv, "cost")).toEqual([COST_3]);
    expect(column(csv, "billed")).toEqual([BILLED_3]);
  });

  it("ranks a customer's most expensive jobs by what they were billed, an admin's by cost", async () => {
    const t = await makeTeam();
    const before = await createJob(t.customer, { job_type: "x", job_id: `before-${run()}` });
    const after = await createJob(t.customer, { job_type: "x", job_id: `after-${run()}` });
    // Before the price list: billed at cost (1). After it: cost 0.9, billed 1.17.
    await insertUsageRows(db(), [
      call(t.team.id, t.key, before.job_id, "1", new Date(Date.now() - 3 * 3_600_000)),
      call(t.team.id, t.key, after.job_id, "0.9", new Date(Date.now() - 60_000)),
    ]);
    expect((await costliestTeamJobs(admin, t.team.id)).map((j) => j.job_id)).toEqual([before.job_id, after.job_id]);
    const mine = await costliestTeamJobs(t.customer, t.team.id);
    expect(mine.map((j) => j.job_id)).toEqual([after.job_id, before.job_id]);
    expect(mine.map((j) => j.totals.cost_exact)).toEqual(["1.17", "1"]);
    expect((await getJob(t.customer, { job_id: after.job_id })).totals.cost_exact).toBe("1.17");
  });
});

describe("the team's portal", () => {
  it("shows the billed amount everywhere (overview, usage CSVs, job pages, jobs CSV), never the cost", async () => {
    const t = await makeTeam();
    const jobId = await jobOfThreeCalls(t);
    const { session } = await readPortalSession(await portalCookie(t.key));

    const overview = await getPortalOverview(session!);
    expect(overview.totals.spend).toBe(Number(BILLED_3));
    expect(overview.billed.range).toEqual({ usd_exact: BILLED_3, converted: null });
    expect(overview.billed.period.usd_exact).toBe(BILLED_3);
    expect(overview.budget.spent_this_period).toBe(Number(BILLED_3));
    expect(overview.days.find((d) => d.requests > 0)?.spend).toBe(Number(BILLED_3));
    expect(overview.models.map((m) => m.spend)).toEqual([Number(BILLED_3)]);
    expect(overview.requests.rows).toHaveLength(3);
    expect(overview.currency).toBeNull();
    expect(JSON.stringify(overview)).not.toContain(COST);
    expect(JSON.stringify(overview)).not.toMatch(/margin/i);

    for (const table of ["days", "models", "requests"] as const) {
      const body = await text(await portalUsageCsv(session!, { table }));
      expect(body).not.toContain(COST);
      expect(body).not.toContain(COST_3);
      expect(body.split(/\r?\n/)[0]).not.toMatch(/billed|margin|cost/);
    }
    expect(column(await text(await portalUsageCsv(session!, { table: "models" })), "spend_usd")).toEqual([BILLED_3]);
    expect(column(await text(await portalUsageCsv(session!, { table: "requests" })), "spend_usd")).toEqual([BILLED, BILLED, BILLED]);

    // The pages themselves: what the loaders send to the browser.
    const cookie = await portalCookie(t.key);
    const home = await (await portalHome({ request: portalRequest(cookie, "/portal"), params: {}, context })).text();
    expect(home).toContain(BILLED_3);
    expectNoCost(home);
    expectJobsOfCustomer(JSON.stringify(JSON.parse(home).jobs));
    const page = await (await portalJobPage({ request: portalRequest(cookie, `/portal/jobs/${encodeURIComponent(jobId)}`), params: { jobId }, context })).text();
    expect(JSON.parse(page).job.totals.cost_exact).toBe(BILLED_3);
    expectJobsOfCustomer(page);
    const jobsCsv = await (await portalJobsCsv({ request: portalRequest(cookie, "/portal/jobs.csv"), params: {}, context })).text();
    expect(column(jobsCsv, "cost")).toEqual([BILLED_3]);
    expectNoCost(jobsCsv);
  });

  it("of an organization billed in EUR shows the converted total with the rate and its date", async () => {
    const t = await makeTeam({ currency: "EUR", exchangeRate: "0.92", exchangeRateDate: "2026-12-01" });
    await jobOfThreeCalls(t);
    const { session } = await readPortalSession(await portalCookie(t.key));
    const overview = await getPortalOverview(session!);
    expect(overview.currency).toEqual({ currency: "EUR", rate: "0.92", rate_date: "2026-12-01" });
    // 0.48148113 × 0.92 = 0.4429626396 → 0.44
    const converted = { currency: "EUR", amount: "0.44", rate: "0.92", rate_date: "2026-12-01" };
    expect(overview.billed.range).toEqual({ usd_exact: BILLED_3, converted });
    expect(overview.billed.period).toEqual({ usd_exact: BILLED_3, converted });
    expect(`${formatConverted(converted)} ${rateNote(converted)}`).toBe("0.44 EUR at 0.92 EUR per USD (rate of 2026-12-01)");

    const home = await (await portalHome({ request: portalRequest(await portalCookie(t.key), "/portal"), params: {}, context })).json();
    expect(home.overview.billed.range.converted).toEqual(converted);
    expectNoCost(JSON.stringify(home));
  });
});

describe("converting to the organization's currency", () => {
  it("multiplies exactly and rounds half-up to the cent", () => {
    const eur = { currency: "EUR", rate: "1", rate_date: "2026-12-01" };
    expect(convertUsd("0.005", eur).amount).toBe("0.01");
    expect(convertUsd("0.0049999999", eur).amount).toBe("0.00");
    expect(convertUsd("-0.005", eur).amount).toBe("-0.01");
    // As floats 1.005 is 1.00499…, which rounds down; exactly it is half a cent, which rounds up.
    expect(convertUsd("1.005", eur).amount).toBe("1.01");
    expect(convertUsd("1234567.0000000001", { ...eur, rate: "0.12345678" }).amount).toBe("152415.67"); // 152415.6665142600…
    expect(convertUsd("40.5", { ...eur, rate: "0.01234568" }).amount).toBe("0.50"); // 0.50000004
    expect(convertUsd("0.125", { currency: "JPY", rate: "156.4", rate_date: "2026-12-01" }).amount).toBe("19.55");
    expect(formatConverted({ currency: "EUR", amount: "1234567.50" })).toBe("1,234,567.50 EUR");
    expect(() => convertUsd("1", { ...eur, rate: "0.123456789" })).toThrow(/at most 8 decimals/);
  });
});
