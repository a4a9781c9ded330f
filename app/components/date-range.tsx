import { Form, Link, useLocation, useNavigation } from "@remix-run/react";
import { cx } from "./ui";

/**
 * The date range of a usage page: a GET form (`?from=YYYY-MM-DD&to=YYYY-MM-DD`, UTC days, `to`
 * included) and preset links. "This period" drops both (the page's default window: the team's
 * budget period, or the calendar month). Changing the range starts every table at its first page.
 * `today` comes from the loader (UTC), so server and browser agree on the presets.
 */

const DAY_MS = 86_400_000;

export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

export type RangePreset = { id: string; label: string; from: string | null; to: string | null };

/** The presets for a given UTC day: this period (no from/to), the last 7, 30 and 90 days (today included). */
export function rangePresets(today: string, periodLabel = "This period"): RangePreset[] {
  return [
    { id: "period", label: periodLabel, from: null, to: null },
    { id: "7d", label: "7 days", from: addDays(today, -6), to: today },
    { id: "30d", label: "30 days", from: addDays(today, -29), to: today },
    { id: "90d", label: "90 days", from: addDays(today, -89), to: today },
  ];
}

/** from/to as given in the URL (only well-formed dates or date-times; the service checks the rest). */
/** The asked-for range as typed: the service checks it and says what is wrong (a page then shows the default range with the reason). */
export function rangeFromSearch(params: URLSearchParams): { from?: string; to?: string } {
  const given = (v: string | null) => v?.trim() || undefined;
  return { from: given(params.get("from")), to: given(params.get("to")) };
}

const query = (from: string | null, to: string | null) => {
  const p = new URLSearchParams();
  if (from) p.set("from", from);
  if (to) p.set("to", to);
  const s = p.toString();
  return s ? `?${s}` : "?";
};

export function DateRange({
  from,
  to,
  today,
  selected,
  periodLabel = "This period",
  error,
}: {
  /** First UTC day shown (YYYY-MM-DD). */
  from: string;
  /** Last UTC day shown, included. */
  to: string;
  today: string;
  /** from/to exactly as in the URL (both absent: "This period"). */
  selected: { from?: string; to?: string };
  periodLabel?: string;
  error?: string | null;
}) {
  const presets = rangePresets(today, periodLabel);
  const navigation = useNavigation();
  const { pathname } = useLocation();
  const loading = navigation.state === "loading" && navigation.location.pathname === pathname;
  const current = presets.find((p) => (p.from ?? undefined) === selected.from && (p.to ?? undefined) === selected.to)?.id;
  return (
    <div className="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200">
      <div className="flex flex-wrap items-end gap-x-6 gap-y-3">
        <nav aria-label="Date range presets">
          <ul className="flex flex-wrap gap-2">
            {presets.map((p) => (
              <li key={p.id}>
                <Link
                  to={query(p.from, p.to)}
                  preventScrollReset
                  aria-current={current === p.id ? "true" : undefined}
                  className={cx(
                    "inline-block rounded-full px-3 py-1.5 text-sm font-medium ring-1 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600",
                    current === p.id ? "bg-indigo-700 text-white ring-indigo-700" : "bg-white text-slate-800 ring-slate-300 hover:bg-slate-50",
                  )}
                >
                  {p.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        {/* A search landmark, not a named form: it filters what the page shows, it changes nothing. */}
        <Form method="get" preventScrollReset className="flex flex-wrap items-end gap-3" role="search" aria-label="Date range">
          <div>
            <label htmlFor="range-from" className="block text-xs font-medium text-slate-700">
              From (UTC)
            </label>
            <input
              id="range-from"
              type="date"
              name="from"
              defaultValue={from}
              key={`from-${from}`}
              max={today}
              required
              className="mt-1 block rounded-md border-0 px-2 py-1.5 text-sm ring-1 ring-slate-300 ring-inset focus:ring-2 focus:ring-indigo-600 focus:outline-none"
            />
          </div>
          <div>
            <label htmlFor="range-to" className="block text-xs font-medium text-slate-700">
              To (UTC, included)
            </label>
            <input
              id="range-to"
              type="date"
              name="to"
              defaultValue={to}
              key={`to-${to}`}
              required
              className="mt-1 block rounded-md border-0 px-2 py-1.5 text-sm ring-1 ring-slate-300 ring-inset focus:ring-2 focus:ring-indigo-600 focus:outline-none"
            />
          </div>
          <button
            type="submit"
            className="rounded-md bg-white px-3 py-1.5 text-sm font-medium text-slate-900 ring-1 ring-slate-300 ring-inset hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600"
          >
            Apply<span className="sr-only"> date range</span>
          </button>
          <span aria-live="polite" className="self-center text-sm text-slate-600">
            {loading ? "Loading…" : ""}
          </span>
        </Form>
      </div>
      {error ? (
        <p role="alert" className="mt-2 text-sm text-red-700">
          {error}
        </p>
      ) : null}
    </div>
  );
}
