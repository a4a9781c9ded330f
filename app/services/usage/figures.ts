import type { CsvCell } from "~/lib/csv";
import { money, moneyNumber, moneyString, type Money } from "~/lib/money";
import { isCustomer, type Actor } from "~/auth/actor";

/**
 * The one accumulator of usage (counts, and cost and billed as exact bigint Money), the figures
 * every view shows of it, and its CSV cells. Rollup rows, grouped rows and day rows all add up
 * through `add`. Who sees which money is decided here only (`audienceOf`, `priced`).
 */

export type Acc = { requests: number; failedRequests: number; promptTokens: number; completionTokens: number; latencyMsSum: number; spend: Money; billed: Money };

/** What `add` reads of a row: the rollups' and grouped queries' columns (numbers or numeric text). */
export type UsageCounts = {
  requests: number | string;
  failedRequests: number | string;
  promptTokens: number | string;
  completionTokens: number | string;
  latencyMsSum: number | string;
  spend: string | number;
  /** What the customer is billed (equal to spend without a price list). */
  billed: string | number;
};

export const emptyAcc = (): Acc => ({ requests: 0, failedRequests: 0, promptTokens: 0, completionTokens: 0, latencyMsSum: 0, spend: 0n, billed: 0n });

export function add(acc: Acc, row: UsageCounts): Acc {
  acc.requests += Number(row.requests);
  acc.failedRequests += Number(row.failedRequests);
  acc.promptTokens += Number(row.promptTokens);
  acc.completionTokens += Number(row.completionTokens);
  acc.latencyMsSum += Number(row.latencyMsSum);
  acc.spend += money(row.spend);
  acc.billed += money(row.billed);
  return acc;
}

export const accOf = (row: UsageCounts): Acc => add(emptyAcc(), row);
export const total = (rows: UsageCounts[]): Acc => rows.reduce((acc, r) => add(acc, r), emptyAcc());

export function groupBy<R extends UsageCounts>(rows: R[], key: (r: R) => string): Map<string, Acc> {
  const out = new Map<string, Acc>();
  for (const row of rows) {
    const k = key(row);
    out.set(k, add(out.get(k) ?? emptyAcc(), row));
  }
  return out;
}

/** Biggest spend first, then most requests, then by name. */
export const bySpend = <T extends { acc: Acc; name: string }>(a: T, b: T) =>
  a.acc.spend === b.acc.spend ? b.acc.requests - a.acc.requests || a.name.localeCompare(b.name) : a.acc.spend > b.acc.spend ? -1 : 1;

/** Biggest money first as the audience sees it (a customer's tables follow what they are billed, never our cost). */
export const byMoneyOf = (audience: Audience) =>
  audience === "admin"
    ? bySpend
    : <T extends { acc: Acc; name: string }>(a: T, b: T) =>
        a.acc.billed === b.acc.billed ? b.acc.requests - a.acc.requests || a.name.localeCompare(b.name) : a.acc.billed > b.acc.billed ? -1 : 1;

/** The counts as every view shows them (the API's field names). */
export function metricsOf(acc: Acc) {
  return {
    requests: acc.requests,
    failed_requests: acc.failedRequests,
    /** failed_requests / requests (0 without requests). */
    error_rate: acc.requests ? acc.failedRequests / acc.requests : 0,
    prompt_tokens: acc.promptTokens,
    completion_tokens: acc.completionTokens,
    total_tokens: acc.promptTokens + acc.completionTokens,
    avg_latency_ms: acc.requests ? Math.round(acc.latencyMsSum / acc.requests) : null,
  };
}

// ── who sees which money ────────────────────────────────────────────────────────────────────────

/** Admins see cost, billed and margin; customers (the portal, a team's own key) only what they are billed. */
export type Audience = "admin" | "customer";
export const audienceOf = (actor: Actor): Audience => (isCustomer(actor) ? "customer" : "admin");

/** margin × 100 ÷ billed, rounded half away from zero to 2 decimals, as hundredths of a percent; null when billed is 0. */
function marginHundredths(margin: Money, billed: Money): bigint | null {
  if (billed === 0n) return null;
  const [n, d] = billed < 0n ? [-margin * 10_000n, -billed] : [margin * 10_000n, billed];
  const abs = (n < 0n ? -n : n) * 2n + d;
  const rounded = abs / (2n * d);
  return n < 0n ? -rounded : rounded;
}

