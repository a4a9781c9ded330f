import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientAddress, liteLLMDouble, masterActor } from "../../test/factories.ts";
import { rest } from "../../test/rest.ts";
import { TEST_MASTER_KEY } from "../../test/setup-db.ts";
import { startWorker, waitFor, type WorkerProcess } from "../../test/worker-process.ts";
import { portalSessionCookie } from "~/auth/portal-session.server";
import type { Actor } from "~/auth/actor";
import { db } from "~/lib/db.server";
import { money, moneyString, type Money } from "~/lib/money";
import { loader as portalPage } from "~/routes/portal._index";
import { createModelGroup } from "./model-groups.server.ts";
import { createOrganization } from "./organizations.server.ts";
import { signInWithVirtualKey } from "./portal/sign-in.server.ts";
import { setOrganizationPriceList } from "./price-lists.server.ts";
import { statementCsv } from "./statement-files.server.ts";
import { closeStatements, getStatement, listStatements } from "./statements.server.ts";
import { createTeam, getTeam } from "./teams.server.ts";

/**
 * Reselling, end to end through the LiteLLM double and the real worker (issue 14's "done when"):
 * two organizations on different price lists spend on the same models; each portal shows billed
 * amounts equal to its price list applied to the double's own spend log, to the cent, and never our
 * cost; the admin sees cost, billed and margin; a price change mid-month bills the calls before and
 * after at their own prices; the month closes into statements whose totals equal the usage pages.
 * (A hard team refused by the billed-budget rule, within its measured bounds: billed-budget.test.ts.)
 */
const admin: Actor = { ...masterActor, via: "rest" };
const suffix = () => Math.random().toString(36).slice(2, 8);
const asAdmin = { "X-Admin-Key": TEST_MASTER_KEY };
const context = { clientAddress: "127.0.0.1", requestId: "billing-flow" };

// The double's costs per 1M tokens: gpt-3.5-turbo 0.5 in / 1.5 out, gpt-4-turbo 10 / 30.
const PER_MODEL = [
  { model: "gpt-3.5-turbo", input_per_million: "2", output_per_million: "3" },
  { model: "gpt-4-turbo", input_per_million: "12", output_per_million: "36" },
];

/** Exact decimal of a JSON number as LiteLLM writes it (the double's float spend). */
const exact = (n: number): Money => money(String(n));
/** cost × (100 + percent) / 100, rounded half up to 1e-10 as the billed column is. */
function marked(cost: Money, percent: bigint): Money {
  const scaled = cost * (100n + percent);
  return (scaled + 50n) / 100n;
}
const cents = (m: Money) => moneyString(((m + 50_000_000n) / 100_000_000n) * 100_000_000n);
/** Equal to the cent, and within 1e-9 USD (each row is exact to 1e-10 as LiteLLM's digits round). */
function sameMoney(actual: Money, expected: Money) {
  expect(cents(actual)).toBe(cents(expected));
  expect(actual - expected <= 10n && expected - actual <= 10n).toBe(true);
}

