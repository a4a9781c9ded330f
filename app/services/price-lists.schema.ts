import { z } from "zod";
import { PRICE_LIST_KINDS } from "../../db/schema/roles.ts";

/**
 * What the price-lists service takes (REST, tRPC and the admin forms): client-safe (zod only).
 * Prices and percents are exact decimals: a number or a decimal string, at most 4 decimals.
 */

export { PRICE_LIST_KINDS };

/** A decimal with at most `decimals` decimals, as a number or a string; parsed to its exact decimal text. */
export function decimalInput(field: string, example: string, decimals = 4, { min, max }: { min?: number; max?: number } = {}) {
  const pattern = new RegExp(`^-?\\d{1,12}(\\.\\d{1,${decimals}})?$`);
  return z
    .union([z.number({ invalid_type_error: `${field} must be a number, e.g. ${example}` }).finite(`${field} must be a finite number`), z.string({ invalid_type_error: `${field} must be a number, e.g. ${example}` })], {
      errorMap: () => ({ message: `${field} must be a number, e.g. ${example}` }),
    })
    .transform((v, ctx) => {
      const text = typeof v === "number" ? String(v) : v.trim();
      if (!pattern.test(text)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${field} must be a decimal number with at most ${decimals} decimals, e.g. ${example}` });
        return z.NEVER;
      }
      const n = Number(text);
      if (min !== undefined && n < min) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${field} must be at least ${min}` });
      if (max !== undefined && n > max) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${field} must be at most ${max}` });
      return text.replace(/^(-?)0+(?=\d)/, "$1");
    });
}

const percent = (field: string) => decimalInput(field, "30", 4, { min: -100, max: 100_000 });
const price = (field: string) => decimalInput(field, "2.50", 4, { min: 0, max: 1_000_000 });

export const modelPriceSchema = z.object({
  model: z
    .string({ required_error: "Give the LiteLLM model name (model), e.g. gpt-4o", invalid_type_error: "model must be text" })
    .trim()
    .min(1, "Give the LiteLLM model name (model), e.g. gpt-4o")
    .max(200, "Use at most 200 characters"),
  input_per_million: price("input_per_million"),
  output_per_million: price("output_per_million"),
});

const listFields = {
  kind: z.enum(PRICE_LIST_KINDS, {
    errorMap: () => ({ message: "kind must be markup (a percent over cost), per_model (prices per 1M tokens) or inherit (a team back on its organization's list)" }),
  }),
  markup_percent: percent("markup_percent").optional().nullable(),
  fallback_markup_percent: percent("fallback_markup_percent").optional().nullable(),
  models: z.array(modelPriceSchema, { invalid_type_error: "models must be a list of {model, input_per_million, output_per_million}" }).max(500, "At most 500 models per price list").optional(),
  effective_at: z
    .string({ invalid_type_error: "effective_at must be an ISO 8601 time, e.g. 2026-12-01T00:00:00Z" })
    .datetime({ offset: true, message: "effective_at must be an ISO 8601 time with a zone, e.g. 2026-12-01T00:00:00Z" })
    .optional()
    .nullable(),
  note: z.string({ invalid_type_error: "note must be text" }).trim().max(500, "Use at most 500 characters").optional().nullable(),
};

function checkKind(v: { kind: string; markup_percent?: string | null; models?: Array<{ model: string }> }, ctx: z.RefinementCtx) {
  if (v.kind === "markup" && (v.markup_percent === undefined || v.markup_percent === null)) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["markup_percent"], message: "A markup price list needs markup_percent, e.g. 30 for cost + 30 %" });
  }
  if (v.kind === "per_model") {
    if (!v.models?.length) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["models"], message: "A per_model price list needs at least one model with its prices" });
    const seen = new Set<string>();
    v.models?.forEach((m, i) => {
      if (seen.has(m.model)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["models", i, "model"], message: `${m.model} is listed twice` });
      seen.add(m.model);
    });
  }
}

export const setOrganizationPriceListSchema = z
  .object({ organization_id: z.string({ required_error: "Say which organization (organization_id)" }).trim().min(1, "Say which organization (organization_id)"), ...listFields })
  .superRefine((v, ctx) => {
    if (v.kind === "inherit") ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["kind"], message: "Only a team's own price list can be inherit; an organization's is markup or per_model" });
    checkKind(v, ctx);
  });

export const setTeamPriceListSchema = z
  .object({ team_id: z.string({ required_error: "Say which team (team_id)" }).trim().min(1, "Say which team (team_id)"), ...listFields })
  .superRefine(checkKind);

export const organizationPriceListSchema = z.object({ organization_id: z.string({ required_error: "Say which organization (organization_id)" }).trim().min(1) });
export const teamPriceListSchema = z.object({ team_id: z.string({ required_error: "Say which team (team_id)" }).trim().min(1) });
