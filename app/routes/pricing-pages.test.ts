import { randomUUID } from "node:crypto";
import { createElement } from "react";
import { renderToString } from "react-dom/server";
// Remix's own router (a dependency of @remix-run/react): renders a route module's page on its loader's and action's answers.
import { createStaticHandler, createStaticRouter, StaticRouterProvider } from "react-router-dom/server";
import { describe, expect, it } from "vitest";
/* eslint-disable no-restricted-imports -- the test seeds an organization and a team as provisioning writes them; the routes under test never reach db/ */
import { insertOrganization } from "../../db/queries/organizations.ts";
import { insertTeam } from "../../db/queries/teams.ts";
import { db } from "~/lib/db.server";
/* eslint-enable no-restricted-imports */
import { masterActor } from "../../test/factories.ts";
import { TEST_MASTER_KEY } from "../../test/setup-db.ts";
import { pricedByText } from "~/components/price-list";
import { createApiToken } from "~/services/api-tokens.server";
import { setOrganizationPriceList } from "~/services/price-lists.server";
import OrganizationPricing, { action as orgAction, loader as orgLoader } from "./admin.organizations_.$organizationId_.pricing.tsx";
import TeamPricing, { action as teamAction, loader as teamLoader } from "./admin.teams_.$teamId_.pricing.tsx";

/**
 * The admin pricing pages as a browser reaches them: forms posted to the actions (the fields the
 * page's inputs send), then the loaders' answers; signed in with the master key or a viewer's token.
 */

const run = () => Math.random().toString(36).slice(2, 8);
const origin = "http://localhost";
const context = { clientAddress: "127.0.0.1", requestId: "pricing-pages-test" };
const asAdmin = { "X-Admin-Key": TEST_MASTER_KEY };

async function makeOrg() {
  const org = (await insertOrganization(db(), { id: randomUUID(), name: `Pricing Org ${run()}`, litellmOrganizationId: `pricing-${run()}` }))!;
  const team = (await insertTeam(db(), { id: `team-${randomUUID()}`, name: `Pricing Team ${run()}`, organizationId: org.id }))!;
  return { org, team };
}

const orgPath = (id: string) => `/admin/organizations/${id}/pricing`;
const teamPath = (id: string) => `/admin/teams/${id}/pricing`;

function get(path: string, headers: HeadersInit = asAdmin) {
  return new Request(`${origin}${path}`, { headers });
}

function post(path: string, fields: Record<string, string>, headers: HeadersInit = asAdmin) {
  return new Request(`${origin}${path}`, { method: "POST", headers, body: new URLSearchParams(fields) });
}

async function orgPage(id: string, headers?: HeadersInit) {
  const response = await orgLoader({ request: get(orgPath(id), headers), params: { organizationId: id }, context });
  return response.json();
}

async function teamPage(id: string, headers?: HeadersInit) {
  const response = await teamLoader({ request: get(teamPath(id), headers), params: { teamId: id }, context });
  return response.json();
}

/** What an action answered: a Response (a redirect after a save, JSON with the form's errors after a refusal). */
async function sendOrg(id: string, fields: Record<string, string>, headers?: HeadersInit): Promise<Response> {
  return (await orgAction({ request: post(orgPath(id), fields, headers), params: { organizationId: id }, context })) as Response;
}

async function sendTeam(id: string, fields: Record<string, string>, headers?: HeadersInit): Promise<Response> {
  return (await teamAction({ request: post(teamPath(id), fields, headers), params: { teamId: id }, context })) as Response;
}

/**
 * The page's HTML as the server renders it for `request` (a GET, or a POST whose action answered
 * without a redirect), with the route's real loader and action.
 */
async function renderPage(page: "organization" | "team", id: string, request: Request): Promise<string> {
  const params = page === "organization" ? { organizationId: id } : { teamId: id };
  const routes = [
    {
      id: "page",
      path: "*",
      Component: (page === "organization" ? OrganizationPricing : TeamPricing) as () => React.ReactElement,
      loader: ({ request: r }: { request: Request }) => (page === "organization" ? orgLoader : teamLoader)({ request: r, params, context }),
      action: ({ request: r }: { request: Request }) => (page === "organization" ? orgAction : teamAction)({ request: r, params, context }),
    },
  ];
  const handler = createStaticHandler(routes);
  const state = await handler.query(request);
  if (state instanceof Response) throw new Error(`The page answered ${state.status} ${state.headers.get("Location") ?? ""}`);
  return renderToString(createElement(StaticRouterProvider, { router: createStaticRouter(handler.dataRoutes, state), context: state, hydrate: false }));
}

/** A datetime-local value (UTC) `hours` from now. */
const localIn = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString().slice(0, 16);

