import { randomUUID } from "node:crypto";
import type { z } from "zod";
import {
  abandonIdleJobs,
  claimFinalJobs,
  closeJob,
  costliestJobs,
  findJob,
  findJobsById,
  insertJob,
  jobCalls,
  jobSummary,
  listJobs,
  patchJobMetadata,
  type JobCallRow,
  type JobMoney,
  type JobRow,
} from "../../db/queries/jobs.ts";
import { findTeamById } from "../../db/queries/teams.ts";
import { db, transaction } from "~/lib/db.server";
import { env } from "~/lib/env.server";
import { AppError } from "~/lib/errors";
import { money, moneyNumber, moneyString, type Money } from "~/lib/money";
import { parseInput } from "~/lib/validation";
import { isCustomer, noSuchTeam, requireTeamAccess, type Actor } from "~/auth/actor";
import { logger } from "~/lib/logger.server";
import {
  completeJobSchema,
  createJobSchema,
  getJobSchema,
  jobMetadataSchema,
  jobSummaryInputSchema,
  listJobsSchema,
  METADATA_MAX_BYTES,
  type Job,
  type JobCall,
  type JobList,
  type JobSummary,
  type JobWithCalls,
} from "./jobs.schema.ts";
import { LATE_WRITE_MARGIN_MS } from "./usage-ingestion.server.ts";
import { ingestedUntil } from "./usage/read.server.ts";
import { decodeCursor, encodeCursor } from "./usage/cursor.ts";
import { parseInstant } from "./usage/window.ts";
import { enqueueWebhookEvent } from "./webhooks.server.ts";

/**
 * Jobs (docs/jobs.md): a unit of a customer's work, made of the LiteLLM calls that carried its id
 * as their session id. Nothing here is on the request path: customers call LiteLLM directly, and
 * ingestion attributes the spend rows to jobs (db/queries/usage-ingest.ts). Admins reach every
 * team's jobs; a team's own virtual key reaches its own (create, complete, metadata, read); the
 * portal reads them. Another team's job answers exactly as a job that does not exist.
 *
 * Money (docs/jobs.md#money): an admin's answer carries LiteLLM's cost under `cost` and what the
 * team is billed under `billed` beside it; a customer's answer (the portal, the team's own key)
 * carries the billed amount under the cost names and nothing of our cost.
 */

export * from "./jobs.schema.ts";

const noSuchJob = (id: string) => `No job has the id ${id}. Create it with POST /api/jobs/create, or list the team's jobs with GET /api/teams/{team_id}/jobs.`;

/** Who may change a team's jobs: admins (not viewers), and the team itself calling with its own virtual key. */
function requireJobWrite(actor: Actor, teamId: string, action: string): void {
  if (isCustomer(actor) && actor.credential === "virtual_key") {
    if (actor.teamId !== teamId) throw new AppError("NOT_FOUND", noSuchTeam(teamId));
    return;
  }
  requireTeamAccess(actor, teamId, action, "admin");
}

// ── views ───────────────────────────────────────────────────────────────────────────────────────

/** Whose answer it is: an admin's shows cost and billed, a customer's the billed amount only (under the cost names). */
export type JobAudience = "admin" | "customer";
export const audienceOf = (actor: Actor): JobAudience => (isCustomer(actor) ? "customer" : "admin");
/** The money a customer's rankings go by: never our cost. */
const rankedBy = (audience: JobAudience): JobMoney => (audience === "customer" ? "billed" : "spend");

/** `cost`/`cost_exact` (the billed amount for a customer), and for admins `billed`/`billed_exact` beside them. */
function moneyFields(spend: string, billed: string, audience: JobAudience) {
  const b = money(billed);
  if (audience === "customer") return { cost: moneyNumber(b), cost_exact: moneyString(b) };
  const cost = money(spend);
  return { cost: moneyNumber(cost), cost_exact: moneyString(cost), billed: moneyNumber(b), billed_exact: moneyString(b) };
}

const CLOSED = new Set(["completed", "failed", "abandoned"]);

