import { Link, useSearchParams } from "@remix-run/react";
import type { DayRowView, ModelRowView, RequestView, UsageFigures } from "~/services/usage/index.server";
import { ModelBreakdownChart, SpendByDayChart, Stat, StatGrid } from "./charts";
import { DataTable, readTableState, sortAndPage, type Column } from "./data-table";
import { formatCost, formatCount, formatPercent, formatTime, formatUsd } from "./format";
import { Card } from "./ui";

/** The usage parts the team, organization and Usage pages share: headline figures, spend by day, by model. */

/** A rate (0.052) as a percentage the one way every page writes them ("5.2 %"). */
export function formatRate(value: number | null | undefined, digits = 1): string {
  return value == null ? "—" : formatPercent(value * 100, digits);
}

/** A margin as admins read it: "$1.23 (23.08 %)"; "—" where there is none to show. */
export function formatMargin(margin: number | null | undefined, percent: number | null | undefined): string {
  if (margin == null) return "—";
  return percent == null ? formatUsd(margin) : `${formatUsd(margin)} (${formatPercent(percent)})`;
}

/** Admins' figures carry a margin; a customer's never do (their `spend` is what they are billed). */
export const hasMargin = (f: { margin?: number }): boolean => f.margin !== undefined;

export function formatMs(value: number | null | undefined): string {
  return value == null ? "—" : `${formatCount(Math.round(value))} ms`;
}

/** The CSV export link of one table, over the range the page shows (from/to as in the URL). */
export function csvHref(base: string, table: string, selected: { from?: string; to?: string }): string {
  const p = new URLSearchParams({ table });
  if (selected.from) p.set("from", selected.from);
  if (selected.to) p.set("to", selected.to);
  return `${base}?${p.toString()}`;
}

export function UsageStats({
  totals,
  latency,
  remaining,
  label,
}: {
  totals: UsageFigures;
  latency?: { p50_ms: number | null; p95_ms: number | null; sampled: number; capped: boolean };
  remaining?: number | null;
  label: string;
}) {
  const admin = hasMargin(totals);
  return (
    <StatGrid label={label}>
      <Stat label={admin ? "Cost" : "Spend"} value={formatUsd(totals.spend)} hint={`${formatCount(totals.total_tokens)} tokens`} />
      {admin ? (
        <>
          <Stat label="Billed" value={formatUsd(totals.billed)} hint="What the customers are billed" />
          <Stat
            label="Margin"
            value={formatUsd(totals.margin)}
            hint={totals.margin_percent == null ? "Nothing billed" : `${formatPercent(totals.margin_percent)} of billed`}
            tone={(totals.margin ?? 0) < 0 ? "bad" : "neutral"}
          />
        </>
      ) : null}
      <Stat label="Requests" value={formatCount(totals.requests)} hint={`${formatCount(totals.failed_requests)} failed`} />
      <Stat
        label="Error rate"
        value={formatRate(totals.error_rate)}
        tone={totals.error_rate >= 0.05 ? "bad" : totals.error_rate >= 0.01 ? "warn" : "neutral"}
      />
      {latency ? (
        <Stat
          label="Latency p50 / p95"
          value={latency.p50_ms == null ? "—" : `${formatMs(latency.p50_ms)} / ${formatMs(latency.p95_ms)}`}
          hint={latency.capped ? `From a sample of ${formatCount(latency.sampled)} requests across the range` : totals.avg_latency_ms != null ? `Mean ${formatMs(totals.avg_latency_ms)}` : undefined}
        />
      ) : remaining !== undefined ? (
        <Stat label="Remaining budget" value={formatUsd(remaining)} hint="Now, over all teams" />
      ) : (
        <Stat label="Mean latency" value={formatMs(totals.avg_latency_ms)} />
      )}
    </StatGrid>
  );
}

