import { z } from "zod";
import { AppError } from "~/lib/errors";
import { isDateInRange } from "~/lib/validation";

/**
 * The one reading of a usage window, for the REST API, the admin pages, their CSV exports and the
 * portal: ISO dates or date-times, [from, to), and what happens when they are wrong.
 */

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:[zZ]|[+-]\d{2}(?::?\d{2})?)?$/;
const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
/** The longest window a dashboard or export reads. */
export const MAX_RANGE_DAYS = 400;

/** An ISO date (a whole UTC day; `to` includes it) or a date-time (UTC unless it names an offset); null when malformed. */
export function parseInstant(value: string, edge: "from" | "to"): Date | null {
  const v = value.trim();
  if (DATE_ONLY.test(v)) {
    const ms = Date.parse(`${v}T00:00:00Z`);
    if (Number.isNaN(ms) || !isDateInRange(new Date(ms)) || new Date(ms).toISOString().slice(0, 10) !== v) return null;
    return new Date(edge === "to" ? ms + DAY_MS : ms);
  }
  if (!DATE_TIME.test(v)) return null;
  const normalized = v.replace(" ", "T");
  const ms = Date.parse(/(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$/.test(normalized) ? normalized : `${normalized}Z`);
  return Number.isNaN(ms) || !isDateInRange(new Date(ms)) ? null : new Date(ms);
}

/** A strict `from`/`to` field (the API's): a malformed value is refused when the input is parsed. */
export const instantField = (edge: "from" | "to") =>
  z
    .string({ invalid_type_error: `${edge} must be an ISO date or date-time` })
    .trim()
    .refine((v) => parseInstant(v, edge) !== null, `${edge} must be an ISO date (2026-11-01) or date-time in UTC (2026-11-01T09:30:00Z)`)
    .optional();

/** A loose `from`/`to` field (the pages'): any short text, checked by checkedWindow / lenientWindow. */
export const looseInstantField = z
  .string()
  .trim()
  .max(40)
  .optional()
  .transform((v) => (v ? v : undefined));

export type Window = { from: Date; to: Date; fromDay: string; toDay: string; isDefault: boolean; error: string | null };

export type DashboardWindow = {
  from: string;
  to: string;
  /** First and last UTC day the window touches (YYYY-MM-DD, inclusive). */
  from_day: string;
  to_day: string;
  /** True when the page's default window is shown (no from/to asked for). */
  is_default: boolean;
  /** Why the asked-for range was not used (pages then show the default window). */
  error: string | null;
};

export const dayOf = (d: Date) => d.toISOString().slice(0, 10);
export const startOfUtcDay = (d: Date) => new Date(Math.floor(d.getTime() / DAY_MS) * DAY_MS);
export const startOfUtcMonth = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));

function makeWindow(from: Date, to: Date, isDefault: boolean, error: string | null = null): Window {
  return { from, to, fromDay: dayOf(from), toDay: dayOf(new Date(to.getTime() - 1)), isDefault, error };
}

/**
 * [from, to) from the input, defaulting to `fallbackFrom` and now; throws BAD_REQUEST (naming the
 * field) when a value is malformed, the window is empty, or longer than `maxDays` (null: no cap).
 */
export function checkedWindow(input: { from?: string; to?: string }, fallbackFrom: Date, now: Date, maxDays: number | null = MAX_RANGE_DAYS): Window {
  if (!input.from && !input.to) return makeWindow(fallbackFrom, now > fallbackFrom ? now : new Date(fallbackFrom.getTime() + HOUR_MS), true);
  const from = input.from ? parseInstant(input.from, "from") : fallbackFrom;
  const to = input.to ? parseInstant(input.to, "to") : now;
  if (!from) throw new AppError("BAD_REQUEST", "from must be a date (2026-11-01) or a date-time in UTC (2026-11-01T09:30:00Z).", { fieldErrors: { from: ["Not a date"] } });
  if (!to) throw new AppError("BAD_REQUEST", "to must be a date (2026-11-30) or a date-time in UTC (2026-11-30T18:00:00Z).", { fieldErrors: { to: ["Not a date"] } });
  if (from >= to) {
    throw new AppError("BAD_REQUEST", `The range is empty: from (${from.toISOString()}) must be before to (${to.toISOString()}).`, { fieldErrors: { from: ["Must be before to"] } });
  }
  if (maxDays !== null && to.getTime() - from.getTime() > maxDays * DAY_MS) {
    throw new AppError("BAD_REQUEST", `The range is too long: at most ${maxDays} days.`, { fieldErrors: { from: [`At most ${maxDays} days`] } });
  }
  return makeWindow(from, to, false);
}

/** For pages: a bad range falls back to the default window, with the reason to show. */
export function lenientWindow(input: { from?: string; to?: string }, fallbackFrom: Date, now: Date): Window {
  try {
    return checkedWindow(input, fallbackFrom, now);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return { ...checkedWindow({}, fallbackFrom, now), error: `${error.userMessage} Showing the default range instead.` };
  }
}

export const windowView = (w: Window): DashboardWindow => ({
  from: w.from.toISOString(),
  to: w.to.toISOString(),
  from_day: w.fromDay,
  to_day: w.toDay,
  is_default: w.isDefault,
  error: w.error,
});