/** Closed, and ingestion has read past the close by the late-write margin (CONTRACT §3: rows land a batch after their call ends). */
export function costsFinal(row: Pick<JobRow, "status" | "closedAt">, until: string | null): boolean {
  if (!CLOSED.has(row.status) || !row.closedAt || !until) return false;
  return Date.parse(until) >= row.closedAt.getTime() + LATE_WRITE_MARGIN_MS;
}

function durationMs(row: JobRow): number | null {
  if ((row.status === "completed" || row.status === "failed") && row.closedAt) return row.closedAt.getTime() - row.createdAt.getTime();
  if (row.status === "abandoned") return Math.max(0, (row.lastCallAt ?? row.createdAt).getTime() - row.createdAt.getTime());
  return null;
}

export function jobView(row: JobRow, until: string | null, audience: JobAudience = "admin"): Job {
  return {
    job_id: row.id,
    team_id: row.teamId,
    job_type: row.jobType,
    user_id: row.userId,
    status: row.status,
    origin: row.origin,
    metadata: row.metadata ?? {},
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
    closed_at: row.closedAt?.toISOString() ?? null,
    duration_ms: durationMs(row),
    totals: {
      calls: row.calls,
      failed_calls: row.failedCalls,
      prompt_tokens: row.promptTokens,
      completion_tokens: row.completionTokens,
      total_tokens: row.promptTokens + row.completionTokens,
      ...moneyFields(row.spend, row.billed, audience),
      avg_latency_ms: row.calls ? Math.round(row.latencyMsSum / row.calls) : null,
      first_call_at: row.firstCallAt?.toISOString() ?? null,
      last_call_at: row.lastCallAt?.toISOString() ?? null,
    },
    costs_final: costsFinal(row, until),
    ingested_until: until,
  };
}

function callView(row: JobCallRow, audience: JobAudience): JobCall {
  return {
    request_id: row.requestId,
    start_time: row.startTimeExact,
    end_time: row.endTime?.toISOString() ?? null,
    model_group: row.modelGroup,
    model: row.model,
    status: row.status,
    prompt_tokens: row.promptTokens,
    completion_tokens: row.completionTokens,
    total_tokens: row.totalTokens,
    ...moneyFields(row.spend, row.billed, audience),
    latency_ms: row.latencyMs,
    end_user: row.endUser,
  };
}

/** Splits a metadata patch into keys to set and keys to remove (set to null). */
function patchOf(metadata: Record<string, unknown> | undefined): { set: Record<string, unknown>; remove: string[] } {
  const set: Record<string, unknown> = {};
  const remove: string[] = [];
  for (const [k, v] of Object.entries(metadata ?? {})) {
    if (v === null) remove.push(k);
    else set[k] = v;
  }
  return { set, remove };
}

// ── finding a job ───────────────────────────────────────────────────────────────────────────────

/**
 * The job `id` the actor may reach. A customer's own team is the only place looked in (an id of
 * another team's job reads as unknown); an admin names the team when several teams use the id.
 */
async function resolveJob(actor: Actor, id: string, teamId: string | undefined, action: string): Promise<JobRow> {
  if (isCustomer(actor)) {
    if (teamId !== undefined && teamId !== actor.teamId) throw new AppError("NOT_FOUND", noSuchJob(id));
    requireTeamAccess(actor, actor.teamId, action);
    const row = await findJob(db(), actor.teamId, id);
    if (!row) throw new AppError("NOT_FOUND", noSuchJob(id));
    return row;
  }
  requireTeamAccess(actor, teamId ?? "", action);
  if (teamId !== undefined) {
    const row = await findJob(db(), teamId, id);
    if (!row) throw new AppError("NOT_FOUND", noSuchJob(id));
    return row;
  }
  const rows = await findJobsById(db(), id, 2);
  if (!rows.length) throw new AppError("NOT_FOUND", noSuchJob(id));
  if (rows.length > 1) {
    throw new AppError("CONFLICT", `More than one team has a job with the id ${id}; say which with team_id (for example ?team_id=${rows[0].teamId}).`, {
      fieldErrors: { team_id: ["Say which team's job"] },
    });
  }
  return rows[0];
}

