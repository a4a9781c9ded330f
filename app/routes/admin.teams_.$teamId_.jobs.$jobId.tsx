import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { requireAdmin } from "~/auth/request.server";
import { JobDetail, JobHeader, jobIdOfUrl } from "~/components/jobs";
import { throwAsResponse } from "~/lib/forms.server";
import { getJob } from "~/services/jobs.server";
import { getTeam } from "~/services/teams.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Job ${data?.job.job_id ?? ""} · ${data?.team.name ?? "Team"} · SaaS LiteLLM` }];

/** `/admin/teams/:teamId/jobs/:jobId[?calls_cursor=]`: one job of the team, with its calls a page at a time. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const { actor, headers } = await requireAdmin(request);
  const team_id = params.teamId!;
  const calls_cursor = new URL(request.url).searchParams.get("calls_cursor") || undefined;
  const [team, job] = await Promise.all([getTeam(actor, { team_id }), getJob(actor, { team_id, job_id: jobIdOfUrl(request.url, params.jobId!), calls_cursor })]).catch(throwAsResponse);
  return json({ team: { id: team.team_id, name: team.name }, job }, { headers });
}

export default function AdminJobPage() {
  const { team, job } = useLoaderData<typeof loader>();
  return (
    <>
      <p className="mb-2 text-sm">
        <Link to={`/admin/teams/${team.id}`} className="text-indigo-700 underline">
          ← {team.name}
        </Link>
      </p>
      <JobHeader job={job} context={team.name} />
      <JobDetail job={job} />
    </>
  );
}

export { RouteErrorBoundary as ErrorBoundary } from "~/components/route-error";
