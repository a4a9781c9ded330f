import { randomUUID } from "node:crypto";
import { createElement } from "react";
import { renderToString } from "react-dom/server";
// Remix's own router (a dependency of @remix-run/react): renders a route module's page on its loader's answer.
import { createStaticHandler, createStaticRouter, StaticRouterProvider } from "react-router-dom/server";
import { describe, expect, it } from "vitest";
import { insertOrganization } from "../../db/queries/organizations.ts";
import { insertTeam } from "../../db/queries/teams.ts";
import { insertUsageRows, type UsageRowInput } from "../../db/queries/usage.ts";
import { masterActor } from "../../test/factories.ts";
import { rest } from "../../test/rest.ts";
import { TEST_MASTER_KEY } from "../../test/setup-db.ts";
import { db } from "~/lib/db.server";
import type { Actor, CustomerActor } from "~/auth/actor";
import ModelsPage, { loader as modelsLoader } from "~/routes/admin.models";
import TeamPage, { loader as teamPageLoader } from "~/routes/admin.teams_.$teamId";
import { setOrganizationPriceList } from "./price-lists.server.ts";
import { exportUsageCsv, getOrganizationDashboard, getOverview, getOrganizationUsage, getRecentRequests, getTeamDailyUsage, getTeamDashboard, getTeamUsage, getTeamUsageByEndUser, getTeamUsageByKey, type CsvExport } from "./usage/index.server.ts";
import { marginPercent, marginPercentText } from "./usage/figures.ts";
import { money } from "~/lib/money";

/**
 * Cost, billed and margin as the usage API, the CSV exports and the admin pages show them
 * (docs/usage.md#cost-billed-and-margin): an admin sees all three, exactly; a customer sees the
 * billed amount under the usual names and never our cost or a margin.
 */

const admin: Actor = { ...masterActor, via: "rest" };
const run = () => Math.random().toString(36).slice(2, 8);
const customerOf = (teamId: string): CustomerActor => ({ kind: "customer", teamId, credential: "portal", userId: `portal:${teamId}`, name: "Customer", via: "web" });
const context = { clientAddress: "127.0.0.1", requestId: "billing-figures-test" };
const adminRequest = (path: string) => new Request(`http://localhost${path}`, { headers: { "X-Admin-Key": TEST_MASTER_KEY } });

const T0 = new Date("2026-10-01T00:00:00Z");
const DAY = "2026-10-05";
const window = { from: DAY, to: DAY };

async function makeTeam(label: string) {
  const org = (await insertOrganization(db(), { id: randomUUID(), name: `${label} ${run()}`, litellmOrganizationId: `figures-${run()}` }))!;
  const team = (await insertTeam(db(), { id: `team-${randomUUID()}`, name: `${label} Team ${run()}`, organizationId: org.id }))!;
  return { org, team };
}

function row(teamId: string, second: number, overrides: Partial<UsageRowInput>): UsageRowInput {
  const at = new Date(Date.parse(`${DAY}T10:00:00Z`) + second * 1000);
  return {
    request_id: `chatcmpl-${randomUUID()}`,
    team_id: teamId,
    key_hash: "figures-key",
    model_group: "gpt-4o",
    model: "openai/gpt-4o",
    prompt_tokens: 1000,
    completion_tokens: 500,
    total_tokens: 1500,
    spend: "0",
    start_time: at.toISOString(),
    end_time: new Date(at.getTime() + 200).toISOString(),
    latency_ms: 200,
    status: "success",
    end_user: "end-user-1",
    session_id: null,
    metadata: null,
    ...overrides,
  };
}

/** A team on a 30 % markup: cost 1.3234568, billed exactly 1.3 × that. */
async function markupTeam() {
  const made = await makeTeam("Markup Org");
  await setOrganizationPriceList(admin, { organization_id: made.org.id, kind: "markup", markup_percent: 30 }, T0);
  await insertUsageRows(db(), [
    row(made.team.id, 0, { spend: "0.1234567" }),
    row(made.team.id, 1, { spend: "0.2" }),
    row(made.team.id, 2, { spend: "1.0000001", model_group: "claude-3", model: "anthropic/claude-3" }),
  ]);
  return made;
}

