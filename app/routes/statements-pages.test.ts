import { createRequire } from "node:module";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { createElement } from "react";
import { renderToString } from "react-dom/server";
import { createStaticHandler, createStaticRouter, StaticRouterProvider } from "react-router-dom/server";
import { describe, expect, it } from "vitest";
import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";
/* eslint-disable no-restricted-imports -- the test seeds teams, spend rows and credits as provisioning, ingestion and the ledger write them; the routes under test never reach db/ */
import { insertLedgerEntry } from "../../db/queries/ledger.ts";
import { insertOrganization } from "../../db/queries/organizations.ts";
import { insertTeam, insertTeamKey } from "../../db/queries/teams.ts";
import { insertUsageRows } from "../../db/queries/usage.ts";
import { db } from "~/lib/db.server";
/* eslint-enable no-restricted-imports */
import { clientAddress, masterActor } from "../../test/factories.ts";
import { TEST_MASTER_KEY } from "../../test/setup-db.ts";
import { hashKey } from "~/integrations/litellm/client.server";
import { encryptSecret } from "~/lib/crypto.server";
import { AppError } from "~/lib/errors";
import type { Actor } from "~/auth/actor";
import { portalSessionCookie } from "~/auth/portal-session.server";
import { getOperatorSettings, updateOperatorSettings } from "~/services/operator-settings.server";
import { setOrganizationPriceList } from "~/services/price-lists.server";
import { signInWithVirtualKey } from "~/services/portal/sign-in.server";
import OrganizationStatements, { loader as orgStatementsPage } from "./admin.organizations_.$organizationId_.statements.tsx";
import StatementPage, { loader as adminStatementPage } from "./admin.statements.$statementId.tsx";
import { loader as adminStatementCsv } from "./admin.statements.$statementId[.csv].tsx";
import { loader as adminStatementPdf } from "./admin.statements.$statementId[.pdf].tsx";
import { action as settingsAction, loader as settingsPage } from "./admin.settings.tsx";
import PortalStatements, { loader as portalStatementsPage } from "./portal.statements.tsx";
import { loader as portalStatementCsv } from "./portal.statements.$statementId[.csv].tsx";
import { loader as portalStatementPdf } from "./portal.statements.$statementId[.pdf].tsx";

/**
 * The statement pages as a browser reaches them: the admin's list for an organization and its
 * teams, a statement's page, its PDF and CSV (signed in with the master key); the portal's list and
 * downloads (a portal session cookie), where another team's statement is not found and no session
 * is refused.
 */

const run = () => Math.random().toString(36).slice(2, 8);
const origin = "http://localhost";
const context = { clientAddress: "127.0.0.1", requestId: "statements-pages-test" };
const require = createRequire(import.meta.url);
const standardFontDataUrl = path.join(path.dirname(require.resolve("pdfjs-dist/package.json")), "standard_fonts") + path.sep;

// Last month (UTC): its statement is there whether or not a close has run; the teams exist from its first day.
const now = new Date();
const MONTH = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
const at = (days: number, hours = 10) => new Date(MONTH.getTime() + days * 86_400_000 + hours * 3_600_000).toISOString();

async function makeOrg(values: { currency?: string; exchangeRate?: string; exchangeRateDate?: string } = {}) {
  return (await insertOrganization(db(), { id: randomUUID(), name: `Statements Pages Org ${run()}`, litellmOrganizationId: `stp-${run()}`, createdAt: MONTH, ...values }))!;
}

