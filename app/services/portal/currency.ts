import { money, type Money } from "~/lib/money";

/**
 * An amount in USD shown in the organization's own currency (docs/portal.md#currency): the fixed
 * rate the admin set (units of the currency per 1 USD, up to 8 decimals) and the date it was taken,
 * always shown beside the converted figure. Exact: the USD amount (bigint units of 1e-10) times the
 * rate (bigint units of 1e-8), rounded half-up to cents (half away from zero for a negative amount).
 * No floating point anywhere.
 */

export type Converted = {
  currency: string;
  /** The converted amount in cents, as a decimal with exactly two places ("1234.57"). */
  amount: string;
  /** Units of `currency` per 1 USD, as the admin set it ("0.92"). */
  rate: string;
  /** When the rate was taken (YYYY-MM-DD). */
  rate_date: string;
};

/** The organization's billing currency, when it is not USD and has a rate with its date. */
export type BillingCurrency = { currency: string; rate: string; rate_date: string };

const RATE_SCALE = 8;
/** 1e-10 (Money) × 1e-8 (rate) = 1e-18; a cent is 1e-2, so 1e16 of these. */
const PER_CENT = 10n ** 16n;

/** The rate as bigint units of 1e-8; throws on anything but a plain positive decimal. */
function rateUnits(rate: string): bigint {
  const match = /^(\d+)(?:\.(\d*))?$/.exec(rate.trim());
  if (!match) throw new Error(`Not an exchange rate: ${rate}`);
  const [, whole, fraction = ""] = match;
  if (/[1-9]/.test(fraction.slice(RATE_SCALE))) throw new Error(`An exchange rate has at most ${RATE_SCALE} decimals: ${rate}`);
  return BigInt(whole!) * 10n ** BigInt(RATE_SCALE) + BigInt(fraction.slice(0, RATE_SCALE).padEnd(RATE_SCALE, "0"));
}

/** Integer division rounding half away from zero (half-up for the positive amounts usage has). */
function divRound(n: bigint, d: bigint): bigint {
  const q = (n < 0n ? -n : n) / d;
  const r = (n < 0n ? -n : n) % d;
  const rounded = r * 2n >= d ? q + 1n : q;
  return n < 0n ? -rounded : rounded;
}

/** Cents as "1234.57" (two places, a minus sign when negative). */
export function centsString(cents: bigint): string {
  const negative = cents < 0n;
  const abs = negative ? -cents : cents;
  return `${negative ? "-" : ""}${abs / 100n}.${(abs % 100n).toString().padStart(2, "0")}`;
}

/** `usd` (Money, or exact decimal text) in the currency, to the cent. */
export function convertUsd(usd: Money | string, to: BillingCurrency): Converted {
  const units = typeof usd === "bigint" ? usd : money(usd);
  return { currency: to.currency, amount: centsString(divRound(units * rateUnits(to.rate), PER_CENT)), rate: to.rate, rate_date: to.rate_date };
}

/** The organization's columns as a billing currency: null when it bills in USD (or lacks a rate or its date). */
export function billingCurrencyOf(org: { currency: string; exchangeRate: string | null; exchangeRateDate: string | null } | undefined): BillingCurrency | null {
  if (!org || org.currency === "USD" || !org.exchangeRate || !org.exchangeRateDate) return null;
  // numeric(18, 8) reads back padded ("0.92000000"): shown as the admin typed it.
  const rate = org.exchangeRate.includes(".") ? org.exchangeRate.replace(/0+$/, "").replace(/\.$/, "") : org.exchangeRate;
  return { currency: org.currency, rate, rate_date: org.exchangeRateDate };
}

/** "1,234.57 EUR": the converted amount with thousands separators, from its exact text (no float). */
export function formatConverted(c: Pick<Converted, "amount" | "currency">): string {
  const [whole, fraction] = c.amount.replace(/^-/, "").split(".");
  const grouped = whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${c.amount.startsWith("-") ? "-" : ""}${grouped}.${fraction} ${c.currency}`;
}

/** "at 0.92 EUR per USD (rate of 2026-12-01)": what must stand beside every converted figure. */
export const rateNote = (c: Pick<Converted, "currency" | "rate" | "rate_date">) => `at ${c.rate} ${c.currency} per USD (rate of ${c.rate_date})`;