/** A team on per-model prices (gpt-4o: $2.5 in, $10 out per 1M tokens; nothing else, no fallback: claude-3 at cost). */
async function perModelTeam() {
  const made = await makeTeam("Per-model Org");
  await setOrganizationPriceList(admin, { organization_id: made.org.id, kind: "per_model", models: [{ model: "gpt-4o", input_per_million: "2.5", output_per_million: 10 }] }, T0);
  await insertUsageRows(db(), [
    // 1234 × 2.5 / 1M + 567 × 10 / 1M = 0.003085 + 0.00567 = 0.008755
    row(made.team.id, 0, { spend: "0.005", prompt_tokens: 1234, completion_tokens: 567, total_tokens: 1801 }),
    // 2000 × 2.5 / 1M + 1000 × 10 / 1M = 0.015
    row(made.team.id, 1, { spend: "0.01", prompt_tokens: 2000, completion_tokens: 1000, total_tokens: 3000 }),
    row(made.team.id, 2, { spend: "0.004", model_group: "claude-3", model: "anthropic/claude-3" }),
  ]);
  return made;
}

const text = async (csv: CsvExport) => (typeof csv.body === "string" ? csv.body : await new Response(csv.body).text());
const lines = async (csv: CsvExport) => (await text(csv)).trim().split("\r\n");

describe("margin arithmetic", () => {
  it("is margin ÷ billed × 100 to 2 decimals, rounded half away from zero, null when nothing was billed", () => {
    expect(marginPercent(money("0.39703704"), money("1.72049384"))).toBe(23.08);
    expect(marginPercent(money("1"), money("8"))).toBe(12.5);
    expect(marginPercent(money("0.00005"), money("1"))).toBe(0.01);
    expect(marginPercent(money("-0.00005"), money("1"))).toBe(-0.01);
    expect(marginPercent(money("-1"), money("0"))).toBeNull();
    expect(marginPercentText(money("-1"), money("20"))).toBe("-5.00");
    expect(marginPercentText(money("0"), money("0"))).toBe("");
  });
});

describe("the usage API for admins", () => {
  it("gives billed and margin beside cost, to the cent, for a team on a markup list", async () => {
    const { team } = await markupTeam();
    const usage = await getTeamUsage(admin, { team_id: team.id, ...window });
    expect(usage).toMatchObject({ total_spend: 1.3234568, total_billed: 1.72049384, margin: 0.39703704, margin_percent: 23.08, request_count: 3 });
    expect(usage.models_used["gpt-4o"]).toMatchObject({ cost: 0.3234567, billed: 0.42049371, margin: 0.09703701, margin_percent: 23.08 });
    expect(usage.models_used["claude-3"]).toMatchObject({ cost: 1.0000001, billed: 1.30000013, margin: 0.30000003, margin_percent: 23.08 });

    // Through REST: the output schema keeps the new fields.
    const res = await rest("GET", `/api/teams/${team.id}/usage?from=${DAY}&to=${DAY}`, { headers: { "X-Admin-Key": TEST_MASTER_KEY } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ total_spend: 1.3234568, total_billed: 1.72049384, margin: 0.39703704, margin_percent: 23.08 });
    expect(res.body.models_used["claude-3"]).toMatchObject({ cost: 1.0000001, billed: 1.30000013, margin: 0.30000003 });

    const recent = await getRecentRequests(admin, { team_id: team.id });
    expect(recent.requests.map((r) => [r.spend, r.billed, r.margin])).toEqual([
      [1.0000001, 1.30000013, 0.30000003],
      [0.2, 0.26, 0.06],
      [0.1234567, 0.16049371, 0.03703701],
    ]);
    const daily = await getTeamDailyUsage(admin, { team_id: team.id, ...window });
    expect(daily.days.find((d) => d.model_group === "gpt-4o")).toMatchObject({ spend: 0.3234567, billed: 0.42049371, margin: 0.09703701, margin_percent: 23.08 });
    const byKey = await getTeamUsageByKey(admin, { team_id: team.id, ...window });
    expect(byKey.keys[0]).toMatchObject({ spend: 1.3234568, billed: 1.72049384, margin: 0.39703704 });
  });

  it("gives billed and margin for a team on per-model prices, a model the list leaves out billed at cost", async () => {
    const { org, team } = await perModelTeam();
    const usage = await getTeamUsage(admin, { team_id: team.id, ...window });
    expect(usage).toMatchObject({ total_spend: 0.019, total_billed: 0.027755, margin: 0.008755, margin_percent: 31.54 });
    expect(usage.models_used["gpt-4o"]).toMatchObject({ cost: 0.015, billed: 0.023755, margin: 0.008755, margin_percent: 36.86 });
    expect(usage.models_used["claude-3"]).toMatchObject({ cost: 0.004, billed: 0.004, margin: 0, margin_percent: 0 });

    const orgUsage = await getOrganizationUsage(admin, { organization_id: org.id, ...window });
    expect(orgUsage).toMatchObject({ total_spend: 0.019, total_billed: 0.027755, margin: 0.008755, margin_percent: 31.54 });
    expect(orgUsage.teams[0]).toMatchObject({ team_id: team.id, total_spend: 0.019, total_billed: 0.027755, margin: 0.008755, margin_percent: 31.54 });

    const dashboard = await getTeamDashboard(admin, { team_id: team.id, ...window });
    expect(dashboard.totals).toMatchObject({ spend: 0.019, billed: 0.027755, margin: 0.008755, margin_percent: 31.54 });
    expect(dashboard.days[0]).toMatchObject({ day: DAY, spend: 0.019, billed: 0.027755, margin: 0.008755 });
    expect(dashboard.requests.rows.map((r) => [r.cost, r.billed, r.margin])).toEqual([
      [0.004, 0.004, 0],
      [0.01, 0.015, 0.005],
      [0.005, 0.008755, 0.003755],
    ]);
  });
});