/** A team with a live key (so its customer can sign in to the portal), two spend rows last month and a credit. */
async function makeTeam(organizationId: string, label: string) {
  const team = (await insertTeam(db(), { id: `team-${randomUUID()}`, name: `${label} ${run()}`, organizationId, createdAt: MONTH, budgetStartsAt: MONTH }))!;
  const key = `sk-${randomUUID().replace(/-/g, "")}`;
  await insertTeamKey(db(), { id: randomUUID(), teamId: team.id, keyHash: hashKey(key), keyEncrypted: encryptSecret(key), keyAlias: `a-${run()}`, status: "live" });
  const spend = (model: string, amount: string, day: number) => ({
    request_id: `req-${randomUUID()}`,
    team_id: team.id,
    key_hash: hashKey(key),
    model_group: model,
    model: `openai/${model}`,
    prompt_tokens: 1000,
    completion_tokens: 250,
    total_tokens: 1250,
    spend: amount,
    start_time: at(day),
    end_time: at(day),
    latency_ms: 400,
    status: "success" as const,
    end_user: null,
    session_id: null,
    metadata: null,
  });
  await insertUsageRows(db(), [spend("gpt-4o", "1.25", 3), spend("gpt-4o-mini", "0.0300000001", 5)]);
  await insertLedgerEntry(db(), { id: randomUUID(), teamId: team.id, kind: "credit", amount: "20", reason: "Top-up", actorId: "test", via: "rest", createdAt: new Date(at(2)) });
  return { team, key };
}

const adminRequest = (p: string) => new Request(`${origin}${p}`, { headers: { "X-Admin-Key": TEST_MASTER_KEY } });

async function portalCookie(key: string) {
  return (await portalSessionCookie(await signInWithVirtualKey({ key }, clientAddress()))).split(";")[0]!;
}

/** What a loader threw, as a Response (throwAsResponse and redirects throw one). */
async function thrownResponse(promise: Promise<unknown>): Promise<Response> {
  const thrown = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(thrown).toBeInstanceOf(Response);
  return thrown as Response;
}

async function pdfText(bytes: ArrayBuffer): Promise<string> {
  const pdf = await getDocument({ data: new Uint8Array(bytes), standardFontDataUrl, verbosity: 0 }).promise;
  let text = "";
  for (let n = 1; n <= pdf.numPages; n++) {
    for (const item of (await (await pdf.getPage(n)).getTextContent()).items) if ("str" in item) text += `${item.str} `;
  }
  await pdf.destroy();
  return text.replace(/\s+/g, " ");
}

/** The page's HTML as the server renders it on its real loader's answer. */
async function renderPage(Component: () => React.ReactElement, loader: () => Promise<Response>, url: string): Promise<string> {
  const handler = createStaticHandler([{ id: "page", path: "*", Component, loader }]);
  const state = await handler.query(new Request(`${origin}${url}`));
  if (state instanceof Response) throw new Error(`The page answered ${state.status}`);
  return renderToString(createElement(StaticRouterProvider, { router: createStaticRouter(handler.dataRoutes, state), context: state, hydrate: false }));
}

/** The statement of last month in a list (lists are newest first). */
function lastMonthOf<T extends { period: { start: string } }>(list: T[]): T {
  const found = list.find((s) => s.period.start === MONTH.toISOString());
  expect(found).toBeDefined();
  return found!;
}

