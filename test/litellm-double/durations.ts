/**
 * Duration strings (CONTRACT §0 "Hashing, dates and ids") and the calendar-aligned `budget_reset_at`
 * (CONTRACT §2 "budget_duration and reset"). Everything is UTC (LiteLLM's default timezone), reset
 * time of day 00:00.
 */

export type DurationUnit = "s" | "m" | "h" | "d" | "w" | "mo";

const DURATION = /^(\d+)(mo|s|m|h|d|w)$/;
const DAY_MS = 86_400_000;

export function parseDuration(text: string): { value: number; unit: DurationUnit } | null {
  const match = DURATION.exec(text.trim());
  if (!match) return null;
  return { value: Number(match[1]), unit: match[2] as DurationUnit };
}

/**
 * Key expiry: an exact offset from now (`duration_in_seconds`). `mo` adds calendar months (the
 * double's reading of LiteLLM's month handling). Returns null for an unparseable duration.
 */
export function addDuration(now: Date, text: string): Date | null {
  const parsed = parseDuration(text);
  if (!parsed) return null;
  const { value, unit } = parsed;
  const unitMs = { s: 1000, m: 60_000, h: 3_600_000, d: DAY_MS, w: 7 * DAY_MS } as const;
  if (unit === "mo") {
    const d = new Date(now.getTime());
    d.setUTCMonth(d.getUTCMonth() + value);
    return d;
  }
  return new Date(now.getTime() + value * unitMs[unit]);
}

function utcMidnight(d: Date): number {
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
}

/**
 * `get_next_standardized_reset_time`: 1d → next midnight; 7d/1w → next Monday 00:00 (a week later
 * when today is Monday); 30d/1mo → the 1st of next month; other Nd → today's midnight + N days
 * (Nw = 7N days, Nmo = 30N days); Nh/Nm/Ns → the next multiple of N hours/minutes/seconds counted
 * from the start of the day/hour/minute (wrapping past the end of it as LiteLLM does); anything
 * unparseable → next midnight.
 */
export function nextBudgetResetAt(budgetDuration: string, now: Date): Date {
  const midnight = utcMidnight(now);
  const parsed = parseDuration(budgetDuration);
  if (!parsed || parsed.value <= 0) return new Date(midnight + DAY_MS);
  const { value, unit } = parsed;
  if (unit === "d" || unit === "w" || unit === "mo") {
    const days = unit === "d" ? value : unit === "w" ? value * 7 : value * 30;
    if (days === 1) return new Date(midnight + DAY_MS);
    if (days === 7) {
      const weekday = (now.getUTCDay() + 6) % 7; // Monday = 0, as Python's weekday()
      const untilMonday = (7 - weekday) % 7 || 7;
      return new Date(midnight + untilMonday * DAY_MS);
    }
    if (days === 30) return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
    return new Date(midnight + days * DAY_MS);
  }
  const h = now.getUTCHours();
  const m = now.getUTCMinutes();
  const s = now.getUTCSeconds();
  if (unit === "h") {
    const next = h + value - (h % value);
    if (next >= 24) return new Date(midnight + DAY_MS + (next % 24) * 3_600_000);
    return new Date(midnight + next * 3_600_000);
  }
  const hourStart = midnight + h * 3_600_000;
  if (unit === "m") {
    const next = m + value - (m % value);
    if (next >= 60) return new Date(hourStart + 3_600_000 + (next % 60) * 60_000);
    return new Date(hourStart + next * 60_000);
  }
  const minuteStart = hourStart + m * 60_000;
  const next = s + value - (s % value);
  if (next >= 60) return new Date(minuteStart + 60_000 + (next % 60) * 1000);
  return new Date(minuteStart + next * 1000);
}
