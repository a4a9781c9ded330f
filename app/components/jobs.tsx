import { Link, useSearchParams } from "@remix-run/react";
import type { Job, JobCall, JobList, JobSummary, JobWithCalls } from "~/services/jobs.schema";
import { Stat, StatGrid } from "./charts";
import { DataTable, type Column, type TableState } from "./data-table";
import { formatCount, formatTime, formatUsd } from "./format";
import { Card, EmptyState, StatusBadge } from "./ui";
import { formatMs } from "./usage-panels";

/**
 * Jobs (docs/jobs.md) as the admin team page and the customer portal show them: the Jobs section
 * (recent jobs, cost by job type, the most expensive jobs) and one job's page (totals and calls).
 * Both pages pass the same service answers; only where the links lead differs (`base`).
 *
 * Money: the "Cost" columns show what the answer calls cost (LiteLLM's cost to admins, the billed
 * amount to a customer); a "Billed" column is added only when the answer carries `billed`, which
 * only an admin's does (docs/jobs.md#money).
 */

/** The one line that tells a customer how a job comes to exist. */
export const HOW_TO_CREATE_A_JOB =
  "Create a job with POST /api/jobs/create and send its job_id to LiteLLM as the x-litellm-session-id header with each call; the calls then add up here (see docs/jobs.md).";

/** The page of job `id` under `base` (/admin/teams/<team>/jobs or /portal/jobs); ids may hold any printable character. */
export function jobPath(base: string, id: string): string {
  return `${base}/${encodeURIComponent(id)}`;
}

/**
 * The job id a job page's URL names: its last path segment, decoded. The router's own param reads
 * an id holding the text "%2F" as "/", so the pages read the segment themselves (`param` when the
 * segment is not one jobPath made).
 */
export function jobIdOfUrl(url: string, param: string): string {
  const segment = new URL(url).pathname.split("/").pop();
  if (!segment) return param;
  try {
    return decodeURIComponent(segment);
  } catch {
    return param;
  }
}

/** "850 ms", "12.4 s", "4 min 5 s", "2 h 3 min"; "—" for a job still open. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return "—";
  if (ms < 1000) return formatMs(ms);
  if (ms < 60_000) return `${(ms / 1000).toLocaleString("en-US", { maximumFractionDigits: 1 })} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ""}`;
  const m = Math.round(s / 60);
  return `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ""}`;
}

type JobStatus = Job["status"];

const STATUS_TONE: Record<JobStatus, "ok" | "warn" | "bad" | "neutral"> = {
  pending: "neutral",
  running: "neutral",
  completed: "ok",
  failed: "bad",
  abandoned: "warn",
};

const STATUS_HINT: Record<JobStatus, string> = {
  pending: "Created; no call of it has been read from LiteLLM yet",
  running: "Calls are arriving; the job has not been closed yet",
  completed: "Closed as completed",
  failed: "Closed as failed",
  abandoned: "Closed automatically: no new call arrived for a while",
};

export function JobStatusBadge({ status }: { status: JobStatus }) {
  return (
    <span title={STATUS_HINT[status]} data-testid="job-status" data-status={status} className="whitespace-nowrap">
      <StatusBadge tone={STATUS_TONE[status]}>{status}</StatusBadge>
    </span>
  );
}

const timeCell = (iso: string | null) =>
  iso ? (
    <time dateTime={iso} className="whitespace-nowrap">
      {formatTime(iso).replace(" UTC", "")}
    </time>
  ) : (
    "—"
  );

/** Whether the answer is an admin's (it carries billed beside cost). */
const hasBilled = (rows: Array<{ billed?: number }>) => rows.some((r) => r.billed !== undefined);

const jobColumns = (base: string, billed = false): Column<Job>[] => [
  {
    id: "job",
    header: "Job",
    rowHeader: true,
    cell: (j) => (
      <Link to={jobPath(base, j.job_id)} className="font-mono break-all text-indigo-700 underline">
        {j.job_id}
      </Link>
    ),
  },
  { id: "type", header: "Job type", cell: (j) => <span className="break-words">{j.job_type}</span> },
  { id: "user", header: "User", cell: (j) => <span className="break-all">{j.user_id ?? "—"}</span> },
  { id: "status", header: "Status", cell: (j) => <JobStatusBadge status={j.status} /> },
  { id: "calls", header: "Calls", numeric: true, cell: (j) => formatCount(j.totals.calls) },
  { id: "cost", header: "Cost", numeric: true, cell: (j) => formatUsd(j.totals.cost) },
  ...(billed ? [{ id: "billed", header: "Billed", numeric: true, cell: (j: Job) => formatUsd(j.totals.billed ?? 0) }] : []),
  { id: "created", header: "Created (UTC)", cell: (j) => timeCell(j.created_at) },
  { id: "duration", header: "Duration", numeric: true, cell: (j) => formatDuration(j.duration_ms) },
];

