import { z } from "zod";

/**
 * A statement (docs/statements.md): what an organization, or one team of it, was billed for one
 * period. Client-safe (zod only): the statements service builds it, the CSV and PDF renderers and the
 * pages read it. Money is exact decimal text in USD ("12.3456789012"); `converted` figures are in the
 * organization's currency at its fixed rate, rounded half-up to cents, and always travel with
 * `currency` (code, rate and the rate's date), so a converted figure is never shown without them.
 */

const usd = z.string().describe("Exact USD decimal text, e.g. 12.3456789012");

export const statementCurrencySchema = z.object({
  code: z.string().describe("ISO 4217 code, e.g. EUR; USD when the organization is billed in dollars"),
  /** Units of `code` per 1 USD, exact decimal text ("1" for USD). */
  rate: z.string(),
  /** The date the admin took the rate (YYYY-MM-DD); null for USD. */
  rate_date: z.string().nullable(),
});

/** One money figure: exact USD and, in the billing currency, rounded half-up to cents (for USD: the usd figure rounded to cents, at rate 1). */
export const statementMoneySchema = z.object({ usd, converted: z.string().describe("In currency.code, rounded half-up to 2 decimals") });

export const statementUsageLineSchema = z.object({
  model: z.string().describe("LiteLLM model name (model group)"),
  /** The team the line belongs to (organization statements list usage per team and model). */
  team_id: z.string().nullable(),
  team_name: z.string().nullable(),
  requests: z.number().int(),
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  billed: statementMoneySchema,
});

export const statementCreditLineSchema = z.object({
  entry_id: z.string(),
  team_id: z.string(),
  kind: z.enum(["credit", "adjustment"]),
  amount: statementMoneySchema,
  reason: z.string(),
  created_at: z.string(),
});

/** Usage of an earlier, already closed period that LiteLLM wrote after it closed: a dated adjustment here. */
export const statementLateUsageLineSchema = statementUsageLineSchema.extend({
  /** The closed period the calls belong to. */
  period_start: z.string(),
  period_end: z.string(),
  /** When it was found (this statement's close, or now for an open one). */
  recorded_at: z.string(),
});

export const statementDocumentSchema = z.object({
  statement_id: z.string().describe("Stable: the same id while open and once closed"),
  status: z.enum(["open", "closed"]),
  organization: z.object({ id: z.string(), name: z.string() }),
  team: z.object({ id: z.string(), name: z.string() }).nullable(),
  period: z.object({ start: z.string(), end: z.string(), basis: z.enum(["calendar_month", "budget_period"]) }),
  closed_at: z.string().nullable(),
  currency: statementCurrencySchema,
  opening_balance: statementMoneySchema.describe("Credit balance at the period's start"),
  credits: z.array(statementCreditLineSchema),
  credits_total: statementMoneySchema,
  adjustments_total: statementMoneySchema,
  usage: z.array(statementUsageLineSchema),
  late_usage: z.array(statementLateUsageLineSchema),
  /** usage + late_usage, billed. */
  total_billed: statementMoneySchema,
  /** Credits consumed by budget periods that closed within the statement's period. */
  credits_used: statementMoneySchema,
  closing_balance: statementMoneySchema.describe("Credit balance at the period's end"),
});
export type StatementDocument = z.infer<typeof statementDocumentSchema>;

/** What only admins see beside a statement: our cost and margin (never in the customer's document, CSV or PDF). */
export const statementInternalSchema = z.object({ cost: usd, margin: usd, margin_percent: z.number().nullable() });
export type StatementInternal = z.infer<typeof statementInternalSchema>;

// ── the service's input and list shapes (docs/statements.md "API") ─────────────────────────────

export const listStatementsSchema = z.object({
  organization_id: z.string({ invalid_type_error: "organization_id must be text" }).trim().min(1).max(200).optional(),
  team_id: z.string({ invalid_type_error: "team_id must be text" }).trim().min(1).max(200).optional(),
});

export const getStatementSchema = z.object({
  statement_id: z
    .string({ required_error: "Say which statement (statement_id)", invalid_type_error: "statement_id must be text" })
    .trim()
    .min(1, "Say which statement (statement_id)")
    .max(600, "statement_id is at most 600 characters"),
});

/** One statement in a list: what it covers and its total, without its lines. */
export const statementSummarySchema = statementDocumentSchema.pick({
  statement_id: true,
  status: true,
  organization: true,
  team: true,
  period: true,
  total_billed: true,
  currency: true,
  closed_at: true,
});
export type StatementSummary = z.infer<typeof statementSummarySchema>;

/** A statement as getStatement answers it: `internal` (cost and margin) for admins only, null for customers. */
export const statementWithInternalSchema = z.object({ document: statementDocumentSchema, internal: statementInternalSchema.nullable() });
export type StatementWithInternal = z.infer<typeof statementWithInternalSchema>;