/** margin ÷ billed × 100 with 2 decimals (exact from the bigint amounts); null when billed is 0. */
export function marginPercent(margin: Money, billed: Money): number | null {
  const h = marginHundredths(margin, billed);
  return h === null ? null : Number(h) / 100;
}

/** The same as exact decimal text with 2 decimals ("23.08", "-5.00"); empty when billed is 0. */
export function marginPercentText(margin: Money, billed: Money): string {
  const h = marginHundredths(margin, billed);
  if (h === null) return "";
  const abs = h < 0n ? -h : h;
  return `${h < 0n ? "-" : ""}${abs / 100n}.${(abs % 100n).toString().padStart(2, "0")}`;
}

/** Present for admins only. */
export type MarginFields = { margin?: number; margin_percent?: number | null };

/**
 * THE rule of who sees which money, for every usage answer: an admin gets the cost under `key`,
 * the billed amount under `billedKey` beside it, and the margin (billed − cost) and margin_percent;
 * a customer gets the billed amount under `key` (and `billedKey`) and no cost or margin at all.
 */
export function priced<K extends string, B extends string = "billed">(
  audience: Audience,
  cost: Money,
  billed: Money,
  key: K,
  billedKey: B = "billed" as B,
): NoInfer<Record<K | B, number>> & MarginFields {
  const b = moneyNumber(billed);
  if (audience === "customer") return { [key]: b, [billedKey]: b } as Record<K | B, number>;
  const margin = billed - cost;
  return { [key]: moneyNumber(cost), [billedKey]: b, margin: moneyNumber(margin), margin_percent: marginPercent(margin, billed) } as Record<K | B, number> & MarginFields;
}

/** The figures' own money fields: `spend` (cost; billed for customers), `billed`, and for admins the margin. */
export type PricedFigures = { spend: number; billed: number } & MarginFields;

export type UsageFigures = PricedFigures & ReturnType<typeof metricsOf>;

export const figures = (acc: Acc, audience: Audience): UsageFigures => ({ ...priced(audience, acc.spend, acc.billed, "spend"), ...metricsOf(acc) });

/** The REST totals of rows (of one team or many): overall (`total_spend`, `total_billed`), and per model group (`cost`, `billed`). */
export function summarize(rows: Array<UsageCounts & { modelGroup: string }>, audience: Audience) {
  const sum = total(rows);
  const t = metricsOf(sum);
  return {
    ...priced(audience, sum.spend, sum.billed, "total_spend", "total_billed"),
    request_count: t.requests,
    models_used: Object.fromEntries([...groupBy(rows, (r) => r.modelGroup)].map(([group, acc]) => [group, { ...priced(audience, acc.spend, acc.billed, "cost"), ...metricsOf(acc) }])),
    failed_requests: t.failed_requests,
    error_rate: t.error_rate,
    prompt_tokens: t.prompt_tokens,
    completion_tokens: t.completion_tokens,
    total_tokens: t.total_tokens,
    avg_latency_ms: t.avg_latency_ms,
  };
}

// ── CSV ─────────────────────────────────────────────────────────────────────────────────────────

/** The money columns of a CSV: `spend_usd` (cost; billed for customers), and for admins billed, margin and margin %. */
export const moneyHeader = (audience: Audience) => (audience === "customer" ? ["spend_usd"] : ["spend_usd", "billed_usd", "margin_usd", "margin_percent"]);

/** Exact decimals under moneyHeader's columns (margin_percent with 2 decimals, empty when nothing was billed). */
export function moneyCells(audience: Audience, cost: Money, billed: Money): CsvCell[] {
  if (audience === "customer") return [moneyString(billed)];
  return [moneyString(cost), moneyString(billed), moneyString(billed - cost), marginPercentText(billed - cost, billed)];
}

export const figureHeader = (audience: Audience) => ["requests", "failed_requests", "error_rate", "prompt_tokens", "completion_tokens", "total_tokens", "avg_latency_ms", ...moneyHeader(audience)];

export function figureCells(acc: Acc, audience: Audience): CsvCell[] {
  const m = metricsOf(acc);
  return [
    m.requests,
    m.failed_requests,
    acc.requests ? String(Number(m.error_rate.toFixed(6))) : "0",
    m.prompt_tokens,
    m.completion_tokens,
    m.total_tokens,
    m.avg_latency_ms,
    ...moneyCells(audience, acc.spend, acc.billed),
  ];
}
