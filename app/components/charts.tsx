import { useEffect, useId, useRef, useState } from "react";
import { Bar, BarChart, CartesianGrid, Cell, Legend, Tooltip, XAxis, YAxis } from "recharts";
import { formatCount, formatUsd } from "./format";

/**
 * Charts for usage (recharts). Every chart is a <figure> whose text alternative is a visually
 * hidden table with the same numbers (screen readers read the table, the drawing is hidden from
 * them), plus a one-line summary as the figure's caption.
 *
 * The drawing needs the container's width, so it is drawn in the browser only: the server (and
 * the first render in the browser, so hydration matches) renders a placeholder of the same height.
 * Importing recharts on the server is fine (Node loads its CommonJS build).
 */

export type DaySpend = { day: string; spend: number; requests?: number };
export type ModelBreakdown = { model: string; cost: number; requests: number };

const INDIGO = "#4338ca"; // indigo-700: 7.9:1 on white
const PALETTE = ["#4338ca", "#0f766e", "#b45309", "#be185d", "#1d4ed8", "#4d7c0f", "#7e22ce", "#b91c1c"];

/** The element's width, measured in the browser (null until mounted). */
function useWidth<T extends HTMLElement>() {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState<number | null>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => setWidth(Math.floor(el.getBoundingClientRect().width));
    measure();
    if (typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return { ref, width };
}

function shortDay(day: string) {
  // "2026-11-05" → "5 Nov" (UTC days, as stored).
  const d = new Date(`${day}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? day : d.toLocaleDateString("en-GB", { timeZone: "UTC", day: "numeric", month: "short" });
}

function compactUsd(value: number) {
  if (value === 0) return "$0";
  if (Math.abs(value) >= 1000) return `$${(value / 1000).toLocaleString("en-US", { maximumFractionDigits: 1 })}k`;
  if (Math.abs(value) >= 1) return `$${value.toLocaleString("en-US", { maximumFractionDigits: 2 })}`;
  return `$${value.toLocaleString("en-US", { maximumSignificantDigits: 2 })}`;
}

function ChartFrame({
  title,
  summary,
  height,
  empty,
  table,
  children,
}: {
  title: string;
  summary: string;
  height: number;
  empty: string | null;
  table: React.ReactNode;
  children: (width: number) => React.ReactNode;
}) {
  const { ref, width } = useWidth<HTMLDivElement>();
  const captionId = useId();
  return (
    <figure aria-labelledby={captionId} className="relative min-w-0">
      <figcaption id={captionId} className="sr-only">
        {title}. {summary}
      </figcaption>
      {empty ? (
        <p className="flex items-center justify-center rounded-md bg-slate-50 text-sm text-slate-600" style={{ height }}>
          {empty}
        </p>
      ) : (
        <div ref={ref} aria-hidden="true" className="w-full overflow-hidden" style={{ height }} data-testid="chart">
          {width ? children(width) : null}
        </div>
      )}
      <div className="sr-only">{table}</div>
    </figure>
  );
}

/** Spend per UTC day as bars (days without usage should be in `data` with 0, so gaps show). */
/** The frame both spend-per-day charts share: margins, grid, a UTC day axis and a dollar axis. */
const DAY_CHART = {
  margin: { top: 8, right: 8, bottom: 0, left: 0 },
  grid: { strokeDasharray: "3 3", vertical: false, stroke: "#e2e8f0" },
  xAxis: { dataKey: "day", tickFormatter: (day: string) => shortDay(day), tick: { fontSize: 12, fill: "#475569" }, minTickGap: 12, tickLine: false },
  yAxis: { tickFormatter: (value: number) => compactUsd(value), tick: { fontSize: 12, fill: "#475569" }, width: 76, tickLine: false, axisLine: false },
} as const;

/**
 * A bar chart over UTC days with the frame both spend-per-day charts share, and `bars` (Bar, Legend)
 * as its direct children, as Recharts needs them (each with a key). A function, not a component, for that reason.
 */
function dayBarChart(
  { width, height, data, tooltip }: { width: number; height: number; data: object[]; tooltip: (value: number, name: string) => [string, string] },
  ...bars: React.ReactElement[]
) {
  return (
    <BarChart width={width} height={height} data={data} margin={DAY_CHART.margin}>
      <CartesianGrid {...DAY_CHART.grid} />
      <XAxis {...DAY_CHART.xAxis} />
      <YAxis {...DAY_CHART.yAxis} />
      <Tooltip cursor={{ fill: "#eef2ff" }} labelFormatter={(day: string) => `${shortDay(day)} (UTC)`} formatter={tooltip} />
      {bars}
    </BarChart>
  );
}

export function SpendByDayChart({ data, title = "Spend by day", height = 240 }: { data: DaySpend[]; title?: string; height?: number }) {
  const total = data.reduce((sum, d) => sum + d.spend, 0);
  const peak = data.reduce<DaySpend | null>((best, d) => (!best || d.spend > best.spend ? d : best), null);
  const summary = data.length
    ? `${data.length} days from ${data[0]!.day} to ${data[data.length - 1]!.day}, ${formatUsd(total)} in total` +
      (peak && peak.spend > 0 ? `; the highest day was ${peak.day} at ${formatUsd(peak.spend)}.` : ".")
    : "No days in this range.";
  const withRequests = data.some((d) => d.requests !== undefined);
  return (
    <ChartFrame
      title={title}
      summary={summary}
      height={height}
      empty={data.length === 0 || total === 0 ? "No spend in this range." : null}
      table={
        <table>
          <caption>{title}</caption>
          <thead>
            <tr>
              <th scope="col">Day (UTC)</th>
              <th scope="col">Spend</th>
              {withRequests ? <th scope="col">Requests</th> : null}
            </tr>
          </thead>
          <tbody>
            {data.map((d) => (
              <tr key={d.day}>
                <th scope="row">{d.day}</th>
                <td>{formatUsd(d.spend)}</td>
                {withRequests ? <td>{formatCount(d.requests ?? 0)}</td> : null}
              </tr>
            ))}
          </tbody>
        </table>
      }
    >
      {(width) => (
        dayBarChart(
          { width, height, data, tooltip: (value: number, name: string) => (name === "spend" ? [formatUsd(value), "Spend"] : [formatCount(value), "Requests"]) },
          <Bar key="spend" dataKey="spend" fill={INDIGO} radius={[3, 3, 0, 0]} maxBarSize={48} isAnimationActive={false} />,
        )
      )}
    </ChartFrame>
  );
}

/** One organization's (or "Other") spend per day, in the order of `days`. */
export type SpendSeries = { name: string; total: number; spend: number[] };

/**
 * Spend per UTC day stacked by series (the overview: by organization). `days` and each series'
 * `spend` line up; the table alternative lists every day and series.
 */
export function StackedSpendByDayChart({ days, series, title, height = 260 }: { days: string[]; series: SpendSeries[]; title: string; height?: number }) {
  const total = series.reduce((sum, s) => sum + s.total, 0);
  const data = days.map((day, i) => Object.fromEntries([["day", day], ...series.map((s, k) => [`s${k}`, s.spend[i] ?? 0])]) as Record<string, string | number>);
  const top = series[0];
  const summary = days.length
    ? `${days.length} days from ${days[0]} to ${days.at(-1)}, ${formatUsd(total)} in total` + (top ? `; ${top.name} spent the most, ${formatUsd(top.total)}.` : ".")
    : "No days.";
  return (
    <ChartFrame
      title={title}
      summary={summary}
      height={height}
      empty={total === 0 ? "No spend in the last 30 days." : null}
      table={
        <table>
          <caption>{title}</caption>
          <thead>
            <tr>
              <th scope="col">Day (UTC)</th>
              {series.map((s) => (
                <th key={s.name} scope="col">
                  {s.name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {days.map((day, i) => (
              <tr key={day}>
                <th scope="row">{day}</th>
                {series.map((s) => (
                  <td key={s.name}>{formatUsd(s.spend[i] ?? 0)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      }
    >
      {(width) => (
        dayBarChart(
          { width, height, data, tooltip: (value: number, name: string) => [formatUsd(value), name] },
          <Legend key="legend" wrapperStyle={{ fontSize: 12 }} />,
          ...series.map((s, k) => (
            <Bar key={s.name} dataKey={`s${k}`} name={s.name} stackId="spend" fill={PALETTE[k % PALETTE.length]} maxBarSize={32} isAnimationActive={false} />
          )),
        )
      )}
    </ChartFrame>
  );
}

/** Cost by model group as horizontal bars, biggest first, with requests in the text alternative. */
export function ModelBreakdownChart({ data, title = "Cost by model", limit = 8 }: { data: ModelBreakdown[]; title?: string; limit?: number }) {
  const sorted = [...data].sort((a, b) => b.cost - a.cost || b.requests - a.requests || a.model.localeCompare(b.model));
  const shown = sorted.slice(0, limit).map((d) => ({ ...d, label: d.model || "(no model group)" }));
  const total = data.reduce((sum, d) => sum + d.cost, 0);
  const height = Math.max(120, shown.length * 36 + 24);
  const summary = sorted.length
    ? `${sorted.length} model${sorted.length === 1 ? "" : "s"}, ${formatUsd(total)} in total; ` +
      shown
        .slice(0, 3)
        .map((d) => `${d.label} ${formatUsd(d.cost)}`)
        .join(", ") +
      "."
    : "No usage in this range.";
  return (
    <ChartFrame
      title={title}
      summary={summary}
      height={height}
      empty={sorted.length === 0 ? "No usage in this range." : null}
      table={
        <table>
          <caption>{title}</caption>
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col">Cost</th>
              <th scope="col">Requests</th>
            </tr>
          </thead>
          <tbody>
            {sorted.map((d) => (
              <tr key={d.model}>
                <th scope="row">{d.model || "(no model group)"}</th>
                <td>{formatUsd(d.cost)}</td>
                <td>{formatCount(d.requests)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      }
    >
      {(width) => (
        <BarChart width={width} height={height} data={shown} layout="vertical" margin={{ top: 4, right: 16, bottom: 4, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" horizontal={false} stroke="#e2e8f0" />
          <XAxis type="number" tickFormatter={compactUsd} tick={{ fontSize: 12, fill: "#475569" }} tickLine={false} />
          <YAxis
            type="category"
            dataKey="label"
            width={Math.min(160, Math.max(80, Math.floor(width * 0.35)))}
            tick={{ fontSize: 12, fill: "#334155" }}
            tickLine={false}
            axisLine={false}
          />
          <Tooltip
            cursor={{ fill: "#f1f5f9" }}
            formatter={(value: number, _name: string, item: { payload?: ModelBreakdown }) => [
              `${formatUsd(value)} · ${formatCount(item.payload?.requests ?? 0)} requests`,
              "Cost",
            ]}
          />
          <Bar dataKey="cost" radius={[0, 3, 3, 0]} maxBarSize={28} isAnimationActive={false}>
            {shown.map((d, i) => (
              <Cell key={d.model} fill={PALETTE[i % PALETTE.length]} />
            ))}
          </Bar>
        </BarChart>
      )}
    </ChartFrame>
  );
}

/** A small figure: a label, a value and an optional hint under it (spend today, p95 latency, …). */
export function Stat({ label, value, hint, tone = "neutral" }: { label: string; value: React.ReactNode; hint?: React.ReactNode; tone?: "neutral" | "warn" | "bad" }) {
  return (
    <div className="min-w-0 rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200">
      <dt className="text-sm text-slate-600">{label}</dt>
      <dd
        className={
          "mt-1 text-2xl font-semibold tracking-tight tabular-nums break-words " +
          (tone === "bad" ? "text-red-800" : tone === "warn" ? "text-amber-900" : "text-slate-900")
        }
      >
        {value}
      </dd>
      {hint ? <dd className="mt-1 text-xs text-slate-600">{hint}</dd> : null}
    </div>
  );
}

/** A row of Stats (a description list, as Stat's dt/dd need), named as a group when `label` is given. */
export function StatGrid({ children, label }: { children: React.ReactNode; label?: string }) {
  return (
    <div role={label ? "group" : undefined} aria-label={label}>
      <dl className="grid grid-cols-1 gap-4 min-[420px]:grid-cols-2 lg:grid-cols-4">{children}</dl>
    </div>
  );
}
