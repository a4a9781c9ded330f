import type { StatementDocument } from "~/services/statements.schema";

/**
 * How statements read, in the browser and in the PDF alike (app/services/statement-files.server.ts):
 * dates in UTC ("1 Nov 2026"), periods with their end excluded, money as exact decimal text with
 * thousands separators and always with its currency code.
 */

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "1 Nov 2026" (UTC). A bare YYYY-MM-DD is read as that day. */
export function formatDay(iso: string | Date): string {
  const d = typeof iso === "string" ? new Date(/^\d{4}-\d{2}-\d{2}$/.test(iso) ? `${iso}T00:00:00Z` : iso) : iso;
  if (Number.isNaN(d.getTime())) return String(iso);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

function formatMoment(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${formatDay(d)} ${String(d.getUTCHours()).padStart(2, "0")}:${String(d.getUTCMinutes()).padStart(2, "0")}`;
}

const atMidnight = (d: Date) => d.getUTCHours() === 0 && d.getUTCMinutes() === 0 && d.getUTCSeconds() === 0 && d.getUTCMilliseconds() === 0;

/**
 * A period as people read it: the end is exclusive, so a calendar month shows its last day
 * ("1 Nov 2026 – 30 Nov 2026"); a period that starts or ends mid-day (a budget period) shows times.
 */
export function formatPeriod(period: { start: string; end: string }): string {
  const start = new Date(period.start);
  const end = new Date(period.end);
  if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime())) return `${period.start} – ${period.end}`;
  if (atMidnight(start) && atMidnight(end) && end > start) return `${formatDay(start)} – ${formatDay(new Date(end.getTime() - 86_400_000))}`;
  return `${formatMoment(period.start)} – ${formatMoment(period.end)} UTC`;
}

/** As formatPeriod, but a whole calendar month reads "Oct 2026" (the late-usage table's narrow column). */
export function formatShortPeriod(period: { start: string; end: string }): string {
  const start = new Date(period.start);
  const end = new Date(period.end);
  const wholeMonth =
    atMidnight(start) && atMidnight(end) && start.getUTCDate() === 1 && end.getUTCDate() === 1 && (end.getUTCFullYear() * 12 + end.getUTCMonth()) - (start.getUTCFullYear() * 12 + start.getUTCMonth()) === 1;
  return wholeMonth ? `${MONTHS[start.getUTCMonth()]} ${start.getUTCFullYear()}` : formatPeriod(period);
}

const group = (digits: string) => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");

/** Decimal text with thousands separators, kept exact: "-1234.5" → "-1,234.5". */
export function groupDecimal(text: string): string {
  const m = /^(-?)(\d+)(\.\d+)?$/.exec(text.trim());
  return m ? `${m[1]}${group(m[2])}${m[3] ?? ""}` : text;
}

/** A converted figure with its currency code, always: "EUR 1,234.57". */
export function formatMoney(converted: string, code: string): string {
  return `${code} ${groupDecimal(converted)}`;
}

/** How the statement's currency reads: "EUR (1 USD = 0.92 EUR, rate of 30 Nov 2026)", or "USD". */
export function describeCurrency(currency: StatementDocument["currency"]): string {
  if (currency.code === "USD") return "USD";
  const date = currency.rate_date ? `, rate of ${formatDay(currency.rate_date)}` : "";
  return `${currency.code} (1 USD = ${currency.rate} ${currency.code}${date})`;
}