describe("the dashboards for admins", () => {
  it("the organization page's figures and the overview carry billed and margin beside cost", async () => {
    const { org, team } = await perModelTeam();
    const page = await getOrganizationDashboard(admin, { organization_id: org.id, ...window });
    expect(page.totals).toMatchObject({ spend: 0.019, billed: 0.027755, margin: 0.008755, margin_percent: 31.54 });
    expect(page.teams[0]).toMatchObject({ team_id: team.id, spend: 0.019, billed: 0.027755, margin: 0.008755, margin_percent: 31.54 });
    expect(page.models.map((m) => [m.model, m.margin_percent])).toEqual([
      ["gpt-4o", 36.86],
      ["claude-3", 0],
    ]);

    const overview = await getOverview(admin, new Date(`${DAY}T12:00:00Z`));
    for (const figure of [overview.today, overview.period, ...overview.top_teams, ...overview.top_models]) {
      expect(figure).toEqual(expect.objectContaining({ spend: expect.any(Number), billed: expect.any(Number), margin: expect.any(Number) }));
      expect(figure.margin).toBeCloseTo(figure.billed - figure.spend, 9);
    }
    const mine = overview.spend_by_organization.organizations.find((o) => o.organization_id === org.id);
    if (mine) expect(mine).toMatchObject({ total: 0.019, billed_total: 0.027755, margin: 0.008755, margin_percent: 31.54 });
  });
});