/** The job's metadata with `patch` merged in must still fit METADATA_MAX_BYTES. */
function requireMetadataFits(job: JobRow, patch: Record<string, unknown> | undefined): void {
  if (!patch) return;
  const merged: Record<string, unknown> = { ...job.metadata, ...patch };
  for (const [k, v] of Object.entries(patch)) if (v === null) delete merged[k];
  if (Buffer.byteLength(JSON.stringify(merged), "utf8") > METADATA_MAX_BYTES) {
    throw new AppError("BAD_REQUEST", `The job's metadata would hold more than ${METADATA_MAX_BYTES} bytes of JSON; remove keys (set them to null) or send less.`, {
      fieldErrors: { metadata: [`At most ${METADATA_MAX_BYTES} bytes in all`] },
    });
  }
}

// ── the API ─────────────────────────────────────────────────────────────────────────────────────

/** Creates a pending job; its id is what the customer sends to LiteLLM as `x-litellm-session-id`. */
export async function createJob(actor: Actor, input: z.input<typeof createJobSchema>, now = new Date()): Promise<Job> {
  const values = parseInput(createJobSchema, input);
  const teamId = values.team_id ?? (isCustomer(actor) ? actor.teamId : undefined);
  if (!teamId) throw new AppError("BAD_REQUEST", "Say which team the job is for (team_id).", { fieldErrors: { team_id: ["Say which team"] } });
  requireJobWrite(actor, teamId, "create jobs");
  const team = await findTeamById(db(), teamId);
  if (!team) throw new AppError("NOT_FOUND", noSuchTeam(teamId));
  if (team.status === "deleted") throw new AppError("CONFLICT", `The team ${team.name} was deleted; its key no longer works, so it can have no new jobs.`);
  const id = values.job_id ?? `job_${randomUUID().replace(/-/g, "")}`;
  const row = await insertJob(db(), {
    teamId: team.id,
    id,
    jobType: values.job_type,
    userId: values.user_id ?? null,
    metadata: values.metadata ?? {},
    createdAt: now,
    updatedAt: now,
  });
  if (!row) {
    throw new AppError("CONFLICT", `This team already has a job with the id ${id}. Use another job_id, or leave it out and the server makes one.`, {
      fieldErrors: { job_id: ["Already used by this team"] },
    });
  }
  return jobView(row, (await ingestedUntil()).until, audienceOf(actor));
}

/**
 * Closes the job as completed or failed. A job already closed (completed twice, or abandoned first)
 * is answered with its first result, unchanged.
 */
export async function completeJob(actor: Actor, input: z.input<typeof completeJobSchema>, now = new Date()): Promise<Job> {
  const values = parseInput(completeJobSchema, input);
  const found = await resolveJob(actor, values.job_id, values.team_id, "complete jobs");
  requireJobWrite(actor, found.teamId, "complete jobs");
  requireMetadataFits(found, values.metadata);
  const closed = await closeJob(db(), { teamId: found.teamId, id: found.id }, { status: values.status, ...patchOf(values.metadata), now });
  const row = closed ?? (await findJob(db(), found.teamId, found.id))!;
  return jobView(row, (await ingestedUntil()).until, audienceOf(actor));
}

/** Merges into the job's metadata: keys given replace theirs, a key set to null is removed. */
export async function updateJobMetadata(actor: Actor, input: z.input<typeof jobMetadataSchema>, now = new Date()): Promise<Job> {
  const values = parseInput(jobMetadataSchema, input);
  const found = await resolveJob(actor, values.job_id, values.team_id, "change job metadata");
  requireJobWrite(actor, found.teamId, "change job metadata");
  requireMetadataFits(found, values.metadata);
  const row = await patchJobMetadata(db(), { teamId: found.teamId, id: found.id }, { ...patchOf(values.metadata), now });
  if (!row) throw new AppError("NOT_FOUND", noSuchJob(values.job_id));
  return jobView(row, (await ingestedUntil()).until, audienceOf(actor));
}