async function chat(key: string, model: string, maxTokens: number) {
  const response = await fetch(`${liteLLMDouble().url}/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model, max_tokens: maxTokens, messages: [{ role: "user", content: "Draft the quarterly summary" }] }),
  });
  expect(response.status).toBe(200);
}

describe("reselling through the double", () => {
  let worker: WorkerProcess;
  beforeAll(async () => {
    worker = await startWorker({ USAGE_INGEST_INTERVAL_SECONDS: "5" });
  });
  afterAll(async () => {
    await worker?.stop();
  });

  it("bills two organizations by their own price lists, shows customers billed only and admins the margin, and closes the month into statements", async () => {
    const group = (await createModelGroup(admin, { name: `resale-${suffix()}`, models: PER_MODEL.map((p) => p.model) })).name;
    const markupOrg = await createOrganization(admin, { name: `Markup Co ${suffix()}`, litellm_organization_id: `markup-${suffix()}` });
    const perModelOrg = await createOrganization(admin, {
      name: `Per Model Co ${suffix()}`,
      litellm_organization_id: `permodel-${suffix()}`,
      currency: "EUR",
      exchange_rate: "0.92",
      exchange_rate_date: "2026-12-01",
    });
    await setOrganizationPriceList(admin, { organization_id: markupOrg.organization_id, kind: "markup", markup_percent: 30 });
    await setOrganizationPriceList(admin, { organization_id: perModelOrg.organization_id, kind: "per_model", models: PER_MODEL });
    const teamOf = async (organization_id: string) => {
      const made = await createTeam(admin, { name: `Resale ${suffix()}`, organization_id, model_groups: [group], max_budget: 100, budget_duration: "1mo" }, { waitMs: 20_000 });
      const key = (await getTeam(admin, { team_id: made.team_id }, { revealKey: true })).virtual_key!;
      return { id: made.team_id, key };
    };
    const a = await teamOf(markupOrg.organization_id);
    const b = await teamOf(perModelOrg.organization_id);

    // The same calls for both, on both models.
    for (const t of [a, b]) {
      await chat(t.key, "gpt-3.5-turbo", 1500);
      await chat(t.key, "gpt-4-turbo", 300);
    }
    await liteLLMDouble().flush();
    // Mid-month the markup organization goes to 50 %: later calls at the new price.
    const change = await setOrganizationPriceList(admin, { organization_id: markupOrg.organization_id, kind: "markup", markup_percent: 50 });
    const changedAt = Date.parse(change.current!.effective_at);
    await chat(a.key, "gpt-3.5-turbo", 700);
    await chat(b.key, "gpt-4-turbo", 700);
    await liteLLMDouble().flush();

    // What each customer owes, from the double's own log and the price lists.
    const logs = liteLLMDouble().state.spendLogs();
    const of = (teamId: string) => logs.filter((l) => l.team_id === teamId);
    expect(of(a.id)).toHaveLength(3);
    const cost = (teamId: string) => of(teamId).reduce((s, l) => s + exact(l.spend), 0n);
    const owedA = of(a.id).reduce((s, l) => s + marked(exact(l.spend), Date.parse(l.startTime) < changedAt ? 30n : 50n), 0n);
    const owedB = of(b.id).reduce((s, l) => {
      const p = PER_MODEL.find((m) => m.model === l.model_group)!;
      return s + (BigInt(l.prompt_tokens) * money(p.input_per_million) + BigInt(l.completion_tokens) * money(p.output_per_million)) / 1_000_000n;
    }, 0n);
    // Both before and after the change were billed, each at its own price.
    expect(of(a.id).filter((l) => Date.parse(l.startTime) < changedAt)).toHaveLength(2);

    const usageOf = (teamId: string) => rest("GET", `/api/teams/${teamId}/usage`, { headers: asAdmin });
    await waitFor("the worker to ingest every call", async () => (await usageOf(a.id)).body?.request_count === 3 && (await usageOf(b.id)).body?.request_count === 3, 45_000);

    // Admins: cost, billed and margin, to the cent.
    for (const [t, owed] of [
      [a, owedA],
      [b, owedB],
    ] as const) {
      const usage = (await usageOf(t.id)).body;
      sameMoney(money(String(usage.total_billed)), owed);
      expect(cents(money(String(usage.total_spend)))).toBe(cents(cost(t.id)));
      expect(cents(money(String(usage.margin)))).toBe(cents(owed - cost(t.id)));
    }

    // Customers: the portal shows what they owe, exactly, and never our cost or margin.
    for (const [t, owed] of [
      [a, owedA],
      [b, owedB],
    ] as const) {
      const cookie = (await portalSessionCookie(await signInWithVirtualKey({ key: t.key }, clientAddress()))).split(";")[0]!;
      const response = await portalPage({ request: new Request("http://localhost/portal", { headers: { cookie } }), params: {}, context });
      const data = await response.json();
      sameMoney(money(data.overview.billed.range.usd_exact), owed);
      const text = JSON.stringify(data);
      expect(text).not.toMatch(/margin/);
      expect(text).not.toContain(moneyString(cost(t.id)));
    }

    // The month closes (ingestion read past its end, as the worker gets there): statements whose
    // totals equal the usage pages, in the organization's currency at its rate.
    await worker.stop();
    const now = new Date();
    const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
    const nextMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
    await db().execute(sql`update ingestion_state set window_start = ${new Date(nextMonth.getTime() + 60_000).toISOString()}::timestamptz where id = 'spend-logs'`);
    await closeStatements(new Date(nextMonth.getTime() + 120_000));
    for (const [org, t, owed] of [
      [markupOrg, a, owedA],
      [perModelOrg, b, owedB],
    ] as const) {
      const list = await listStatements(admin, { organization_id: org.organization_id }, new Date(nextMonth.getTime() + 120_000));
      const closed = list.find((s) => s.status === "closed" && Date.parse(s.period.start) === monthStart.getTime());
      expect(closed).toBeDefined();
      const { document, internal } = await getStatement(admin, { statement_id: closed!.statement_id });
      const monthUsage = await rest("GET", `/api/teams/${t.id}/usage?from=${monthStart.toISOString()}&to=${nextMonth.toISOString()}`, { headers: asAdmin });
      sameMoney(money(document.total_billed.usd), owed);
      expect(cents(money(document.total_billed.usd))).toBe(cents(money(String(monthUsage.body.total_billed))));
      sameMoney(money(internal!.cost), cost(t.id));
      const csv = statementCsv(document, { name: "Resale Operator", details: null, logo: null }).body;
      expect(csv).toContain(document.total_billed.usd);
      if (org === perModelOrg) {
        expect(document.currency).toEqual({ code: "EUR", rate: "0.92", rate_date: "2026-12-01" });
        expect(document.total_billed.converted).toBe(cents((owed * 92n) / 100n));
      }
    }
  }, 180_000);
});
