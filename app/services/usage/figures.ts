import type { CsvCell } from "~/lib/csv";
import { money, moneyNumber, moneyString, type Money } from "~/lib/money";

/**
 * The one accumulator of usage (counts, and spend as exact bigint Money), the figures every view
 * shows of it, and its CSV cells. Rollup rows, grouped rows and day rows all add up through `add`.
 */

export type Acc = { requests: number; failedRequests: number; promptTokens: number; completionTokens: number; latencyMsSum: number; spend: Money };

/** What `add` reads of a row: the rollups' and grouped queries' columns (numbers or numeric text). */
export type UsageCounts = {
  requests: number | string;
  failedRequests: number | string;
  promptTokens: number | string;
  completionTokens: number | string;
  latencyMsSum: number | string;
  spend: string | number;
};

export const emptyAcc = (): Acc => ({ requests: 0, failedRequests: 0, promptTokens: 0, completionTokens: 0, latencyMsSum: 0, spend: 0n });

export function add(acc: Acc, row: UsageCounts): Acc {
  acc.requests += Number(row.requests);
  acc.failedRequests += Number(row.failedRequests);
  acc.promptTokens += Number(row.promptTokens);
  acc.completionTokens += Number(row.completionTokens);
  acc.latencyMsSum += Number(row.latencyMsSum);
  acc.spend += money(row.spend);
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

export type UsageFigures = { spend: number } & ReturnType<typeof metricsOf>;

export const figures = (acc: Acc): UsageFigures => ({ spend: moneyNumber(acc.spend), ...metricsOf(acc) });

/** The REST totals of rows (of one team or many): overall, and per model group (`cost`). */
export function summarize(rows: Array<UsageCounts & { modelGroup: string }>) {
  const t = metricsOf(total(rows));
  return {
    total_spend: moneyNumber(total(rows).spend),
    request_count: t.requests,
    models_used: Object.fromEntries([...groupBy(rows, (r) => r.modelGroup)].map(([group, acc]) => [group, { cost: moneyNumber(acc.spend), ...metricsOf(acc) }])),
    failed_requests: t.failed_requests,
    error_rate: t.error_rate,
    prompt_tokens: t.prompt_tokens,
    completion_tokens: t.completion_tokens,
    total_tokens: t.total_tokens,
    avg_latency_ms: t.avg_latency_ms,
  };
}

// ── CSV ─────────────────────────────────────────────────────────────────────────────────────────

export const FIGURE_HEADER = ["requests", "failed_requests", "error_rate", "prompt_tokens", "completion_tokens", "total_tokens", "avg_latency_ms", "spend_usd"];

export function figureCells(acc: Acc): CsvCell[] {
  const m = metricsOf(acc);
  return [
    m.requests,
    m.failed_requests,
    acc.requests ? String(Number(m.error_rate.toFixed(6))) : "0",
    m.prompt_tokens,
    m.completion_tokens,
    m.total_tokens,
    m.avg_latency_ms,
    moneyString(acc.spend),
  ];
}