/** One job with its totals and its calls in the order they started (calls_limit at a time). */
export async function getJob(actor: Actor, input: z.input<typeof getJobSchema>): Promise<JobWithCalls> {
  const values = parseInput(getJobSchema, input);
  const row = await resolveJob(actor, values.job_id, values.team_id, "see jobs");
  const after = values.calls_cursor ? decodeCursor(values.calls_cursor) : undefined;
  if (after === null) {
    throw new AppError("BAD_REQUEST", "calls_cursor is not a calls_next_cursor from an earlier answer; leave it out to start from the first call.", {
      fieldErrors: { calls_cursor: ["Not a cursor"] },
    });
  }
  const [calls, until] = await Promise.all([
    values.calls_limit ? jobCalls(db(), { teamId: row.teamId, id: row.id }, { after, limit: values.calls_limit + 1 }) : Promise.resolve([]),
    ingestedUntil(),
  ]);
  const more = calls.length > values.calls_limit;
  const shown = more ? calls.slice(0, values.calls_limit) : calls;
  const last = shown[shown.length - 1];
  return {
    ...jobView(row, until.until, audienceOf(actor)),
    calls: shown.map((c) => callView(c, audienceOf(actor))),
    calls_next_cursor: more && last ? encodeCursor({ startTime: last.startTimeExact, requestId: last.requestId }) : null,
  };
}

function timeRange(from: string | undefined, to: string | undefined): { from?: Date; to?: Date } {
  const range = { from: from ? (parseInstant(from, "from") ?? undefined) : undefined, to: to ? (parseInstant(to, "to") ?? undefined) : undefined };
  if (range.from && range.to && range.from >= range.to) {
    throw new AppError("BAD_REQUEST", "from must be before to.", { fieldErrors: { from: ["Must be before to"] } });
  }
  return range;
}

/** A team's jobs, newest first, filtered by status, job type, user and creation time; one page by keyset cursor. */
export async function listTeamJobs(actor: Actor, input: z.input<typeof listJobsSchema>): Promise<JobList> {
  const values = parseInput(listJobsSchema, input);
  requireTeamAccess(actor, values.team_id, "see jobs");
  const team = await findTeamById(db(), values.team_id);
  if (!team) throw new AppError("NOT_FOUND", noSuchTeam(values.team_id));
  const before = values.cursor ? decodeCursor(values.cursor) : undefined;
  if (before === null) {
    throw new AppError("BAD_REQUEST", "cursor is not a next_cursor from an earlier page; leave it out to start from the newest job.", { fieldErrors: { cursor: ["Not a cursor"] } });
  }
  const [rows, until] = await Promise.all([
    listJobs(
      db(),
      { teamId: team.id, status: values.status, jobType: values.job_type, userId: values.user_id, ...timeRange(values.from, values.to) },
      { before: before ? { createdAt: before.startTime, id: before.requestId } : undefined, limit: values.limit + 1 },
    ),
    ingestedUntil(),
  ]);
  const more = rows.length > values.limit;
  const shown = more ? rows.slice(0, values.limit) : rows;
  const last = shown[shown.length - 1];
  return {
    team_id: team.id,
    jobs: shown.map((r) => jobView(r, until.until, audienceOf(actor))),
    next_cursor: more && last ? encodeCursor({ startTime: last.createdAtExact, requestId: last.id }) : null,
  };
}

const SUMMARY_DAYS = 30;

/**
 * Per job type over the jobs created in the range (default the last 30 days): count, cost (total,
 * average, p50, p95) and duration p50/p95; admins also get the billed total and average, a customer
 * gets the billed amounts under the cost names (and the types ordered by them).
 */
