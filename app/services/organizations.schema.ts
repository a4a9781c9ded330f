import { z } from "zod";

/**
 * What the organizations service takes as input (REST, tRPC and the admin forms).
 * Client-safe (zod only), so forms validate in the browser with the very schema the service parses.
 */

const name = z
  .string({ required_error: "Give the organization a name", invalid_type_error: "name must be text" })
  .trim()
  .min(1, "Give the organization a name")
  .max(100, "Use at most 100 characters");
const litellmOrganizationId = z
  .string({ required_error: "Give the LiteLLM organization id, e.g. acme-corp", invalid_type_error: "litellm_organization_id must be text" })
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, "Use 1–63 letters, digits, dots, dashes or underscores, starting with a letter or digit (e.g. acme-corp)");
const description = z.string({ invalid_type_error: "description must be text" }).trim().max(500, "Use at most 500 characters").nullish();

export const STATEMENT_PERIODS = ["calendar_month", "budget_period"] as const;

/** How the organization is billed (docs/billing.md): statement period, currency and its fixed rate. */
const billingFields = {
  statement_period: z
    .enum(STATEMENT_PERIODS, { errorMap: () => ({ message: "statement_period must be calendar_month (UTC months) or budget_period (each team's own budget period)" }) })
    .optional(),
  currency: z
    .string({ invalid_type_error: "currency must be a 3-letter ISO 4217 code, e.g. EUR" })
    .trim()
    .toUpperCase()
    .regex(/^[A-Z]{3}$/, "currency must be a 3-letter ISO 4217 code, e.g. EUR")
    .optional(),
  exchange_rate: z
    .union([z.number(), z.string()], { errorMap: () => ({ message: "exchange_rate must be a number of currency units per 1 USD, e.g. 0.92" }) })
    .transform((v, ctx) => {
      const text = typeof v === "number" ? String(v) : v.trim();
      if (!/^\d{1,9}(\.\d{1,8})?$/.test(text) || Number(text) <= 0) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: "exchange_rate must be a positive number of currency units per 1 USD with at most 8 decimals, e.g. 0.92" });
        return z.NEVER;
      }
      return text;
    })
    .nullish(),
  exchange_rate_date: z
    .string({ invalid_type_error: "exchange_rate_date must be a date, e.g. 2026-12-01" })
    .regex(/^\d{4}-\d{2}-\d{2}$/, "exchange_rate_date must be a date as YYYY-MM-DD, e.g. 2026-12-01")
    .refine((v) => !Number.isNaN(Date.parse(`${v}T00:00:00Z`)), "exchange_rate_date is not a real date")
    .nullish(),
};

/** A currency other than USD needs its rate and the rate's date. */
function checkCurrency(v: { currency?: string; exchange_rate?: string | null; exchange_rate_date?: string | null }, ctx: z.RefinementCtx) {
  if (!v.currency || v.currency === "USD") return;
  if (!v.exchange_rate) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["exchange_rate"], message: `Billing in ${v.currency} needs exchange_rate: ${v.currency} per 1 USD, e.g. 0.92` });
  if (!v.exchange_rate_date) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["exchange_rate_date"], message: "Say when the rate was taken (exchange_rate_date, YYYY-MM-DD): it is shown beside every converted figure" });
}

export const createOrganizationSchema = z.object({ name, litellm_organization_id: litellmOrganizationId, description, ...billingFields }).superRefine(checkCurrency);
export const updateOrganizationSchema = z
  .object({
    organization_id: z.string({ required_error: "Say which organization (organization_id)" }).min(1),
    name: name.optional(),
    litellm_organization_id: litellmOrganizationId.optional(),
    description,
    ...billingFields,
  })
  .superRefine(checkCurrency);
export const organizationIdSchema = z.object({ organization_id: z.string({ required_error: "Say which organization (organization_id)" }).min(1) });
