import {
  completeJob,
  completeJobSchema,
  createJob,
  createJobSchema,
  getJob,
  getJobSchema,
  jobListSchema,
  jobMetadataSchema,
  jobSchema,
  jobSummaryInputSchema,
  jobSummarySchema,
  jobWithCallsSchema,
  listJobsSchema,
  listTeamJobs,
  summarizeTeamJobs,
  updateJobMetadata,
} from "~/services/jobs.server";
import { router, teamKeyProcedure } from "../init.ts";

const tags = ["jobs"];
const auth = "Admins, or the team itself with its own virtual key as `Authorization: Bearer sk-…`. Another team's job answers 404, as an unknown one.";

/** Jobs (docs/jobs.md): what one unit of a customer's work cost, from the calls that carried its id as LiteLLM's session id. */
export const jobsRouter = router({
  create: teamKeyProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/api/jobs/create",
        tags,
        summary: "Create a job; send its job_id to LiteLLM as x-litellm-session-id with each call",
        description: `${auth} The job starts pending and runs once its first call is ingested.`,
      },
    })
    .input(createJobSchema)
    .output(jobSchema)
    .mutation(({ ctx, input }) => createJob(ctx.actor, input)),
  complete: teamKeyProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/api/jobs/{job_id}/complete",
        tags,
        summary: "Close a job as completed or failed (a job already closed answers with its first result)",
        description: `${auth} The totals are final (costs_final) once ingestion has read past the close.`,
      },
    })
    .input(completeJobSchema)
    .output(jobSchema)
    .mutation(({ ctx, input }) => completeJob(ctx.actor, input)),
  metadata: teamKeyProcedure
    .meta({ openapi: { method: "PATCH", path: "/api/jobs/{job_id}/metadata", tags, summary: "Merge into a job's metadata (a key set to null is removed)", description: auth } })
    .input(jobMetadataSchema)
    .output(jobSchema)
    .mutation(({ ctx, input }) => updateJobMetadata(ctx.actor, input)),
  get: teamKeyProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/api/jobs/{job_id}",
        tags,
        summary: "A job: its totals and its calls (model, tokens, cost, latency, status, time)",
        description: `${auth} Calls come in the order they started, calls_limit at a time (calls_next_cursor for more). Admins add team_id when several teams use the id.`,
      },
    })
    .input(getJobSchema)
    .output(jobWithCallsSchema)
    .query(({ ctx, input }) => getJob(ctx.actor, input)),
  list: teamKeyProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/api/teams/{team_id}/jobs",
        tags,
        summary: "A team's jobs, newest first: filter by status, job_type, user_id, from/to; page with next_cursor",
        description: auth,
      },
    })
    .input(listJobsSchema)
    .output(jobListSchema)
    .query(({ ctx, input }) => listTeamJobs(ctx.actor, input)),
  summary: teamKeyProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/api/teams/{team_id}/jobs/summary",
        tags,
        summary: "A team's jobs by job type: count, total and average cost, p50/p95 cost and duration",
        description: `${auth} Over the jobs created in from..to (default the last 30 days).`,
      },
    })
    .input(jobSummaryInputSchema)
    .output(jobSummarySchema)
    .query(({ ctx, input }) => summarizeTeamJobs(ctx.actor, input)),
});