type JobTypeRow = JobSummary["job_types"][number];
const typeColumns = (billed: boolean): Column<JobTypeRow>[] => [
  { id: "type", header: "Job type", rowHeader: true, cell: (t) => <span className="break-words">{t.job_type}</span> },
  { id: "jobs", header: "Jobs", numeric: true, cell: (t) => formatCount(t.jobs) },
  { id: "total", header: "Total cost", numeric: true, cell: (t) => formatUsd(t.total_cost) },
  ...(billed ? [{ id: "total_billed", header: "Total billed", numeric: true, cell: (t: JobTypeRow) => formatUsd(t.total_billed ?? 0) }] : []),
  { id: "avg", header: "Average", numeric: true, cell: (t) => formatUsd(t.avg_cost) },
  { id: "p50", header: "p50 cost", numeric: true, cell: (t) => formatUsd(t.p50_cost) },
  { id: "p95", header: "p95 cost", numeric: true, cell: (t) => formatUsd(t.p95_cost) },
  { id: "p50_duration", header: "p50 duration", numeric: true, cell: (t) => formatDuration(t.p50_duration_ms) },
  { id: "p95_duration", header: "p95 duration", numeric: true, cell: (t) => formatDuration(t.p95_duration_ms) },
];

/** A table whose rows come in the order the service gave (no sorting links, one page). */
const fixedState = (pageSize: number): TableState => ({ sort: "", dir: "desc", page: 1, pageSize });

/** The search with the recent jobs' cursor replaced (none: the newest jobs). */
function jobsCursorLink(search: URLSearchParams, cursor?: string): string {
  const p = new URLSearchParams(search);
  p.delete(JOBS_CURSOR_PARAM);
  if (cursor) p.set(JOBS_CURSOR_PARAM, cursor);
  const s = p.toString();
  return s ? `?${s}` : "?";
}

/** The URL parameter that carries the recent jobs' page (the next_cursor of the page before). */
export const JOBS_CURSOR_PARAM = "jobs-cursor";
/** How many recent jobs the Jobs section shows at a time. */
export const JOBS_PAGE_SIZE = 20;

const linkClass = "rounded px-2 py-1 font-medium text-indigo-700 underline hover:text-indigo-900";

/**
 * The Jobs section of the team page and the portal: recent jobs (newest first, paged by cursor),
 * cost by job type over the summary's range, and the most expensive jobs. When the team has no
 * job yet, one empty state says how to make one.
 */
export function JobsSection({
  list,
  summary,
  costliest,
  base,
  csv,
}: {
  list: JobList;
  summary: JobSummary;
  costliest: Job[];
  /** Where job pages live: `/admin/teams/<team>/jobs` or `/portal/jobs`. */
  base: string;
  /** The "Download jobs CSV" link. */
  csv: string;
}) {
  const [params] = useSearchParams();
  const paged = params.has(JOBS_CURSOR_PARAM);
  const none = !paged && list.jobs.length === 0 && summary.job_types.length === 0 && costliest.length === 0;
  const columns = jobColumns(base, hasBilled([...list.jobs, ...costliest].map((j) => j.totals)));
  const types = typeColumns(summary.job_types.some((t) => t.total_billed !== undefined));
  const fromDay = summary.from.slice(0, 10);
  const toDay = summary.to.slice(0, 10);
  return (
    <section aria-labelledby="jobs-heading" className="space-y-4" data-testid="jobs-section">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 id="jobs-heading" className="text-lg font-semibold">
          Jobs
        </h2>
        <a href={csv} download className="text-sm font-medium text-indigo-700 underline">
          Download jobs CSV
        </a>
      </div>
      <p className="text-sm text-slate-600">
        A job is one piece of work (a document, a chat) made of the LiteLLM calls that sent its id as their session id. Its cost is the sum of those calls.
      </p>
      {none ? (
        <EmptyState title="No jobs yet">
          <p>{HOW_TO_CREATE_A_JOB}</p>
        </EmptyState>
      ) : (
        <>
          <div className="min-w-0">
            <Card title="Recent jobs">
              <DataTable
                caption="Recent jobs, newest first"
                columns={columns}
                rows={list.jobs}
                rowKey={(j) => j.job_id}
                state={fixedState(JOBS_PAGE_SIZE)}
                prefix="job-"
                hasMore={false}
                empty={paged ? "No older jobs." : `No jobs yet. ${HOW_TO_CREATE_A_JOB}`}
              />
              {paged || list.next_cursor ? (
                <nav aria-label="Pages of recent jobs" className="mt-3 flex flex-wrap items-center justify-end gap-2 text-sm">
                  {paged ? (
                    <Link to={jobsCursorLink(params)} preventScrollReset className={linkClass}>
                      Newest jobs
                    </Link>
                  ) : null}
                  {list.next_cursor ? (
                    <Link to={jobsCursorLink(params, list.next_cursor)} preventScrollReset rel="next" className={linkClass}>
                      Older jobs →
                    </Link>
                  ) : null}
                </nav>
              ) : null}
            </Card>
          </div>
          <div className="min-w-0">
            <Card title="Cost by job type">
              <DataTable
                caption={`Cost by job type, jobs created ${fromDay} to ${toDay} (UTC)`}
                captionVisible
                columns={types}
                rows={summary.job_types}
                rowKey={(t) => t.job_type}
                state={fixedState(Math.max(1, summary.job_types.length))}
                prefix="jobtype-"
                hasMore={false}
                empty="No jobs were created in the last 30 days."
              />
              <p className="mt-2 text-xs text-slate-600">
                p50 is the median job, p95 the job that 95 % of jobs cost less than. Durations count closed jobs only.
              </p>
            </Card>
          </div>
          <div className="min-w-0">
            <Card title="Most expensive jobs">
              <DataTable
                caption="The 5 most expensive jobs created in the last 30 days"
                captionVisible
                columns={columns}
                rows={costliest}
                rowKey={(j) => j.job_id}
                state={fixedState(5)}
                prefix="costly-"
                hasMore={false}
                empty="No jobs were created in the last 30 days."
              />
            </Card>
          </div>
        </>
      )}
    </section>
  );
}

