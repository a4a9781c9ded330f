/**
 * Exact money arithmetic: amounts as bigint units of 1e-10 USD (the precision of our numeric
 * columns), parsed from and printed to decimal strings. Never floating point for sums.
 */
const SCALE = 10;
const FACTOR = 10n ** BigInt(SCALE);

export type Money = bigint;

export function money(value: string | number | null | undefined): Money {
  if (value === null || value === undefined || value === "") return 0n;
  const text = typeof value === "number" ? value.toFixed(SCALE) : value.trim();
  const match = /^([+-])?(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i.exec(text);
  if (!match) throw new Error(`Not a decimal amount: ${text}`);
  if (match[4]) return money(Number(text).toFixed(SCALE));
  const [, sign, whole = "", fraction = ""] = match;
  const units = BigInt(whole || "0") * FACTOR + BigInt((fraction + "0".repeat(SCALE)).slice(0, SCALE) || "0");
  return sign === "-" ? -units : units;
}

/** Decimal string with up to 10 decimals, trailing zeros trimmed ("12.5", "0", "-0.0000001"). */
export function moneyString(value: Money): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const whole = abs / FACTOR;
  const fraction = (abs % FACTOR).toString().padStart(SCALE, "0").replace(/0+$/, "");
  return `${negative ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}`;
}

/** For JSON answers: a number (exact up to ~15 significant digits, which covers cents of any budget here). */
export function moneyNumber(value: Money): number {
  return Number(moneyString(value));
}

export const maxMoney = (a: Money, b: Money): Money => (a > b ? a : b);
export const minMoney = (a: Money, b: Money): Money => (a < b ? a : b);
export const clampMoney = (value: Money, low: Money, high: Money): Money => maxMoney(low, minMoney(value, high));