describe("what a customer reads", () => {
  it("is the billed amount under the spend names, and no cost or margin anywhere", async () => {
    const { team } = await markupTeam();
    const me = customerOf(team.id);
    const noMargin = (o: object) => {
      expect(o).not.toHaveProperty("margin");
      expect(o).not.toHaveProperty("margin_percent");
    };

    const usage = await getTeamUsage(me, { team_id: team.id, ...window });
    expect(usage).toMatchObject({ total_spend: 1.72049384, total_billed: 1.72049384 });
    noMargin(usage);
    for (const m of Object.values(usage.models_used)) {
      expect(m.cost).toBe(m.billed);
      noMargin(m);
    }
    expect(usage.models_used["claude-3"]!.cost).toBe(1.30000013);

    const recent = await getRecentRequests(me, { team_id: team.id });
    expect(recent.requests.map((r) => r.spend)).toEqual([1.30000013, 0.26, 0.16049371]);
    recent.requests.forEach(noMargin);
    const daily = await getTeamDailyUsage(me, { team_id: team.id, ...window });
    expect(daily.days.map((d) => d.spend).sort()).toEqual([0.42049371, 1.30000013]);
    daily.days.forEach(noMargin);
    const byKey = await getTeamUsageByKey(me, { team_id: team.id, ...window });
    expect(byKey.keys[0]!.spend).toBe(1.72049384);
    byKey.keys.forEach(noMargin);
    const byUser = await getTeamUsageByEndUser(me, { team_id: team.id, ...window });
    expect(byUser.end_users[0]!.spend).toBe(1.72049384);
    byUser.end_users.forEach(noMargin);

    const dashboard = await getTeamDashboard(me, { team_id: team.id, ...window });
    expect(dashboard.totals.spend).toBe(1.72049384);
    noMargin(dashboard.totals);
    dashboard.days.forEach(noMargin);
    dashboard.models.forEach(noMargin);
    expect(dashboard.requests.rows.map((r) => r.cost)).toEqual([1.30000013, 0.26, 0.16049371]);
    dashboard.requests.rows.forEach(noMargin);
    // Our cost appears nowhere in what the customer is sent.
    const sent = JSON.stringify([usage, recent, daily, byKey, byUser, dashboard]);
    for (const cost of ["1.3234568", "0.1234567", "1.0000001", "0.3234567"]) expect(sent).not.toContain(cost);

    const csv = await lines(await exportUsageCsv(me, { scope: "team", id: team.id, table: "models", ...window }));
    expect(csv[0]).toBe("model_group,requests,failed_requests,error_rate,prompt_tokens,completion_tokens,total_tokens,avg_latency_ms,spend_usd");
    expect(csv.slice(1)).toEqual(["claude-3,1,0,0,1000,500,1500,200,1.30000013", "gpt-4o,2,0,0,2000,1000,3000,200,0.42049371"]);
  });
});

describe("the order of a customer's tables", () => {
  it("follows what they are billed, not our cost", async () => {
    const made = await makeTeam("Order Org");
    await setOrganizationPriceList(admin, { organization_id: made.org.id, kind: "per_model", models: [{ model: "gpt-4o", input_per_million: "2.5", output_per_million: 10 }] }, T0);
    await insertUsageRows(db(), [
      row(made.team.id, 0, { spend: "0.015", prompt_tokens: 3234, completion_tokens: 1567, total_tokens: 4801 }), // billed 0.023755
      row(made.team.id, 1, { spend: "0.02", model_group: "claude-3", model: "anthropic/claude-3" }), // at cost
    ]);
    const asAdmin = await getTeamDashboard(admin, { team_id: made.team.id, ...window });
    expect(asAdmin.models.map((m) => m.model)).toEqual(["claude-3", "gpt-4o"]);
    const asCustomer = await getTeamDashboard(customerOf(made.team.id), { team_id: made.team.id, ...window });
    expect(asCustomer.models.map((m) => [m.model, m.spend])).toEqual([
      ["gpt-4o", 0.023755],
      ["claude-3", 0.02],
    ]);
  });
});

describe("the usage CSV for admins", () => {
  it("has billed, margin and margin % as exact decimals beside the cost", async () => {
    const { org, team } = await perModelTeam();
    const models = await lines(await exportUsageCsv(admin, { scope: "team", id: team.id, table: "models", ...window }));
    expect(models).toEqual([
      "model_group,requests,failed_requests,error_rate,prompt_tokens,completion_tokens,total_tokens,avg_latency_ms,spend_usd,billed_usd,margin_usd,margin_percent",
      "gpt-4o,2,0,0,3234,1567,4801,200,0.015,0.023755,0.008755,36.86",
      "claude-3,1,0,0,1000,500,1500,200,0.004,0.004,0,0.00",
    ]);
    const requests = await lines(await exportUsageCsv(admin, { scope: "organization", id: org.id, table: "requests", ...window }));
    expect(requests[0]).toContain(",total_tokens,spend_usd,billed_usd,margin_usd,margin_percent,status,");
    expect(requests[3]).toContain(",1234,567,1801,0.005,0.008755,0.003755,42.89,success,");
    const teams = await lines(await exportUsageCsv(admin, { scope: "organization", id: org.id, table: "teams", ...window }));
    expect(teams[1]).toMatch(/,0\.019,0\.027755,0\.008755,31\.54$/);
    const days = await lines(await exportUsageCsv(admin, { scope: "team", id: team.id, table: "days", ...window }));
    expect(days[1]).toBe(`${DAY},3,0,0,4234,2067,6301,200,0.019,0.027755,0.008755,31.54`);
  });

  it("answers the same from the CSV route an admin downloads", async () => {
    const { team } = await markupTeam();
    const { loader } = await import("~/routes/admin.teams_.$teamId.usage[.csv]");
    const response = await loader({ request: adminRequest(`/admin/teams/${team.id}/usage.csv?table=days&from=${DAY}&to=${DAY}`), params: { teamId: team.id }, context });
    const body = (await response.text()).trim().split("\r\n");
    expect(body[0]!.endsWith("spend_usd,billed_usd,margin_usd,margin_percent")).toBe(true);
    expect(body[1]!.endsWith(",1.3234568,1.72049384,0.39703704,23.08")).toBe(true);
  });
});