export function SpendByDayCard({ days, csv }: { days: DayRowView[]; csv: string }) {
  return (
    <Card
      title="Spend by day"
      actions={
        <a href={csv} download className="text-sm font-medium text-indigo-700 underline">
          Download CSV<span className="sr-only"> of spend by day</span>
        </a>
      }
    >
      <SpendByDayChart data={days.map((d) => ({ day: d.day, spend: d.spend, requests: d.requests }))} />
    </Card>
  );
}

const modelColumns = (admin: boolean): Column<ModelRowView>[] => [
  { id: "model", header: "Model", rowHeader: true, sortable: true, cell: (m) => <span className="break-words">{m.model || "(none)"}</span> },
  { id: "cost", header: "Cost", numeric: true, sortable: true, cell: (m) => formatUsd(m.spend) },
  ...(admin
    ? [
        { id: "billed", header: "Billed", numeric: true, sortable: true, cell: (m: ModelRowView) => formatUsd(m.billed) },
        { id: "margin", header: "Margin", numeric: true, sortable: true, cell: (m: ModelRowView) => formatMargin(m.margin, m.margin_percent) },
      ]
    : []),
  { id: "requests", header: "Requests", numeric: true, sortable: true, cell: (m) => formatCount(m.requests) },
  { id: "error_rate", header: "Error rate", numeric: true, sortable: true, cell: (m) => formatRate(m.error_rate) },
  { id: "tokens", header: "Tokens", numeric: true, sortable: true, cell: (m) => formatCount(m.total_tokens) },
  { id: "latency", header: "Mean latency", numeric: true, sortable: true, cell: (m) => formatMs(m.avg_latency_ms) },
];
const modelSort = {
  model: (m: ModelRowView) => m.model,
  cost: (m: ModelRowView) => m.spend,
  billed: (m: ModelRowView) => m.billed,
  margin: (m: ModelRowView) => m.margin ?? null,
  requests: (m: ModelRowView) => m.requests,
  error_rate: (m: ModelRowView) => m.error_rate,
  tokens: (m: ModelRowView) => m.total_tokens,
  latency: (m: ModelRowView) => m.avg_latency_ms,
};

export function ModelsCard({ models, csv }: { models: ModelRowView[]; csv: string }) {
  const [params] = useSearchParams();
  const state = readTableState(params, "model-", { sortable: Object.keys(modelSort), defaultSort: "cost", pageSize: 10 });
  const page = sortAndPage(models, state, modelSort);
  return (
    <Card title="Cost and requests by model">
      <div className="space-y-6">
        <ModelBreakdownChart data={models.map((m) => ({ model: m.model, cost: m.spend, requests: m.requests }))} />
        <DataTable
          caption="Usage by model"
          columns={modelColumns(models.some(hasMargin))}
          rows={page.rows}
          rowKey={(m) => m.model}
          state={{ ...state, page: page.page }}
          prefix="model-"
          total={page.total}
          csvHref={csv}
          empty="No requests in this range."
        />
      </div>
    </Card>
  );
}

export function IngestionNote({ ingestion }: { ingestion: { until: string | null; last_error: string | null } }) {
  return (
    <p className="text-xs text-slate-600">
      {ingestion.until ? `Usage read from LiteLLM up to ${formatTime(ingestion.until)}.` : "Usage has not been read from LiteLLM yet."}
      {ingestion.last_error ? <span className="text-red-800"> The last read failed: {ingestion.last_error}</span> : null} Days are UTC.
    </p>
  );
}

/** The "Usage" heading of a team or organization page, with the days its range covers. */
export function UsageHeading({ window, defaultLabel }: { window: { from_day: string; to_day: string; is_default: boolean }; defaultLabel: string }) {
  return (
    <div className="flex flex-wrap items-baseline justify-between gap-2">
      <h2 id="usage-heading" className="text-lg font-semibold">
        Usage
      </h2>
      <p className="text-sm text-slate-600">
        {window.from_day === window.to_day ? window.from_day : `${window.from_day} to ${window.to_day}`}
        {window.is_default ? ` (${defaultLabel})` : ""}
      </p>
    </div>
  );
}