const callColumns = (billed: boolean): Column<JobCall>[] => [
  { id: "time", header: "Time (UTC)", rowHeader: true, cell: (c) => <span className="font-normal">{timeCell(c.start_time)}</span> },
  { id: "model_group", header: "Model group", cell: (c) => <span className="break-words">{c.model_group ?? "—"}</span> },
  { id: "model", header: "Model", cell: (c) => <span className="break-words">{c.model ?? "—"}</span> },
  { id: "status", header: "Status", cell: (c) => (c.status === "failure" ? <span className="font-medium text-red-800">failed</span> : "ok") },
  { id: "prompt", header: "Prompt tokens", numeric: true, cell: (c) => formatCount(c.prompt_tokens) },
  { id: "completion", header: "Completion tokens", numeric: true, cell: (c) => formatCount(c.completion_tokens) },
  { id: "cost", header: "Cost", numeric: true, cell: (c) => formatUsd(c.cost) },
  ...(billed ? [{ id: "billed", header: "Billed", numeric: true, cell: (c: JobCall) => formatUsd(c.billed ?? 0) }] : []),
  { id: "latency", header: "Latency", numeric: true, cell: (c) => formatMs(c.latency_ms) },
];

const ORIGIN_LABEL: Record<Job["origin"], string> = {
  api: "Created with the API",
  implicit: "Created automatically from a call's session id",
};

/** "Final", or why the totals may still change. */
function finalText(job: Job): string {
  if (job.costs_final) return "Final";
  const until = job.ingested_until ? `ingestion has read up to ${formatTime(job.ingested_until)}` : "usage has not been read from LiteLLM yet";
  return `May still change — ${until}`;
}

/** A job page's heading: the id (any length, any printable character, so it wraps anywhere), what it is, its status. */
export function JobHeader({ job, context }: { job: Job; context?: string }) {
  return (
    <div className="mb-6 flex flex-wrap items-start justify-between gap-4">
      <div className="min-w-0">
        <h1 className="text-2xl font-semibold tracking-tight break-all">
          Job <span className="font-mono">{job.job_id}</span>
        </h1>
        <p className="mt-1 text-sm break-words text-slate-600">
          {job.job_type}
          {context ? ` · ${context}` : ""}
        </p>
      </div>
      <JobStatusBadge status={job.status} />
    </div>
  );
}

/** The link to the job's calls after `cursor` (null: its first calls), on the same page. */
export const callsPageHref = (cursor: string | null) => (cursor ? `?${new URLSearchParams({ calls_cursor: cursor })}` : "?");

/**
 * One job: what it is, its totals, its metadata and its calls in the order they started. The calls
 * come a page at a time; `callsHref(cursor)` is the link to the page after (`?calls_cursor=`).
 */