/** The HTML of a route module's page rendered on its real loader's answer. */
async function renderPage(Component: () => React.ReactElement, loader: (args: { request: Request; params: Record<string, string>; context: typeof context }) => Promise<Response>, request: Request, params: Record<string, string> = {}) {
  const handler = createStaticHandler([{ id: "page", path: "*", Component, loader: ({ request: r }: { request: Request }) => loader({ request: r, params, context }) }]);
  const state = await handler.query(request);
  if (state instanceof Response) throw new Error(`The page answered ${state.status}`);
  return renderToString(createElement(StaticRouterProvider, { router: createStaticRouter(handler.dataRoutes, state), context: state, hydrate: false }));
}

describe("the admin pages", () => {
  it("the team page's loader carries cost, billed and margin for its usage, models and requests", async () => {
    const { team } = await perModelTeam();
    const response = await teamPageLoader({ request: adminRequest(`/admin/teams/${team.id}?from=${DAY}&to=${DAY}`), params: { teamId: team.id }, context });
    const data = await response.json();
    expect(data.dashboard.totals).toMatchObject({ spend: 0.019, billed: 0.027755, margin: 0.008755, margin_percent: 31.54 });
    expect(data.dashboard.models[0]).toMatchObject({ model: "gpt-4o", spend: 0.015, billed: 0.023755, margin: 0.008755, margin_percent: 36.86 });
    expect(data.dashboard.requests.rows[0]).toMatchObject({ cost: 0.004, billed: 0.004, margin: 0 });

    // The page as rendered: cost, billed and margin (amount and %) in the headline figures, and the Pricing link.
    const html = (await renderPage(TeamPage as () => React.ReactElement, teamPageLoader as never, adminRequest(`/admin/teams/${team.id}?from=${DAY}&to=${DAY}`), { teamId: team.id })).replace(/<!-- -->/g, "");
    expect(html).toMatch(/<dt[^>]*>Cost<\/dt><dd[^>]*>\$0\.02<\/dd>/);
    expect(html).toMatch(/<dt[^>]*>Billed<\/dt><dd[^>]*>\$0\.03<\/dd>/);
    expect(html).toMatch(/<dt[^>]*>Margin<\/dt><dd[^>]*>\$0\.0087550?<\/dd><dd[^>]*>31\.54 % of billed<\/dd>/);
    expect(html).toContain(`href="/admin/teams/${team.id}/pricing"`);
  });

  it("the Models page flags a served model that a per-model list bills at cost, naming the organization and version", async () => {
    const { org } = await makeTeam("Flag Org");
    // The double serves gpt-3.5-turbo and gpt-4-turbo: this list prices only gpt-4-turbo, with no fallback.
    await setOrganizationPriceList(admin, { organization_id: org.id, kind: "per_model", models: [{ model: "gpt-4-turbo", input_per_million: 10, output_per_million: 30 }] }, T0);
    const response = await modelsLoader({ request: adminRequest("/admin/models"), params: {}, context });
    const data = await response.json();
    const mine = (model: string) => (data.atCost as Array<{ model: string; price_lists: Array<{ organization_id: string; version: number }> }>).find((m) => m.model === model)?.price_lists.filter((l) => l.organization_id === org.id) ?? [];
    expect(mine("gpt-3.5-turbo")).toEqual([expect.objectContaining({ organization_id: org.id, version: 1 })]);
    expect(mine("gpt-4-turbo")).toEqual([]);

    const html = await renderPage(ModelsPage as () => React.ReactElement, modelsLoader as never, adminRequest("/admin/models"));
    expect(html.replace(/<!-- -->/g, "")).toContain(`billed at cost for ${org.name} (v1)`);
  });
});
