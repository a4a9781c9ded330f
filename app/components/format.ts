/**
 * Display formats shared by every page (admin and portal), one way each:
 * - times: "20 Nov 2026, 15:30:00 UTC" (UTC, like the audit log), formatTime;
 * - money: dollars with two decimals for a cent or more ("$25.21"), the exact amount under a cent
 *   ("$0.0000315"), formatUsd (CSV exports keep the exact decimal string);
 * - percentages: a number, a space, "%" ("84 %", "100.84 %"), formatPercent.
 */

export function formatTime(iso: string | Date | null | undefined): string {
  if (!iso) return "—";
  const date = iso instanceof Date ? iso : new Date(iso);
  if (Number.isNaN(date.getTime())) return "—";
  return date.toLocaleString("en-GB", { timeZone: "UTC", dateStyle: "medium", timeStyle: "medium" }) + " UTC";
}

/** The decimal digits of a USD amount as text, without float noise (at most the 10 decimals money keeps). */
function exactDecimal(value: number | string): string {
  const text = typeof value === "number" ? value.toFixed(10) : value.trim();
  if (!/^-?\d*\.?\d*$/.test(text)) return String(value);
  const [whole = "0", fraction = ""] = text.replace(/^-/, "").split(".");
  const digits = fraction.replace(/0+$/, "");
  return `${(whole.replace(/^0+(?=\d)/, "") || "0")}${digits ? `.${digits}` : ""}`;
}

/** USD: "$1,234.50" for a cent or more; the exact amount for sub-cent costs ("$0.0000315"), so they never read as $0.00. */
export function formatUsd(value: number | string | null | undefined): string {
  if (value == null || value === "") return "—";
  const n = typeof value === "number" ? value : Number(value);
  if (!Number.isFinite(n)) return "—";
  if (n === 0) return "$0.00";
  if (Math.abs(n) >= 0.01) return n.toLocaleString("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return `${n < 0 ? "-" : ""}$${exactDecimal(value)}`;
}

/** One request's cost: the same as formatUsd (kept for the usage tables that call it). */
export function formatCost(value: number | string | null | undefined): string {
  return formatUsd(value);
}

/** "84 %", "100.84 %", "0.5 %": at most two decimals, a space before the sign. */
export function formatPercent(value: number | null | undefined, decimals = 2): string {
  if (value == null || !Number.isFinite(value)) return "—";
  return `${value.toLocaleString("en-US", { maximumFractionDigits: decimals })} %`;
}

export function formatCount(value: number | null | undefined): string {
  return value == null ? "—" : value.toLocaleString("en-US");
}
