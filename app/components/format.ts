/** Display formats shared by the admin pages. Times are shown in UTC, like the audit log. */

export function formatTime(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleString("en-GB", { timeZone: "UTC", dateStyle: "medium", timeStyle: "medium" }) + " UTC" : "—";
}

export function formatUsd(value: number | null | undefined): string {
  // Cents, plus up to two more decimals: LLM requests often cost fractions of a cent.
  return value == null ? "—" : value.toLocaleString("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 4 });
}

/** One request's cost: cents, or (under a cent) three significant digits, so $0.0000315 does not read as $0.00. */
export function formatCost(value: number | null | undefined): string {
  if (value == null) return "—";
  if (value === 0 || Math.abs(value) >= 0.01) return formatUsd(value);
  return `${value < 0 ? "-" : ""}$${Math.abs(value).toLocaleString("en-US", { maximumSignificantDigits: 3 })}`;
}

export function formatCount(value: number | null | undefined): string {
  return value == null ? "—" : value.toLocaleString("en-US");
}