describe("the admin statement pages", () => {
  it("list an organization's statements and a team's, show one with our margin, and download it as PDF and CSV without it", async () => {
    const operatorName = `Northwind Resale ${run()}`;
    await updateOperatorSettings(masterActor, { name: operatorName, details: "1 Harbour Street, Bristol" });
    const org = await makeOrg({ currency: "EUR", exchangeRate: "0.9", exchangeRateDate: "2026-01-31" });
    // A 30 % markup from the month's start, so what the customer is billed differs from our cost.
    await setOrganizationPriceList(masterActor, { organization_id: org.id, kind: "markup", markup_percent: 30 }, MONTH);
    const { team } = await makeTeam(org.id, "Vision");
    await makeTeam(org.id, "Speech");

    const page = await (await orgStatementsPage({ request: adminRequest(`/admin/organizations/${org.id}/statements?team=${team.id}`), params: { organizationId: org.id }, context })).json();
    expect(page.organization).toMatchObject({ organization_id: org.id, name: org.name });
    expect(page.teams).toHaveLength(2);
    const orgStatement = lastMonthOf(page.statements as Array<{ statement_id: string; period: { start: string }; team: unknown }>);
    expect(orgStatement.team).toBeNull();
    const teamStatement = lastMonthOf(page.team!.statements as Array<{ statement_id: string; period: { start: string }; team: { id: string } }>);
    expect(teamStatement.team.id).toBe(team.id);

    // The page: the customer's document and, for admins, cost and margin.
    const view = await (await adminStatementPage({ request: adminRequest(`/admin/statements/${teamStatement.statement_id}`), params: { statementId: teamStatement.statement_id }, context })).json();
    expect(view.document.usage.map((u: { model: string }) => u.model).sort()).toEqual(["gpt-4o", "gpt-4o-mini"]);
    expect(view.document.currency).toMatchObject({ code: "EUR", rate: "0.9", rate_date: "2026-01-31" });
    expect(view.document.total_billed).toEqual({ usd: "1.6640000001", converted: "1.50" });
    expect(view.internal).toMatchObject({ cost: "1.2800000001", margin: "0.384" });

    // The pages as rendered: the download links, the converted figures with their code, and our margin on the admin's page.
    const viewHtml = await renderPage(StatementPage, () => adminStatementPage({ request: adminRequest(`/admin/statements/${teamStatement.statement_id}`), params: { statementId: teamStatement.statement_id }, context }), "/");
    expect(viewHtml).toContain(`href="/admin/statements/${teamStatement.statement_id}.pdf"`);
    expect(viewHtml).toContain(`href="/admin/statements/${teamStatement.statement_id}.csv"`);
    expect(viewHtml).toContain("EUR 1.50");
    expect(viewHtml).toContain("USD 0.384");
    const listHtml = await renderPage(
      OrganizationStatements,
      () => orgStatementsPage({ request: adminRequest(`/admin/organizations/${org.id}/statements?team=${team.id}`), params: { organizationId: org.id }, context }),
      "/",
    );
    expect(listHtml).toContain(`href="/admin/statements/${orgStatement.statement_id}"`);
    expect(listHtml).toContain(`href="/admin/statements/${teamStatement.statement_id}.pdf"`);

    const pdf = await adminStatementPdf({ request: adminRequest(`/admin/statements/${teamStatement.statement_id}.pdf`), params: { statementId: teamStatement.statement_id }, context });
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get("Content-Type")).toBe("application/pdf");
    expect(pdf.headers.get("Content-Disposition")).toMatch(/^attachment; filename="statement_Statements-Pages-Org-[a-z0-9]+_Vision-[a-z0-9]+_\d{4}-\d{2}-01\.pdf"$/);
    const text = await pdfText(await pdf.arrayBuffer());
    expect(text).toContain(operatorName);
    expect(text).toContain(org.name);
    expect(text).toContain(team.name);
    expect(text).toContain("1 USD = 0.9 EUR");
    expect(text).toContain("31 Jan 2026");
    for (const u of view.document.usage as Array<{ model: string; billed: { converted: string } }>) expect(text).toContain(`${u.model} 1 1,000 250 EUR ${u.billed.converted}`);
    expect(text).toContain(`Total billed EUR ${view.document.total_billed.converted}`);
    expect(text).not.toMatch(/cost|margin/i);

    const csv = await adminStatementCsv({ request: adminRequest(`/admin/statements/${teamStatement.statement_id}.csv`), params: { statementId: teamStatement.statement_id }, context });
    expect(csv.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(csv.headers.get("Content-Disposition")).toMatch(/^attachment; filename="statement_.*\.csv"$/);
    const body = await csv.text();
    expect(body).toContain(`operator,${operatorName}\r\n`);
    expect(body).toContain(`\r\ntotal,,,,,total_billed,${MONTH.toISOString()},`);
    expect(body).toContain(`,${view.document.total_billed.usd},${view.document.total_billed.converted},EUR\r\n`);
    expect(body).not.toMatch(/margin|1\.2800000001/);
  });

  it("send a visitor without a session to sign in, and answer an unknown statement with 404", async () => {
    const signIn = await thrownResponse(adminStatementPdf({ request: new Request(`${origin}/admin/statements/x.pdf`), params: { statementId: "x" }, context }));
    expect(signIn.headers.get("Location")).toMatch(/^\/signin\?redirectTo=/);
    const id = `st-t-20260101T000000Z-${Buffer.from(`team-${randomUUID()}`).toString("base64url")}`;
    const missing = await thrownResponse(adminStatementCsv({ request: adminRequest(`/admin/statements/${id}.csv`), params: { statementId: id }, context }));
    expect(missing.status).toBe(404);
  });
});