type RequestRow = RequestView & { team_name?: string };
const requestColumns = (withTeam: boolean, admin: boolean): Column<RequestRow>[] => [
  { id: "time", header: "Time (UTC)", rowHeader: true, cell: (r) => <time dateTime={r.time} className="font-normal whitespace-nowrap">{formatTime(r.time).replace(" UTC", "")}</time> },
  ...(withTeam ? [{ id: "team", header: "Team", cell: (r: RequestRow) => <span className="break-words">{r.team_name}</span> }] : []),
  { id: "model", header: "Model", cell: (r) => <span className="break-words">{r.model_group ?? r.model ?? "—"}</span> },
  { id: "tokens", header: "Tokens", numeric: true, cell: (r) => formatCount(r.total_tokens) },
  { id: "cost", header: "Cost", numeric: true, cell: (r) => formatCost(r.cost) },
  ...(admin
    ? [
        { id: "billed", header: "Billed", numeric: true, cell: (r: RequestRow) => formatCost(r.billed) },
        { id: "margin", header: "Margin", numeric: true, cell: (r: RequestRow) => formatMargin(r.margin, r.margin_percent) },
      ]
    : []),
  { id: "status", header: "Status", cell: (r) => (r.status === "failure" ? <span className="font-medium text-red-800">failed</span> : "ok") },
  { id: "latency", header: "Latency", numeric: true, cell: (r) => formatMs(r.latency_ms) },
  { id: "end_user", header: "End user", cell: (r) => <span className="break-all">{r.end_user ?? "—"}</span> },
];

/** `search` with the requests cursor params replaced (req-before for older rows, req-after for newer ones). */
function cursorLink(search: URLSearchParams, change: { before?: string; after?: string }): string {
  const p = new URLSearchParams(search);
  p.delete("req-before");
  p.delete("req-after");
  p.delete("req-page");
  if (change.before) p.set("req-before", change.before);
  if (change.after) p.set("req-after", change.after);
  const s = p.toString();
  return s ? `?${s}` : "?";
}

/**
 * The requests in the range, newest first, paged by the server on a keyset cursor: "Older" and
 * "Newer" links carry it (`req-before` / `req-after`), "Newest" goes back to the first page.
 * Rows sharing a millisecond are never skipped or shown twice. A team column on organization pages.
 */
export function RecentRequestsCard({
  requests,
  pageSize,
  caption,
  csv,
  withTeam = false,
}: {
  requests: { rows: RequestRow[]; older: string | null; newer: string | null };
  pageSize: number;
  caption: string;
  csv: string;
  withTeam?: boolean;
}) {
  const [params] = useSearchParams();
  const state = { ...readTableState(params, "req-", { sortable: ["time"], defaultSort: "time", pageSize }), page: 1 };
  const linkClass = "rounded px-2 py-1 font-medium text-indigo-700 underline hover:text-indigo-900";
  return (
    <Card title="Recent requests">
      <DataTable
        caption={caption}
        columns={requestColumns(withTeam, requests.rows.some(hasMargin))}
        rows={requests.rows}
        rowKey={(r) => r.request_id}
        state={state}
        prefix="req-"
        hasMore={false}
        csvHref={csv}
        empty="No requests in this range."
      />
      {requests.older || requests.newer ? (
        <nav aria-label="Requests pages" className="mt-3 flex flex-wrap items-center justify-end gap-2 text-sm">
          {requests.newer ? (
            <>
              <Link to={cursorLink(params, {})} preventScrollReset className={linkClass}>
                Newest
              </Link>
              <Link to={cursorLink(params, { after: requests.newer })} preventScrollReset rel="prev" className={linkClass}>
                ← Newer
              </Link>
            </>
          ) : null}
          {requests.older ? (
            <Link to={cursorLink(params, { before: requests.older })} preventScrollReset rel="next" className={linkClass}>
              Older →
            </Link>
          ) : null}
        </nav>
      ) : null}
    </Card>
  );
}