export async function summarizeTeamJobs(actor: Actor, input: z.input<typeof jobSummaryInputSchema>, now = new Date()): Promise<JobSummary> {
  const values = parseInput(jobSummaryInputSchema, input);
  requireTeamAccess(actor, values.team_id, "see jobs");
  const team = await findTeamById(db(), values.team_id);
  if (!team) throw new AppError("NOT_FOUND", noSuchTeam(values.team_id));
  const range = timeRange(values.from, values.to);
  const to = range.to ?? now;
  const from = range.from ?? new Date(to.getTime() - SUMMARY_DAYS * 86_400_000);
  const audience = audienceOf(actor);
  const rows = await jobSummary(db(), { teamId: team.id, from, to }, rankedBy(audience));
  const m = (v: string | null): Money => money(v ?? "0");
  const num = (v: string | null) => moneyNumber(m(v));
  const customer = audience === "customer";
  return {
    team_id: team.id,
    from: from.toISOString(),
    to: to.toISOString(),
    job_types: rows.map((r) => ({
      job_type: r.jobType,
      jobs: r.jobs,
      open_jobs: r.open,
      calls: r.calls,
      total_cost: num(customer ? r.billed : r.spend),
      total_cost_exact: moneyString(m(customer ? r.billed : r.spend)),
      avg_cost: num(customer ? r.avgBilled : r.avgSpend),
      p50_cost: num(customer ? r.p50Billed : r.p50Spend),
      p95_cost: num(customer ? r.p95Billed : r.p95Spend),
      ...(customer ? {} : { total_billed: num(r.billed), total_billed_exact: moneyString(m(r.billed)), avg_billed: num(r.avgBilled) }),
      p50_duration_ms: r.p50DurationMs === null ? null : Math.round(r.p50DurationMs),
      p95_duration_ms: r.p95DurationMs === null ? null : Math.round(r.p95DurationMs),
    })),
  };
}

/**
 * The team's most expensive jobs created in the last 30 days (the Jobs sections of the team page and
 * the portal): by cost for admins, by the billed amount for a customer.
 */
export async function costliestTeamJobs(actor: Actor, teamId: string, limit = 5, now = new Date()): Promise<Job[]> {
  requireTeamAccess(actor, teamId, "see jobs");
  const audience = audienceOf(actor);
  const [rows, until] = await Promise.all([
    costliestJobs(db(), { teamId, from: new Date(now.getTime() - SUMMARY_DAYS * 86_400_000), to: new Date(now.getTime() + 1) }, limit, rankedBy(audience)),
    ingestedUntil(),
  ]);
  return rows.map((r) => jobView(r, until.until, audience));
}

// ── the worker's part ───────────────────────────────────────────────────────────────────────────

export const JOB_EVENT = { completed: "job.completed", failed: "job.failed", abandoned: "job.abandoned" } as const;

/**
 * After each ingestion run: closes as abandoned the jobs idle for JOB_IDLE_TIMEOUT_MINUTES, then
 * announces every closed job whose totals became final (job.completed / job.failed /
 * job.abandoned, with the totals), each once: the job is marked in the transaction that queues
 * its webhook deliveries.
 */
export async function settleJobs(now = new Date()): Promise<{ abandoned: number; announced: number }> {
  const idleMs = env().JOB_IDLE_TIMEOUT_MINUTES * 60_000;
  const abandoned = await abandonIdleJobs(db(), new Date(now.getTime() - idleMs), now);
  const { until } = await ingestedUntil();
  let announced = 0;
  if (until) {
    const finalBefore = new Date(Date.parse(until) - LATE_WRITE_MARGIN_MS);
    announced = await transaction(async ({ tx }) => {
      const rows = await claimFinalJobs(tx, finalBefore, now);
      for (const row of rows) {
        const status = row.status as keyof typeof JOB_EVENT;
        // The operator's webhook targets: the admin view (cost and billed).
        await enqueueWebhookEvent(tx, JOB_EVENT[status], jobView(row, until, "admin"), now);
      }
      return rows.length;
    });
  }
  if (abandoned.length || announced) logger().info({ abandoned: abandoned.length, announced }, "jobs settled");
  return { abandoned: abandoned.length, announced };
}