describe("the portal's statements", () => {
  it("list the customer's own team's statements and download them; another team's and the organization's are not found; no session is refused", async () => {
    const org = await makeOrg();
    const mine = await makeTeam(org.id, "Mine");
    const theirs = await makeTeam(org.id, "Theirs");
    const cookie = await portalCookie(mine.key);
    const portalRequest = (p: string) => new Request(`${origin}${p}`, { headers: { cookie } });

    const list = (await (await portalStatementsPage({ request: portalRequest("/portal/statements"), params: {}, context })).json()).statements as Array<{
      statement_id: string;
      period: { start: string };
      team: { id: string } | null;
    }>;
    expect(list.length).toBeGreaterThan(0);
    expect(list.every((s) => s.team?.id === mine.team.id)).toBe(true);
    expect(JSON.stringify(list)).not.toMatch(/cost|margin/);
    const own = lastMonthOf(list);

    const listHtml = await renderPage(PortalStatements, () => portalStatementsPage({ request: portalRequest("/portal/statements"), params: {}, context }), "/");
    expect(listHtml).toContain(`href="/portal/statements/${own.statement_id}.pdf"`);
    expect(listHtml).not.toContain("/admin/");

    const pdf = await portalStatementPdf({ request: portalRequest(`/portal/statements/${own.statement_id}.pdf`), params: { statementId: own.statement_id }, context });
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get("Content-Type")).toBe("application/pdf");
    expect(pdf.headers.get("Content-Disposition")).toMatch(/^attachment; filename="statement_[A-Za-z0-9._-]+\.pdf"$/);
    expect(await pdfText(await pdf.arrayBuffer())).toContain(mine.team.name);
    const csv = await portalStatementCsv({ request: portalRequest(`/portal/statements/${own.statement_id}.csv`), params: { statementId: own.statement_id }, context });
    expect(csv.status).toBe(200);
    expect(await csv.text()).toContain(`team,${mine.team.name}\r\n`);

    // Another team's statement of the same organization and period, and the organization's: as if they did not exist.
    const theirList = await (await orgStatementsPage({ request: adminRequest(`/admin/organizations/${org.id}/statements?team=${theirs.team.id}`), params: { organizationId: org.id }, context })).json();
    const other = lastMonthOf(theirList.team!.statements as Array<{ statement_id: string; period: { start: string } }>).statement_id;
    const orgs = lastMonthOf(theirList.statements as Array<{ statement_id: string; period: { start: string } }>).statement_id;
    for (const [id, download] of [
      [other, portalStatementPdf],
      [other, portalStatementCsv],
      [orgs, portalStatementPdf],
    ] as const) {
      const refused = await download({ request: portalRequest(`/portal/statements/${id}`), params: { statementId: id }, context });
      expect(refused.status).toBe(404);
      const text = await refused.text();
      expect(text).not.toContain(theirs.team.name);
      expect(text).not.toContain("%PDF");
    }

    // Without a session: the downloads answer 401, the list sends the customer to sign in.
    const anonymous = await portalStatementPdf({ request: new Request(`${origin}/portal/statements/${own.statement_id}.pdf`), params: { statementId: own.statement_id }, context });
    expect(anonymous.status).toBe(401);
    const anonymousCsv = await portalStatementCsv({ request: new Request(`${origin}/portal/statements/${own.statement_id}.csv`), params: { statementId: own.statement_id }, context });
    expect(anonymousCsv.status).toBe(401);
    const signIn = await thrownResponse(portalStatementsPage({ request: new Request(`${origin}/portal/statements`), params: {}, context }));
    expect(signIn.headers.get("Location")).toBe("/portal/signin");
  });
});