describe("the organization pricing page", () => {
  it("saves a markup version through the form: version 1 is in force and in the history, with who set it", async () => {
    const { org } = await makeOrg();
    const before = await orgPage(org.id);
    expect(before.list.current).toBeNull();
    expect(before.canWrite).toBe(true);

    const saved = await sendOrg(org.id, { intent: "price-list", kind: "markup", markup_percent: "30", when: "now", effective_at: "", note: "launch prices" });
    expect(saved.status).toBe(302);
    expect(saved.headers.get("Location")).toBe(orgPath(org.id));

    const page = await orgPage(org.id);
    expect(page.list.current).toMatchObject({ version: 1, kind: "markup", markup_percent: 30, note: "launch prices" });
    expect(page.list.history).toHaveLength(1);
    expect(page.who[page.list.current!.created_by]).toBeTruthy();

    const html = await renderPage("organization", org.id, get(orgPath(org.id)));
    expect(html).toContain('data-testid="price-list-current"');
    expect(html).toContain("launch prices");
    expect(html).toContain('aria-label="Save a new price list version"');
    expect(html).toContain('aria-label="Billing settings"');
  });

  it("saves per-model prices from the rows (an empty last row is left out), with the fallback markup, and a later version as upcoming", async () => {
    const { org } = await makeOrg();
    const saved = await sendOrg(org.id, {
      intent: "price-list",
      kind: "per_model",
      "models[0].model": "gpt-4o",
      "models[0].input_per_million": "2.5",
      "models[0].output_per_million": "10",
      "models[1].model": "claude-3-5-sonnet",
      "models[1].input_per_million": "3.1255",
      "models[1].output_per_million": "15",
      "models[2].model": "",
      "models[2].input_per_million": "",
      "models[2].output_per_million": "",
      fallback_markup_percent: "20",
      // A markup typed before switching the kind is not part of a per-model version.
      markup_percent: "99",
      when: "now",
    });
    expect(saved.status).toBe(302);
    let page = await orgPage(org.id);
    expect(page.list.current).toMatchObject({ version: 1, kind: "per_model", fallback_markup_percent: 20, markup_percent: null });
    expect(page.list.current!.models).toHaveLength(2);
    expect(page.list.current!.models).toEqual(
      expect.arrayContaining([
        { model: "claude-3-5-sonnet", input_per_million: 3.1255, output_per_million: 15 },
        { model: "gpt-4o", input_per_million: 2.5, output_per_million: 10 },
      ]),
    );

    // The form starts from the version in force: a row per model, filled in.
    const html = await renderPage("organization", org.id, get(orgPath(org.id)));
    expect(html).toContain('value="claude-3-5-sonnet"');
    expect(html).toContain('value="3.1255"');
    expect(html.match(/data-testid="price-row"/g)).toHaveLength(2);

    const later = await sendOrg(org.id, { intent: "price-list", kind: "markup", markup_percent: "25", when: "later", effective_at: localIn(48) });
    expect(later.status).toBe(302);
    page = await orgPage(org.id);
    expect(page.list.current!.version).toBe(1);
    expect(page.list.upcoming).toHaveLength(1);
    expect(page.list.upcoming[0]).toMatchObject({ version: 2, kind: "markup", markup_percent: 25 });
    expect(page.list.history.map((v) => v.version)).toEqual([2, 1]);
  });

  it("answers a past effective time, a missing markup and a bad row with errors at their fields (no 500), and saves nothing", async () => {
    const { org } = await makeOrg();
    const past = await sendOrg(org.id, { intent: "price-list", kind: "markup", markup_percent: "30", when: "later", effective_at: "2020-01-01T00:00" });
    expect(past.status).toBe(400);
    const pastBody = await past.json();
    expect(pastBody.intent).toBe("price-list");
    expect(pastBody.result.error.effective_at?.[0]).toMatch(/now|later/i);
    expect(pastBody.result.error[""]?.[0]).toMatch(/in the past/);

    const noTime = await sendOrg(org.id, { intent: "price-list", kind: "markup", markup_percent: "30", when: "later", effective_at: "" });
    expect(noTime.status).toBe(400);
    expect((await noTime.json()).result.error.effective_at?.[0]).toMatch(/date and time/);

    const noMarkup = await sendOrg(org.id, { intent: "price-list", kind: "markup", markup_percent: "", when: "now" });
    expect(noMarkup.status).toBe(400);
    expect((await noMarkup.json()).result.error.markup_percent?.[0]).toMatch(/markup_percent/);

    const badRow = await sendOrg(org.id, { intent: "price-list", kind: "per_model", "models[0].model": "gpt-4o", "models[0].input_per_million": "two", "models[0].output_per_million": "10", when: "now" });
    expect(badRow.status).toBe(400);
    expect((await badRow.json()).result.error["models[0].input_per_million"]?.[0]).toMatch(/input_per_million/);

    expect((await orgPage(org.id)).list.history).toHaveLength(0);

    // The page shows the service's refusal at the time field, with the time kept.
    const html = await renderPage("organization", org.id, post(orgPath(org.id), { intent: "price-list", kind: "markup", markup_percent: "30", when: "later", effective_at: "2020-01-01T00:00" }));
    expect(html).toMatch(/id="field-effective_at-error"[^>]*>Use now \(leave it out\) or a later time/);
    expect(html).toContain("is in the past");
  });

  it("saves billing: currency with its rate and date, and the statement period; a currency without a rate is refused at the field", async () => {
    const { org } = await makeOrg();
    const refused = await sendOrg(org.id, { intent: "billing", statement_period: "calendar_month", currency: "EUR", exchange_rate: "", exchange_rate_date: "" });
    expect(refused.status).toBe(400);
    const refusal = await refused.json();
    expect(refusal.intent).toBe("billing");
    expect(refusal.result.error.exchange_rate?.[0]).toMatch(/EUR/);

    const saved = await sendOrg(org.id, { intent: "billing", statement_period: "budget_period", currency: "eur", exchange_rate: "0.92", exchange_rate_date: "2026-12-01" });
    expect(saved.status).toBe(302);
    const page = await orgPage(org.id);
    expect(page.organization).toMatchObject({ statement_period: "budget_period", currency: "EUR", exchange_rate: "0.92", exchange_rate_date: "2026-12-01" });
  });

  it("shows a viewer everything without a form, and refuses the viewer's post", async () => {
    const { org } = await makeOrg();
    await setOrganizationPriceList(masterActor, { organization_id: org.id, kind: "markup", markup_percent: 10 });
    const { token } = await createApiToken(masterActor, { name: `viewer ${run()}`, role: "viewer" });
    const asViewer = { Authorization: `Bearer ${token}` };

    const page = await orgPage(org.id, asViewer);
    expect(page.canWrite).toBe(false);
    expect(page.list.current).toMatchObject({ version: 1, markup_percent: 10 });

    const refused = await sendOrg(org.id, { intent: "price-list", kind: "markup", markup_percent: "50", when: "now" }, asViewer);
    expect(refused.status).toBe(403);
    const billing = await sendOrg(org.id, { intent: "billing", statement_period: "calendar_month", currency: "USD" }, asViewer);
    expect(billing.status).toBe(403);
    expect((await orgPage(org.id)).list.history).toHaveLength(1);

    const html = await renderPage("organization", org.id, get(orgPath(org.id), asViewer));
    expect(html).toContain('data-testid="price-list-current"');
    expect(html).toContain("Viewers see the prices");
    expect(html).not.toMatch(/<form/i);

    const { team } = await makeOrg();
    expect((await teamPage(team.id, asViewer)).canWrite).toBe(false);
    expect((await sendTeam(team.id, { intent: "price-list", kind: "markup", markup_percent: "50", when: "now" }, asViewer)).status).toBe(403);
    expect(await renderPage("team", team.id, get(teamPath(team.id), asViewer))).not.toMatch(/<form/i);
  });

  it("answers an unknown organization with a 404 page", async () => {
    const thrown = await orgLoader({ request: get(orgPath("no-such-org")), params: { organizationId: "no-such-org" }, context }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(thrown).toBeInstanceOf(Response);
    expect((thrown as Response).status).toBe(404);
  });
});

describe("the team pricing page", () => {
  it("says the organization's list prices the team until it gets its own, and back after 'use the organization's list'", async () => {
    const { org, team } = await makeOrg();
    expect((await teamPage(team.id)).pricedBy).toBe(pricedByText({ source: "none", version: null }));

    await setOrganizationPriceList(masterActor, { organization_id: org.id, kind: "markup", markup_percent: 30 });
    let page = await teamPage(team.id);
    expect(page.pricedBy).toMatch(/the organization's list/);
    expect(page.list.effective).toMatchObject({ source: "organization", version: { version: 1, markup_percent: 30 } });
    expect(page.list.history).toHaveLength(0);
    expect(page.team).toMatchObject({ id: team.id, organization_id: org.id });
    let html = await renderPage("team", team.id, get(teamPath(team.id)));
    expect(html).toContain("the organization&#x27;s list (version 1)");
    expect(html).toContain(`href="/admin/organizations/${org.id}/pricing"`);

    const own = await sendTeam(team.id, {
      intent: "price-list",
      kind: "per_model",
      "models[0].model": "gpt-4o",
      "models[0].input_per_million": "5",
      "models[0].output_per_million": "20",
      fallback_markup_percent: "",
      when: "now",
    });
    expect(own.status).toBe(302);
    page = await teamPage(team.id);
    expect(page.pricedBy).toMatch(/its own list/);
    html = await renderPage("team", team.id, get(teamPath(team.id)));
    expect(html).toContain("its own list (version 1)");
    expect(page.list.effective).toMatchObject({ source: "team", version: { version: 1, kind: "per_model", fallback_markup_percent: null } });

    const back = await sendTeam(team.id, { intent: "price-list", kind: "inherit", when: "now" });
    expect(back.status).toBe(302);
    page = await teamPage(team.id);
    expect(page.pricedBy).toMatch(/the organization's list/);
    expect(page.list.history.map((v) => v.kind)).toEqual(["inherit", "per_model"]);
  });

  it("answers a past effective time at the field", async () => {
    const { team } = await makeOrg();
    const past = await sendTeam(team.id, { intent: "price-list", kind: "markup", markup_percent: "30", when: "later", effective_at: "2020-01-01T00:00" });
    expect(past.status).toBe(400);
    expect((await past.json()).result.error.effective_at).toBeDefined();
  });
});
