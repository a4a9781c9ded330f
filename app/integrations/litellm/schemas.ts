import { z } from "zod";

/**
 * Schemas for the LiteLLM responses we use (CONTRACT.md §1, §3). Each names the fields the product
 * reads and lets the rest through (`passthrough`), since LiteLLM adds fields between versions.
 */

const nullableNumber = z.number().nullable().optional().transform((v) => v ?? null);
const nullableString = z.string().nullable().optional().transform((v) => v ?? null);
const stringList = z.array(z.string()).nullable().optional().transform((v) => v ?? []);
const record = z.record(z.unknown()).nullable().optional().transform((v) => v ?? {});

export const teamSchema = z
  .object({
    team_id: z.string(),
    team_alias: nullableString,
    organization_id: nullableString,
    models: stringList,
    max_budget: nullableNumber,
    soft_budget: nullableNumber,
    budget_duration: nullableString,
    budget_reset_at: nullableString,
    spend: z.number().nullable().optional().transform((v) => v ?? 0),
    rpm_limit: nullableNumber,
    tpm_limit: nullableNumber,
    blocked: z.boolean().nullable().optional().transform((v) => v ?? false),
    metadata: record,
  })
  .passthrough();
export type LiteLLMTeam = z.infer<typeof teamSchema>;

export const keySchema = z
  .object({
    key_alias: nullableString,
    key_name: nullableString,
    team_id: nullableString,
    models: stringList,
    max_budget: nullableNumber,
    budget_duration: nullableString,
    budget_reset_at: nullableString,
    spend: z.number().nullable().optional().transform((v) => v ?? 0),
    rpm_limit: nullableNumber,
    tpm_limit: nullableNumber,
    blocked: z.boolean().nullable().optional().transform((v) => v ?? null),
    expires: nullableString,
    metadata: z.union([z.record(z.unknown()), z.string()]).nullable().optional(),
  })
  .passthrough();
export type LiteLLMKey = z.infer<typeof keySchema>;

export const generateKeyResponseSchema = keySchema.extend({
  /** The raw secret: the only time LiteLLM returns it. */
  key: z.string().startsWith("sk-"),
  /** sha256 hex of `key`. */
  token: z.string(),
});
export type GeneratedKey = z.infer<typeof generateKeyResponseSchema>;

export const keyInfoResponseSchema = z.object({ key: z.string(), info: keySchema }).passthrough();

/** /key/block and /key/unblock answer the whole row, including `token` (the hash). */
export const keyRowSchema = keySchema.extend({ token: z.string() });

export const keyListResponseSchema = z
  .object({
    keys: z.array(z.union([z.string(), keySchema.extend({ token: z.string().optional() })])),
    total_count: z.number().nullable().optional(),
    current_page: z.number().nullable().optional(),
    total_pages: z.number().nullable().optional(),
  })
  .passthrough();

/** GET /v2/team/list (LiteLLM's `list_team_v2`): offset pages of team rows, without their keys. */
export const teamListResponseSchema = z
  .object({
    teams: z.array(teamSchema),
    total: z.number().nullable().optional(),
    page: z.number().nullable().optional(),
    page_size: z.number().nullable().optional(),
    total_pages: z.number().nullable().optional(),
  })
  .passthrough();

export const teamInfoResponseSchema = z
  .object({
    team_id: z.string(),
    team_info: teamSchema,
    keys: z.array(keySchema).optional().default([]),
  })
  .passthrough();

export const teamUpdateResponseSchema = z.object({ team_id: z.string(), data: teamSchema }).passthrough();
export const teamDeleteResponseSchema = z.object({ deleted_teams: z.array(z.string()).nullable().optional() }).passthrough();
export const keyDeleteResponseSchema = z.object({ deleted_keys: z.array(z.string()).nullable().optional() }).passthrough();
export const keyUpdateResponseSchema = z.object({ key: z.string() }).passthrough();

export const modelInfoResponseSchema = z.object({
  data: z.array(
    z
      .object({
        model_name: z.string(),
        litellm_params: z.object({ model: z.string().optional() }).passthrough().nullable().optional(),
        model_info: z
          .object({
            id: z.string().nullable().optional(),
            mode: z.string().nullable().optional(),
            input_cost_per_token: z.number().nullable().optional(),
            output_cost_per_token: z.number().nullable().optional(),
            max_tokens: z.number().nullable().optional(),
          })
          .passthrough()
          .nullable()
          .optional(),
      })
      .passthrough(),
  ),
});

export const modelsResponseSchema = z.object({
  data: z.array(z.object({ id: z.string() }).passthrough()),
});

/**
 * One /spend/logs/v2 row (CONTRACT §3): the documentation of the row and the source of `SpendLog`.
 * The client does not run it per row: spend-rows.ts checks pages by hand, to exactly these rules
 * (its tests compare the two on every kind of field), because ingestion reads a million rows a run.
 */
export const spendLogSchema = z
  .object({
    request_id: z.string(),
    api_key: z.string().nullable().optional().transform((v) => v ?? ""),
    team_id: nullableString,
    model: nullableString,
    model_group: nullableString,
    spend: z.number().nullable().optional().transform((v) => v ?? 0),
    prompt_tokens: z.number().nullable().optional().transform((v) => v ?? 0),
    completion_tokens: z.number().nullable().optional().transform((v) => v ?? 0),
    total_tokens: z.number().nullable().optional().transform((v) => v ?? 0),
    startTime: z.string(),
    endTime: nullableString,
    request_duration_ms: nullableNumber,
    end_user: nullableString,
    /** `x-litellm-session-id` or the body's `litellm_session_id`, else LiteLLM's own trace id (CONTRACT §3): our job id when it is one. */
    session_id: nullableString,
    status: nullableString,
    request_tags: z.unknown().optional(),
    metadata: z.unknown().optional(),
  })
  .passthrough();
export type SpendLog = z.infer<typeof spendLogSchema>;

/** The /spend/logs/v2 answer as zod would check it; the client uses spend-rows.ts's `spendLogsPageSchema`, which does the same by hand. */
export const spendLogsPageReference = z
  .object({
    data: z.array(spendLogSchema),
    total: z.number(),
    page: z.number(),
    page_size: z.number(),
    total_pages: z.number(),
  })
  .passthrough();

export const dailyActivityResponseSchema = z
  .object({
    results: z.array(
      z
        .object({
          date: z.string(),
          metrics: z.record(z.unknown()),
          breakdown: z.record(z.unknown()).optional(),
        })
        .passthrough(),
    ),
    metadata: z.record(z.unknown()),
  })
  .passthrough();

export const readinessSchema = z
  .object({ status: z.string().optional(), db: z.string().optional(), litellm_version: z.string().nullable().optional() })
  .passthrough();
