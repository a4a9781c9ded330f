import type { z } from "zod";
import { csvCell, type CsvCell } from "~/lib/csv";
import type { Actor } from "~/auth/actor";
import { audienceOf, listTeamJobs, type JobAudience } from "./jobs.server.ts";
import type { Job, JobList, listJobsSchema } from "./jobs.schema.ts";

/**
 * The jobs CSV (admin team page and portal alike): every job of a team that matches the filters,
 * newest first. Money is the exact decimal: for admins `cost` (LiteLLM's) and `billed` beside it;
 * for a customer `cost` is the billed amount and there is no other money column (docs/jobs.md#money).
 */

/** The columns of the customer's jobs CSV (the portal); the admin's adds `billed` after `cost`. */
export const JOBS_CSV_HEADER = [
  "job_id",
  "job_type",
  "user_id",
  "status",
  "origin",
  "created_at",
  "closed_at",
  "duration_ms",
  "calls",
  "failed_calls",
  "prompt_tokens",
  "completion_tokens",
  "cost",
  "costs_final",
] as const;

/** The admin's columns: `billed` beside `cost`. */
export const ADMIN_JOBS_CSV_HEADER = [...JOBS_CSV_HEADER.slice(0, -1), "billed", "costs_final"] as const;

export const jobsCsvHeader = (audience: JobAudience): readonly string[] => (audience === "customer" ? JOBS_CSV_HEADER : ADMIN_JOBS_CSV_HEADER);

/** One job's cells, in the order of jobsCsvHeader(audience): the job as the audience's answer gave it. */
export function jobCsvCells(job: Job, audience: JobAudience = "customer"): CsvCell[] {
  const t = job.totals;
  return [
    job.job_id,
    job.job_type,
    job.user_id,
    job.status,
    job.origin,
    job.created_at,
    job.closed_at,
    job.duration_ms,
    t.calls,
    t.failed_calls,
    t.prompt_tokens,
    t.completion_tokens,
    t.cost_exact,
    ...(audience === "customer" ? [] : [t.billed_exact ?? null]),
    job.costs_final,
  ];
}

const csvLines = (jobs: Job[], audience: JobAudience) => jobs.map((j) => jobCsvCells(j, audience).map(csvCell).join(",") + "\r\n").join("");

/**
 * Every job as CSV, newest first: the header and `first` (read by the caller, so a bad filter
 * answers with its error before any byte is sent), then each next page read while the client reads.
 */
function jobsCsvStream(first: JobList, next: (cursor: string) => Promise<JobList>, audience: JobAudience): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let page: JobList | null = first;
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode(jobsCsvHeader(audience).join(",") + "\r\n" + csvLines(first.jobs, audience)));
        if (!first.next_cursor) controller.close();
        return;
      }
      page = page?.next_cursor ? await next(page.next_cursor) : null;
      if (page?.jobs.length) controller.enqueue(encoder.encode(csvLines(page.jobs, audience)));
      if (!page?.next_cursor) controller.close();
    },
  });
}

/**
 * The team's jobs as a CSV stream, 200 a page along the list's cursor. The first page is read
 * before this returns, so an unknown team or a bad filter is refused with its message, not sent as
 * a broken file.
 */
export async function exportTeamJobsCsv(actor: Actor, input: Omit<z.input<typeof listJobsSchema>, "limit" | "cursor">): Promise<ReadableStream<Uint8Array>> {
  const filters = { ...input, limit: 200 };
  const first = await listTeamJobs(actor, filters);
  return jobsCsvStream(first, (cursor) => listTeamJobs(actor, { ...filters, cursor }), audienceOf(actor));
}