describe("the operator settings", () => {
  const viewer: Actor = { userId: "viewer-operator", name: "Viewer", email: null, role: "viewer", via: "web" };
  // A 1×1 PNG.
  const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

  async function refusal(promise: Promise<unknown>): Promise<AppError> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }

  it("keep a PNG or JPEG logo of at most 256 KB, checked by its bytes, and refuse viewers", async () => {
    const saved = await updateOperatorSettings(masterActor, { name: "Logo Test Ltd", details: "VAT 123", logo_base64: PNG });
    expect(saved.logo).toMatchObject({ mime: "image/png", bytes: 70 });
    // Left out, the logo stays; remove_logo takes it away.
    expect((await updateOperatorSettings(masterActor, { name: "Logo Test Ltd" })).logo?.mime).toBe("image/png");
    expect((await getOperatorSettings(viewer)).name).toBe("Logo Test Ltd");
    expect((await updateOperatorSettings(masterActor, { name: "Logo Test Ltd", remove_logo: true })).logo).toBeNull();

    const notImage = await refusal(updateOperatorSettings(masterActor, { name: "X", logo_base64: Buffer.from("GIF89a not a png").toString("base64") }));
    expect(notImage.fieldErrors?.logo?.[0]).toMatch(/PNG or JPEG/);
    const big = Buffer.alloc(256 * 1024 + 1, 0);
    Buffer.from(PNG, "base64").copy(big);
    const tooBig = await refusal(updateOperatorSettings(masterActor, { name: "X", logo_base64: big.toString("base64") }));
    expect(tooBig.code).toBe("BAD_REQUEST");
    const damaged = Buffer.from(PNG, "base64");
    damaged.fill(0x41, 40, 50);
    expect((await refusal(updateOperatorSettings(masterActor, { name: "X", logo_base64: damaged.toString("base64") }))).fieldErrors?.logo?.[0]).toMatch(/could not be read|PNG or JPEG/);

    expect((await refusal(updateOperatorSettings(viewer, { name: "Viewer Ltd" }))).code).toBe("FORBIDDEN");
  });

  it("are saved from the settings page's form with the logo uploaded as a file, and a GIF is refused at the logo field", async () => {
    const post = (fields: Record<string, string | File>) => {
      const form = new FormData();
      for (const [k, v] of Object.entries(fields)) form.append(k, v);
      return settingsAction({ request: new Request(`${origin}/admin/settings`, { method: "POST", body: form, headers: { "X-Admin-Key": TEST_MASTER_KEY } }), params: {}, context });
    };
    const png = new File([Buffer.from(PNG, "base64")], "logo.png", { type: "image/png" });
    const saved = await post({ intent: "update-operator", name: "Upload Ltd", details: "Line one\nLine two", logo: png });
    expect(saved.status).toBe(302);
    const settings = await (await settingsPage({ request: adminRequest("/admin/settings"), params: {}, context })).json();
    expect(settings.operator).toMatchObject({ name: "Upload Ltd", details: "Line one\nLine two", logo: { mime: "image/png", bytes: 70 } });

    // A file that claims to be a PNG but is not: refused by its bytes, at the logo field; nothing changes.
    const fake = new File([Buffer.from("GIF89a....")], "logo.png", { type: "image/png" });
    const refused = await post({ intent: "update-operator", name: "Other Ltd", logo: fake });
    expect(refused.status).toBe(400);
    const reply = await refused.json();
    expect(reply.result.error?.logo?.[0]).toMatch(/PNG or JPEG/);
    expect((await getOperatorSettings(masterActor)).name).toBe("Upload Ltd");
  });
});
