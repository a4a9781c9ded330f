import { z } from "zod";
import { JOB_STATUSES } from "../../db/schema/roles.ts";
import { jobIdProblem } from "~/lib/job-id";
import { instantField } from "./usage/window.ts";

/** The jobs API's input and output (docs/jobs.md). snake_case and ISO times on the wire. */

export const METADATA_MAX_BYTES = 16_384;

export const jobIdField = (field = "job_id") =>
  z
    .string({ required_error: `Say which job (${field})`, invalid_type_error: `${field} must be text` })
    .superRefine((v, ctx) => {
      const problem = jobIdProblem(v);
      if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
    });

const teamId = z.string({ required_error: "Say which team (team_id)", invalid_type_error: "team_id must be text" }).trim().min(1, "Say which team (team_id)");
/** Admins may name the team of a job whose id several teams use; a team's own key needs no team_id. */
const optionalTeamId = z.string({ invalid_type_error: "team_id must be text" }).trim().min(1).optional();

const metadata = z
  .record(z.string(), z.unknown(), { invalid_type_error: "metadata must be a JSON object, e.g. {\"document\": \"invoice-7.pdf\"}" })
  .refine((v) => Buffer.byteLength(JSON.stringify(v), "utf8") <= METADATA_MAX_BYTES, `metadata can hold at most ${METADATA_MAX_BYTES} bytes of JSON`);

const label = (field: string, max: number) =>
  z
    .string({ invalid_type_error: `${field} must be text` })
    .trim()
    .min(1, `${field} cannot be empty`)
    .max(max, `${field} has at most ${max} characters`);

export const createJobSchema = z.object({
  /** Required for admins; a team's own key may leave it out (its team is the key's). */
  team_id: optionalTeamId,
  job_type: label("job_type", 100).describe("What kind of work, e.g. document_analysis: jobs are summed by it"),
  user_id: label("user_id", 200).optional().describe("Your own user's id, to filter by"),
  metadata: metadata.optional(),
  /** Your own id for the job (a document id, a chat id); by default the server makes one. */
  job_id: jobIdField().optional(),
});

export const completeJobSchema = z.object({
  job_id: jobIdField(),
  team_id: optionalTeamId,
  status: z.enum(["completed", "failed"], { errorMap: () => ({ message: "status must be completed or failed" }) }),
  metadata: metadata.optional(),
});

export const jobMetadataSchema = z.object({
  job_id: jobIdField(),
  team_id: optionalTeamId,
  metadata: metadata.describe("Merged into the job's metadata; a key set to null is removed"),
});

export const getJobSchema = z.object({
  job_id: jobIdField(),
  team_id: optionalTeamId,
  calls_limit: z.coerce.number({ invalid_type_error: "calls_limit must be a whole number" }).int("calls_limit must be a whole number").min(0).max(1000, "calls_limit must be at most 1000").default(100),
  /** The calls_next_cursor of the answer before: the calls after its last one. */
  calls_cursor: z.string({ invalid_type_error: "calls_cursor must be the calls_next_cursor of an earlier answer" }).trim().min(1).optional(),
});

export const listJobsSchema = z.object({
  team_id: teamId,
  status: z.enum(JOB_STATUSES, { errorMap: () => ({ message: `status must be one of ${JOB_STATUSES.join(", ")}` }) }).optional(),
  job_type: label("job_type", 100).optional(),
  user_id: label("user_id", 200).optional(),
  /** Jobs created at or after. */
  from: instantField("from"),
  /** Jobs created before. */
  to: instantField("to"),
  limit: z.coerce.number({ invalid_type_error: "limit must be a whole number" }).int("limit must be a whole number").min(1).max(200, "limit must be at most 200").default(50),
  cursor: z.string({ invalid_type_error: "cursor must be the next_cursor of an earlier page" }).trim().min(1).optional(),
});

export const jobSummaryInputSchema = z.object({
  team_id: teamId,
  /** Jobs created at or after (default: 30 days ago). */
  from: instantField("from"),
  /** Jobs created before (default: now). */
  to: instantField("to"),
});