export function JobDetail({ job, callsHref = callsPageHref }: { job: JobWithCalls; callsHref?: (cursor: string | null) => string }) {
  const [params] = useSearchParams();
  const paged = params.has("calls_cursor");
  const t = job.totals;
  const metadata = Object.keys(job.metadata).length ? JSON.stringify(job.metadata, null, 2) : null;
  return (
    <div className="space-y-6" data-testid="job-detail">
      <Card title="Job">
        <dl className="grid gap-4 text-sm sm:grid-cols-2 lg:grid-cols-3">
          <div>
            <dt className="text-slate-600">Status</dt>
            <dd>
              <JobStatusBadge status={job.status} />
              <span className="mt-1 block text-xs text-slate-600">{STATUS_HINT[job.status]}</span>
            </dd>
          </div>
          <div>
            <dt className="text-slate-600">Job type</dt>
            <dd className="break-words">{job.job_type}</dd>
          </div>
          <div>
            <dt className="text-slate-600">User</dt>
            <dd className="break-all">{job.user_id ?? "—"}</dd>
          </div>
          <div>
            <dt className="text-slate-600">Created</dt>
            <dd>{formatTime(job.created_at)}</dd>
          </div>
          <div>
            <dt className="text-slate-600">Closed</dt>
            <dd>{job.closed_at ? formatTime(job.closed_at) : "Still open"}</dd>
          </div>
          <div>
            <dt className="text-slate-600">Duration</dt>
            <dd>{job.duration_ms == null ? "Not yet: the job is still open" : formatDuration(job.duration_ms)}</dd>
          </div>
          <div>
            <dt className="text-slate-600">First call</dt>
            <dd>{t.first_call_at ? formatTime(t.first_call_at) : "No calls yet"}</dd>
          </div>
          <div>
            <dt className="text-slate-600">Last call</dt>
            <dd>{t.last_call_at ? formatTime(t.last_call_at) : "No calls yet"}</dd>
          </div>
          <div>
            <dt className="text-slate-600">How it was made</dt>
            <dd>{ORIGIN_LABEL[job.origin]}</dd>
          </div>
          <div className="sm:col-span-2">
            <dt className="text-slate-600">Totals</dt>
            <dd data-testid="job-costs-final" data-final={job.costs_final}>
              {finalText(job)}
              {job.costs_final ? null : (
                <span className="mt-1 block text-xs text-slate-600">
                  {job.closed_at
                    ? "Calls reach this app a little after they end, so the totals settle a few minutes after the job closes."
                    : "The job is still open: its calls keep adding up until it is completed, failed or abandoned."}
                </span>
              )}
            </dd>
          </div>
        </dl>
      </Card>

      <StatGrid label="Job totals">
        <Stat label="Cost" value={<span data-testid="job-cost">{formatUsd(t.cost)}</span>} hint={`Exactly $${t.cost_exact}`} />
        {t.billed_exact !== undefined ? (
          <Stat label="Billed" value={<span data-testid="job-billed">{formatUsd(t.billed ?? 0)}</span>} hint={`Exactly $${t.billed_exact}`} />
        ) : null}
        <Stat label="Calls" value={formatCount(t.calls)} hint={`${formatCount(t.failed_calls)} failed`} tone={t.failed_calls ? "warn" : "neutral"} />
        <Stat label="Tokens" value={formatCount(t.total_tokens)} hint={`${formatCount(t.prompt_tokens)} prompt · ${formatCount(t.completion_tokens)} completion`} />
        <Stat label="Average latency" value={formatMs(t.avg_latency_ms)} />
      </StatGrid>

      <Card title="Metadata">
        {metadata ? (
          <pre className="overflow-x-auto rounded-md bg-slate-50 p-3 font-mono text-xs text-slate-900 ring-1 ring-slate-200" tabIndex={0} aria-label="Job metadata as JSON">
            <code>{metadata}</code>
          </pre>
        ) : (
          <p className="text-sm text-slate-600">No metadata. Send it when you create or complete the job, or with PATCH /api/jobs/{"{job_id}"}/metadata.</p>
        )}
      </Card>

      <div className="min-w-0">
        <Card title="Calls">
          <DataTable
            caption="The job's calls, in the order they started"
            columns={callColumns(t.billed_exact !== undefined)}
            rows={job.calls}
            rowKey={(c) => c.request_id}
            state={fixedState(Math.max(1, job.calls.length))}
            prefix="call-"
            hasMore={false}
            empty={
              paged
                ? "No more calls."
                : "No calls yet. Calls show here once LiteLLM has logged them with this job's id as x-litellm-session-id (usually within a minute)."
            }
          />
          {paged || job.calls_next_cursor ? (
            <nav aria-label="Pages of calls" className="mt-3 flex flex-wrap items-center justify-end gap-2 text-sm">
              {paged ? (
                <Link to={callsHref(null)} preventScrollReset className={linkClass}>
                  First calls
                </Link>
              ) : null}
              {job.calls_next_cursor ? (
                <Link to={callsHref(job.calls_next_cursor)} preventScrollReset rel="next" className={linkClass}>
                  Next calls →
                </Link>
              ) : null}
            </nav>
          ) : null}
        </Card>
      </div>
    </div>
  );
}
