import { createHash, randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { insertLedgerEntry } from "../../db/queries/ledger.ts";
import { insertOrganization } from "../../db/queries/organizations.ts";
import { insertTeam, insertTeamKey } from "../../db/queries/teams.ts";
import { insertUsageRows, type UsageRowInput } from "../../db/queries/usage.ts";
import { masterActor } from "../../test/factories.ts";
import { rest } from "../../test/rest.ts";
import { TEST_MASTER_KEY } from "../../test/setup-db.ts";
import { db } from "~/lib/db.server";
import { AppError } from "~/lib/errors";
import { money } from "~/lib/money";
import type { Actor, CustomerActor } from "~/auth/actor";
import { setOrganizationPriceList, setTeamPriceList } from "./price-lists.server.ts";
import { buildStatement, closeStatements, convertToCents, getStatement, listStatements, statementIdOf, type StatementDocument } from "./statements.server.ts";
import { createWebhookEndpoint } from "./webhooks.server.ts";

/**
 * Statements (docs/statements.md): built from the rollups and the ledger, exact to 1e-10 USD;
 * closed into immutable rows once ingestion has read past a period by the late-write margin; late
 * rows go into the next statement; customers see their own team's only.
 */
const admin: Actor = { ...masterActor, via: "rest" };
const viewer: Actor = { userId: "viewer-statements", name: "Viewer", email: null, role: "viewer", via: "rest" };
const run = () => Math.random().toString(36).slice(2, 8);
const asAdmin = { "X-Admin-Key": TEST_MASTER_KEY };

const CREATED = new Date("2026-09-20T00:00:00Z");
const OCT = new Date("2026-10-01T00:00:00Z");
const NOV = new Date("2026-11-01T00:00:00Z");
const DEC = new Date("2026-12-01T00:00:00Z");
const MID_OCT = new Date("2026-10-20T00:00:00Z");
const MID_NOV = new Date("2026-11-15T00:00:00Z");

async function makeOrg(values: { currency?: string; exchangeRate?: string; exchangeRateDate?: string; statementPeriod?: "calendar_month" | "budget_period" } = {}) {
  const org = (await insertOrganization(db(), { id: randomUUID(), name: `Statements Org ${run()}`, litellmOrganizationId: `stm-${run()}`, createdAt: CREATED, ...values }))!;
  const team = async (name: string) => (await insertTeam(db(), { id: `team-${randomUUID()}`, name: `${name} ${run()}`, organizationId: org.id, createdAt: CREATED, budgetStartsAt: CREATED }))!;
  return { org, team };
}

function row(teamId: string, at: string, overrides: Partial<UsageRowInput> = {}): UsageRowInput {
  return {
    request_id: `chatcmpl-${randomUUID()}`,
    team_id: teamId,
    key_hash: "h",
    model_group: "gpt-4o",
    model: "openai/gpt-4o",
    prompt_tokens: 1234,
    completion_tokens: 567,
    total_tokens: 1801,
    spend: "0.0087555",
    start_time: at,
    end_time: null,
    latency_ms: 300,
    status: "success",
    end_user: null,
    session_id: null,
    metadata: null,
    ...overrides,
  };
}

async function ledger(teamId: string, kind: "credit" | "adjustment" | "allowance" | "rollover", amount: string, at: string, reason = `${kind} ${amount}`) {
  return insertLedgerEntry(db(), { id: randomUUID(), teamId, kind, amount, reason, actorId: "test", via: "rest", createdAt: new Date(at) });
}

/** Where ingestion has got to (ingestion_state.window_start), set outright. */
async function ingestedTo(at: Date) {
  await db().execute(
    sql`insert into ingestion_state (id, window_start) values ('spend-logs', ${at.toISOString()}::timestamptz) on conflict (id) do update set window_start = excluded.window_start`,
  );
}

async function rawBilled(teamIds: string[], from: Date, to: Date): Promise<string> {
  const rows = await db().execute(
    sql`select coalesce(sum(billed), 0)::text as billed from usage_requests where team_id in ${teamIds} and start_time >= ${from.toISOString()}::timestamptz and start_time < ${to.toISOString()}::timestamptz`,
  );
  return Array.from(rows as unknown as Iterable<{ billed: string }>)[0]!.billed.replace(/\.?0+$/, "");
}

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

const lines = (d: StatementDocument) => d.usage.map((l) => [l.team_id, l.model, l.requests, l.prompt_tokens, l.completion_tokens, l.billed.usd]);

describe("building a statement", () => {
  it("adds up a month of credits, an adjustment and usage on a markup list and a per-model list, exactly; the organization's is the sum of its teams", async () => {
    const { org, team } = await makeOrg();
    const a = await team("Markup");
    const b = await team("Per model");
    await setOrganizationPriceList(admin, { organization_id: org.id, kind: "markup", markup_percent: 30 }, OCT);
    await setTeamPriceList(
      admin,
      {
        team_id: b.id,
        kind: "per_model",
        models: [
          { model: "gpt-4o", input_per_million: "2.5", output_per_million: 10 },
          { model: "claude-3", input_per_million: 3, output_per_million: 15 },
        ],
      },
      OCT,
    );
    await insertUsageRows(db(), [
      row(a.id, "2026-09-30T23:59:59.999Z", { spend: "1" }),
      row(a.id, "2026-10-03T10:15:00Z"),
      row(a.id, "2026-10-31T23:59:59.500Z", { spend: "0.5", prompt_tokens: 100, completion_tokens: 50, total_tokens: 150 }),
      row(a.id, "2026-10-15T12:00:00Z", { model_group: "claude-3", spend: "1.2345678901", prompt_tokens: 1000, completion_tokens: 200, total_tokens: 1200 }),
      row(a.id, "2026-11-01T00:00:00Z", { spend: "1" }),
      row(b.id, "2026-10-10T08:30:00Z"),
      row(b.id, "2026-10-20T00:00:00Z", { model_group: "claude-3", spend: "0.004" }),
    ]);
    await ledger(a.id, "credit", "100", "2026-09-25T00:00:00Z");
    await ledger(a.id, "allowance", "40", "2026-10-01T00:00:00Z");
    await ledger(a.id, "credit", "50", "2026-10-05T00:00:00Z", "Top-up");
    await ledger(a.id, "adjustment", "-10", "2026-10-10T00:00:00Z", "Refund of a credit");
    await ledger(a.id, "rollover", "-5", "2026-10-31T12:00:00Z");
    await ledger(a.id, "credit", "7", "2026-11-02T00:00:00Z");
    await ledger(b.id, "credit", "20", "2026-10-02T00:00:00Z");

    const now = MID_NOV;
    const teamA = await buildStatement({ organizationId: org.id, teamId: a.id }, { periodStart: OCT, now });
    // gpt-4o: 0.0087555 × 1.3 + 0.5 × 1.3; claude-3: 1.2345678901 × 1.3 = 1.60493825713, stored as 1.6049382571.
    expect(lines(teamA.document)).toEqual([
      [a.id, "claude-3", 1, 1000, 200, "1.6049382571"],
      [a.id, "gpt-4o", 2, 1334, 617, "0.66138215"],
    ]);
    expect(teamA.document.total_billed).toEqual({ usd: "2.2663204071", converted: "2.27" });
    expect(teamA.document.period).toEqual({ start: OCT.toISOString(), end: NOV.toISOString(), basis: "calendar_month" });
    expect(teamA.document.opening_balance.usd).toBe("100");
    expect(teamA.document.credits.map((c) => [c.kind, c.amount.usd, c.reason])).toEqual([
      ["credit", "50", "Top-up"],
      ["adjustment", "-10", "Refund of a credit"],
    ]);
    expect([teamA.document.credits_total.usd, teamA.document.adjustments_total.usd, teamA.document.credits_used.usd, teamA.document.closing_balance.usd]).toEqual(["50", "-10", "5", "135"]);
    expect(teamA.internal).toEqual({ cost: "1.7433233901", margin: "0.522997017", margin_percent: 23.08 });

    const teamB = await buildStatement({ organizationId: org.id, teamId: b.id }, { periodStart: OCT, now });
    // 1234 × 2.5/1M + 567 × 10/1M = 0.008755; 1234 × 3/1M + 567 × 15/1M = 0.012207.
    expect(lines(teamB.document)).toEqual([
      [b.id, "claude-3", 1, 1234, 567, "0.012207"],
      [b.id, "gpt-4o", 1, 1234, 567, "0.008755"],
    ]);
    expect(teamB.document.total_billed.usd).toBe("0.020962");
    expect(teamB.document.closing_balance.usd).toBe("20");

    const whole = await buildStatement({ organizationId: org.id, teamId: null }, { periodStart: OCT, now });
    expect(whole.document.team).toBeNull();
    expect(whole.document.total_billed.usd).toBe("2.2872824071");
    expect(whole.document.total_billed.usd).toBe(await rawBilled([a.id, b.id], OCT, NOV));
    expect(lines(whole.document).sort()).toEqual([...lines(teamA.document), ...lines(teamB.document)].sort());
    expect(whole.document.credits).toHaveLength(3);
    expect([whole.document.opening_balance.usd, whole.document.credits_total.usd, whole.document.adjustments_total.usd, whole.document.credits_used.usd, whole.document.closing_balance.usd]).toEqual([
      "100",
      "70",
      "-10",
      "5",
      "155",
    ]);
  });

  it("reads partial hours and days from the raw rows when a team's budget period does not start on a day", async () => {
    const { org } = await makeOrg({ statementPeriod: "budget_period" });
    const anchor = new Date("2026-10-03T10:30:00Z");
    const t = (await insertTeam(db(), { id: `team-${randomUUID()}`, name: `Weekly ${run()}`, organizationId: org.id, createdAt: anchor, budgetStartsAt: anchor, budgetDuration: "7d", maxBudget: "10" }))!;
    await insertUsageRows(db(), [
      row(t.id, "2026-10-03T10:29:59Z", { spend: "1" }),
      row(t.id, "2026-10-03T10:30:00Z", { spend: "0.1" }),
      row(t.id, "2026-10-03T11:00:00Z", { spend: "0.02" }),
      row(t.id, "2026-10-05T00:00:00Z", { spend: "0.003" }),
      row(t.id, "2026-10-10T10:29:59.999Z", { spend: "0.0004" }),
      row(t.id, "2026-10-10T10:30:00Z", { spend: "5" }),
    ]);
    const s = await buildStatement({ organizationId: org.id, teamId: t.id }, { periodStart: anchor, now: MID_OCT });
    expect(s.document.period).toEqual({ start: anchor.toISOString(), end: "2026-10-10T10:30:00.000Z", basis: "budget_period" });
    expect(s.document.total_billed.usd).toBe("0.1234");
    expect(s.document.usage[0]!.requests).toBe(4);
    // The organization's statement stays on the calendar month.
    const whole = await buildStatement({ organizationId: org.id, teamId: null }, { periodStart: OCT, now: MID_OCT });
    expect(whole.document.period.basis).toBe("calendar_month");
    expect(whole.document.total_billed.usd).toBe("6.1234");
  });

  it("converts to the organization's currency at its rate, rounded half-up to cents, exactly, with the rate and its date", async () => {
    expect(convertToCents(money("0.3"), "0.05")).toBe("0.02"); // 0.3 × 0.05 = 0.015 (a float says 0.01)
    expect(convertToCents(money("-0.3"), "0.05")).toBe("-0.02");
    expect(convertToCents(money("0.0049999999"), "1")).toBe("0.00"); // 0.0049999999
    expect(convertToCents(money("1234567.125"), "1")).toBe("1234567.13");
    expect(convertToCents(money("99999999.9999999999"), "123456789.12345678")).toBe("12345678912345677.99");

    const { org, team } = await makeOrg({ currency: "EUR", exchangeRate: "0.80000000", exchangeRateDate: "2026-09-30" });
    const t = await team("Euro");
    await insertUsageRows(db(), [row(t.id, "2026-10-07T00:00:00Z", { spend: "1.00625" })]);
    await ledger(t.id, "credit", "12.34", "2026-10-01T00:00:00Z");
    const { document } = await buildStatement({ organizationId: org.id, teamId: t.id }, { periodStart: OCT, now: MID_NOV });
    expect(document.currency).toEqual({ code: "EUR", rate: "0.8", rate_date: "2026-09-30" });
    expect(document.total_billed).toEqual({ usd: "1.00625", converted: "0.81" }); // 0.805 rounds up
    expect(document.usage[0]!.billed).toEqual({ usd: "1.00625", converted: "0.81" });
    expect(document.credits[0]!.amount).toEqual({ usd: "12.34", converted: "9.87" }); // 9.872

    const { org: usd, team: usdTeam } = await makeOrg();
    const u = await usdTeam("Dollar");
    await insertUsageRows(db(), [row(u.id, "2026-10-07T00:00:00Z", { spend: "1.005" })]);
    const dollars = await buildStatement({ organizationId: usd.id, teamId: u.id }, { periodStart: OCT, now: MID_NOV });
    expect(dollars.document.currency).toEqual({ code: "USD", rate: "1", rate_date: null });
    expect(dollars.document.total_billed).toEqual({ usd: "1.005", converted: "1.01" });
  });
});

describe("closing", () => {
  it("closes a period into one row, a second close changes nothing, statement.ready is queued once, and late rows go into the next statement", async () => {
    const hook = await createWebhookEndpoint(admin, { url: "http://127.0.0.1:9/statements", events: ["statement.ready"] });
    const { org, team } = await makeOrg();
    const t = await team("Closing");
    const teamScope = { organizationId: org.id, teamId: t.id };
    const octId = statementIdOf(teamScope, OCT);
    const novId = statementIdOf(teamScope, NOV);
    await insertUsageRows(db(), [row(t.id, "2026-10-05T00:00:00Z", { spend: "1" }), row(t.id, "2026-10-31T23:59:50Z", { spend: "0.25" })]);

    // Ingestion has read to 29 s past the month's end: within the late-write margin, nothing closes.
    await ingestedTo(new Date(NOV.getTime() + 29_000));
    await closeStatements(MID_NOV);
    expect((await getStatement(admin, { statement_id: octId }, MID_NOV)).document.status).toBe("open");

    await ingestedTo(new Date(NOV.getTime() + 30_000));
    await closeStatements(MID_NOV);
    const closed = await getStatement(admin, { statement_id: octId }, MID_NOV);
    expect(closed.document).toMatchObject({ statement_id: octId, status: "closed", closed_at: MID_NOV.toISOString(), total_billed: { usd: "1.25" } });
    expect(closed.internal).toEqual({ cost: "1.25", margin: "0", margin_percent: 0 });

    const deliveries = async () => {
      const rows = await db().execute(sql`select payload from webhook_deliveries where endpoint_id = ${hook.id} and event_type = 'statement.ready'`);
      return Array.from(rows as unknown as Iterable<{ payload: { data: { statement_id: string; total_billed: { usd: string } } } }>).map((r) => r.payload.data);
    };
    const octEvents = async () => (await deliveries()).filter((d) => d.statement_id === octId);
    expect(await octEvents()).toEqual([expect.objectContaining({ statement_id: octId, status: "closed", total_billed: { usd: "1.25", converted: "1.25" } })]);
    // The organization's statement and September's (the team was created on 20 September) closed too.
    const orgOct = statementIdOf({ organizationId: org.id, teamId: null }, OCT);
    expect((await deliveries()).map((d) => d.statement_id)).toEqual(expect.arrayContaining([orgOct, octId, statementIdOf(teamScope, new Date("2026-09-01T00:00:00Z"))]));

    const before = await db().execute(sql`select id, document, closed_at from statements where organization_id = ${org.id} order by id`);
    await closeStatements(new Date(MID_NOV.getTime() + 60_000));
    const after = await db().execute(sql`select id, document, closed_at from statements where organization_id = ${org.id} order by id`);
    expect(Array.from(after as unknown as Iterable<unknown>)).toEqual(Array.from(before as unknown as Iterable<unknown>));
    expect(await octEvents()).toHaveLength(1);

    // LiteLLM writes a row of October after the close: October stays as it was; November carries it, dated.
    await insertUsageRows(db(), [row(t.id, "2026-10-20T00:00:00Z", { spend: "0.5", model_group: "claude-3" }), row(t.id, "2026-11-03T00:00:00Z", { spend: "2" })]);
    expect((await getStatement(admin, { statement_id: octId }, MID_NOV)).document).toEqual(closed.document);
    const novOpen = await getStatement(admin, { statement_id: novId }, MID_NOV);
    expect(novOpen.document.status).toBe("open");
    expect(novOpen.document.late_usage).toEqual([
      expect.objectContaining({ model: "claude-3", team_id: t.id, requests: 1, billed: { usd: "0.5", converted: "0.50" }, period_start: OCT.toISOString(), period_end: NOV.toISOString(), recorded_at: MID_NOV.toISOString() }),
    ]);
    expect(novOpen.document.total_billed.usd).toBe("2.5");
    const orgNov = await getStatement(admin, { statement_id: statementIdOf({ organizationId: org.id, teamId: null }, NOV) }, MID_NOV);
    expect(orgNov.document.late_usage.map((l) => l.billed.usd)).toEqual(["0.5"]);

    // November closes with the late line; a second late row of October, after that, goes into December (two periods back).
    const novClose = new Date("2026-12-02T00:00:00Z");
    await ingestedTo(new Date(DEC.getTime() + 60_000));
    await closeStatements(novClose);
    const novClosed = await getStatement(admin, { statement_id: novId }, novClose);
    expect(novClosed.document.late_usage).toEqual([expect.objectContaining({ period_start: OCT.toISOString(), recorded_at: novClose.toISOString(), billed: { usd: "0.5", converted: "0.50" } })]);
    await insertUsageRows(db(), [row(t.id, "2026-10-21T00:00:00Z", { spend: "0.125", model_group: "claude-3" })]);
    const dec = await getStatement(admin, { statement_id: statementIdOf(teamScope, DEC) }, new Date("2026-12-03T00:00:00Z"));
    expect(dec.document.late_usage.map((l) => [l.period_start, l.model, l.requests, l.billed.usd])).toEqual([[OCT.toISOString(), "claude-3", 1, "0.125"]]);
    expect((await getStatement(admin, { statement_id: novId }, novClose)).document).toEqual(novClosed.document);

    // The list: newest first, the open December then the closed ones.
    const list = await listStatements(viewer, { team_id: t.id }, new Date("2026-12-03T00:00:00Z"));
    expect(list.map((s) => [s.statement_id, s.status])).toEqual([
      [statementIdOf(teamScope, DEC), "open"],
      [novId, "closed"],
      [octId, "closed"],
      [statementIdOf(teamScope, new Date("2026-09-01T00:00:00Z")), "closed"],
    ]);
    expect(list[0]!.total_billed.usd).toBe("0.125");
  });
});

describe("closing budget periods", () => {
  it("a team of a budget_period organization closes by its own budget period, the organization by the calendar month", async () => {
    const { org } = await makeOrg({ statementPeriod: "budget_period" });
    const anchor = new Date("2026-09-20T06:00:00Z");
    const t = (await insertTeam(db(), { id: `team-${randomUUID()}`, name: `Fortnight ${run()}`, organizationId: org.id, createdAt: anchor, budgetStartsAt: anchor, budgetDuration: "14d", maxBudget: "5" }))!;
    await insertUsageRows(db(), [row(t.id, "2026-10-03T05:59:59Z", { spend: "1" }), row(t.id, "2026-10-04T06:00:00Z", { spend: "2" })]);
    await ingestedTo(new Date("2026-10-18T06:00:30Z"));
    await closeStatements(MID_OCT);
    const ids = { organizationId: org.id, teamId: t.id };
    const first = await getStatement(admin, { statement_id: statementIdOf(ids, anchor) }, MID_OCT);
    expect(first.document).toMatchObject({ status: "closed", period: { start: anchor.toISOString(), end: "2026-10-04T06:00:00.000Z", basis: "budget_period" }, total_billed: { usd: "1" } });
    const second = await getStatement(admin, { statement_id: statementIdOf(ids, new Date("2026-10-04T06:00:00Z")) }, MID_OCT);
    expect(second.document).toMatchObject({ status: "closed", period: { end: "2026-10-18T06:00:00.000Z" }, total_billed: { usd: "2" } });
    // September closed for the organization (it ended long before); October is still open.
    const orgIds = { organizationId: org.id, teamId: null };
    expect((await getStatement(admin, { statement_id: statementIdOf(orgIds, new Date("2026-09-01T00:00:00Z")) }, MID_OCT)).document.status).toBe("closed");
    expect((await getStatement(admin, { statement_id: statementIdOf(orgIds, OCT) }, MID_OCT)).document).toMatchObject({ status: "open", total_billed: { usd: "3" } });
  });
});

describe("who reads statements", () => {
  it("a team's customer reads its own team's statements without cost or margin; another team's answer as unknown", async () => {
    const { org, team } = await makeOrg();
    const a = await team("Own");
    const b = await team("Other");
    await insertUsageRows(db(), [row(a.id, "2026-10-05T00:00:00Z"), row(b.id, "2026-10-05T00:00:00Z")]);
    const customer: CustomerActor = { kind: "customer", credential: "virtual_key", teamId: a.id, userId: `key:${a.id}`, name: a.name, via: "rest" };
    const portal: CustomerActor = { kind: "customer", teamId: a.id, userId: `portal:${a.id}`, name: a.name, via: "web" };
    const own = statementIdOf({ organizationId: org.id, teamId: a.id }, OCT);
    const other = statementIdOf({ organizationId: org.id, teamId: b.id }, OCT);

    for (const actor of [customer, portal]) {
      const mine = await getStatement(actor, { statement_id: own }, MID_OCT);
      expect(mine.internal).toBeNull();
      expect(JSON.stringify(mine)).not.toMatch(/cost|margin/);
      expect((await listStatements(actor, {}, MID_OCT)).map((s) => s.statement_id)).toContain(own);
      const theirs = await refusal(getStatement(actor, { statement_id: other }, MID_OCT));
      const unknown = await refusal(getStatement(actor, { statement_id: statementIdOf({ organizationId: org.id, teamId: "no-such-team" }, OCT) }, MID_OCT));
      expect([theirs.code, unknown.code]).toEqual(["NOT_FOUND", "NOT_FOUND"]);
      expect(theirs.userMessage.replace(other, "X")).toBe(unknown.userMessage.replace(/st-\S+?(?=\.)/, "X"));
      expect((await refusal(listStatements(actor, { team_id: b.id }, MID_OCT))).code).toBe("NOT_FOUND");
      expect((await refusal(listStatements(actor, { organization_id: org.id }, MID_OCT))).code).toBe("NOT_FOUND");
      expect((await refusal(getStatement(actor, { statement_id: statementIdOf({ organizationId: org.id, teamId: null }, OCT) }, MID_OCT))).code).toBe("NOT_FOUND");
    }
    // Over REST with the team's own virtual key: its own statements, and 404 for the other team's.
    const key = `sk-statements-${randomUUID()}`;
    await insertTeamKey(db(), { id: randomUUID(), teamId: a.id, keyHash: createHash("sha256").update(key).digest("hex"), keyEncrypted: "unused", keyAlias: "statements", status: "live" });
    const asKey = { Authorization: `Bearer ${key}` };
    const ownList = await rest("GET", `/api/teams/${a.id}/statements`, { headers: asKey });
    expect(ownList.status).toBe(200);
    const current = ownList.body[0].statement_id as string;
    const got = await rest("GET", `/api/statements/${current}`, { headers: asKey });
    expect([got.status, got.body.internal]).toEqual([200, null]);
    expect((await rest("GET", `/api/teams/${b.id}/statements`, { headers: asKey })).status).toBe(404);
    expect((await rest("GET", `/api/statements/${current.replace(Buffer.from(a.id).toString("base64url"), Buffer.from(b.id).toString("base64url"))}`, { headers: asKey })).status).toBe(404);
    expect((await rest("GET", `/api/organizations/${org.id}/statements`, { headers: asKey })).status).toBe(404);

    const seen = await getStatement(viewer, { statement_id: other }, MID_OCT);
    expect(seen.internal).toEqual({ cost: "0.0087555", margin: "0", margin_percent: 0 });
    expect((await listStatements(viewer, { organization_id: org.id }, MID_OCT))[0]).toMatchObject({ status: "open", team: null, total_billed: { usd: "0.017511" } });
  });

  it("answers bad and unknown ids with 400 and 404, never 500, over REST too", async () => {
    const { org, team } = await makeOrg();
    const t = await team("Ids");
    expect((await refusal(getStatement(admin, { statement_id: "nope" }))).code).toBe("BAD_REQUEST");
    expect((await refusal(getStatement(admin, { statement_id: "" }))).code).toBe("BAD_REQUEST");
    expect((await refusal(getStatement(admin, { statement_id: "st-t-20261301T000000Z-dGVhbQ" }))).code).toBe("BAD_REQUEST");
    // Well formed, but no such team, or not the start of one of its periods, or in the future.
    expect((await refusal(getStatement(admin, { statement_id: statementIdOf({ organizationId: org.id, teamId: "missing" }, OCT) }))).code).toBe("NOT_FOUND");
    expect((await refusal(getStatement(admin, { statement_id: statementIdOf({ organizationId: "missing", teamId: null }, OCT) }))).code).toBe("NOT_FOUND");
    expect((await refusal(getStatement(admin, { statement_id: statementIdOf({ organizationId: org.id, teamId: t.id }, MID_OCT) }, MID_NOV))).code).toBe("NOT_FOUND");
    expect((await refusal(getStatement(admin, { statement_id: statementIdOf({ organizationId: org.id, teamId: t.id }, new Date("2027-05-01T00:00:00Z")) }, MID_NOV))).code).toBe("NOT_FOUND");
    expect((await refusal(listStatements(admin, {}))).code).toBe("BAD_REQUEST");
    expect((await refusal(listStatements(admin, { organization_id: "missing" }))).code).toBe("NOT_FOUND");

    expect((await rest("GET", "/api/statements/not-an-id", { headers: asAdmin })).status).toBe(400);
    expect((await rest("GET", `/api/statements/${statementIdOf({ organizationId: org.id, teamId: "missing" }, OCT)}`, { headers: asAdmin })).status).toBe(404);
    expect((await rest("GET", "/api/statements/st-o-20261001T000000Z-%00", { headers: asAdmin })).status).toBe(400);
    expect((await rest("GET", "/api/teams/missing/statements", { headers: asAdmin })).status).toBe(404);
    expect((await rest("GET", "/api/organizations/missing/statements", { headers: asAdmin })).status).toBe(404);
    const listed = await rest("GET", `/api/teams/${t.id}/statements`, { headers: asAdmin });
    expect(listed.status).toBe(200);
    const id = listed.body[0].statement_id as string;
    expect(id).toMatch(/^[A-Za-z0-9._~-]+$/);
    const got = await rest("GET", `/api/statements/${id}`, { headers: asAdmin });
    expect(got.status).toBe(200);
    expect(got.body.document.statement_id).toBe(id);
    expect((await rest("GET", `/api/organizations/${org.id}/statements`, { headers: asAdmin })).status).toBe(200);
  });
});