// ── output ──────────────────────────────────────────────────────────────────────────────────────

export const jobTotalsSchema = z.object({
  calls: z.number(),
  failed_calls: z.number(),
  prompt_tokens: z.number(),
  completion_tokens: z.number(),
  total_tokens: z.number(),
  /**
   * USD, a number and exact as a decimal string. To admins LiteLLM's cost; to a customer (the
   * portal, the team's own key) what the team is billed for the job (docs/jobs.md#money).
   */
  cost: z.number(),
  cost_exact: z.string(),
  /** Admins only: what the team is billed for the job (equal to cost without a price list). */
  billed: z.number().optional(),
  billed_exact: z.string().optional(),
  avg_latency_ms: z.number().nullable(),
  first_call_at: z.string().nullable(),
  last_call_at: z.string().nullable(),
});

export const jobSchema = z.object({
  job_id: z.string(),
  team_id: z.string(),
  job_type: z.string(),
  user_id: z.string().nullable(),
  status: z.enum(JOB_STATUSES),
  /** api: made by POST /api/jobs/create; implicit: made by ingestion from a spend row (implicit jobs on). */
  origin: z.enum(["api", "implicit"]),
  metadata: z.record(z.string(), z.unknown()),
  created_at: z.string(),
  updated_at: z.string(),
  closed_at: z.string().nullable(),
  /** created → closed (completed, failed) or → last call (abandoned); null while open. */
  duration_ms: z.number().nullable(),
  totals: jobTotalsSchema,
  /** True once the job is closed and ingestion has read past its close: the totals will not change. */
  costs_final: z.boolean(),
  /** How far ingestion has read LiteLLM's spend logs. */
  ingested_until: z.string().nullable(),
});
export type Job = z.infer<typeof jobSchema>;

export const jobCallSchema = z.object({
  request_id: z.string(),
  start_time: z.string(),
  end_time: z.string().nullable(),
  model_group: z.string().nullable(),
  model: z.string().nullable(),
  status: z.string(),
  prompt_tokens: z.number(),
  completion_tokens: z.number(),
  total_tokens: z.number(),
  /** As the job's totals: cost to admins, the billed amount to a customer. */
  cost: z.number(),
  cost_exact: z.string(),
  /** Admins only: what the team is billed for the call. */
  billed: z.number().optional(),
  billed_exact: z.string().optional(),
  latency_ms: z.number().nullable(),
  end_user: z.string().nullable(),
});
export type JobCall = z.infer<typeof jobCallSchema>;

export const jobWithCallsSchema = jobSchema.extend({
  calls: z.array(jobCallSchema),
  /** Pass as calls_cursor for the calls after these; null when there are no more. */
  calls_next_cursor: z.string().nullable(),
});
export type JobWithCalls = z.infer<typeof jobWithCallsSchema>;

export const jobListSchema = z.object({
  team_id: z.string(),
  jobs: z.array(jobSchema),
  next_cursor: z.string().nullable(),
});
export type JobList = z.infer<typeof jobListSchema>;

export const jobSummarySchema = z.object({
  team_id: z.string(),
  from: z.string(),
  to: z.string(),
  job_types: z.array(
    z.object({
      job_type: z.string(),
      jobs: z.number(),
      open_jobs: z.number(),
      calls: z.number(),
      /** As the jobs' totals: cost to admins, the billed amounts to a customer. */
      total_cost: z.number(),
      total_cost_exact: z.string(),
      avg_cost: z.number(),
      p50_cost: z.number(),
      p95_cost: z.number(),
      /** Admins only: what the team is billed for these jobs, in all and on average. */
      total_billed: z.number().optional(),
      total_billed_exact: z.string().optional(),
      avg_billed: z.number().optional(),
      /** Over the closed jobs; null when none is closed. */
      p50_duration_ms: z.number().nullable(),
      p95_duration_ms: z.number().nullable(),
    }),
  ),
});
export type JobSummary = z.infer<typeof jobSummarySchema>;
