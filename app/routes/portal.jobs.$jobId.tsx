import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { customerActor, readPortalSession } from "~/auth/portal-session.server";
import { JobDetail, JobHeader, jobIdOfUrl } from "~/components/jobs";
import { throwAsResponse } from "~/lib/forms.server";
import { getJob } from "~/services/jobs.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Job ${data?.job.job_id ?? ""} · Customer portal` }];

/**
 * `/portal/jobs/:jobId[?calls_cursor=]`: one job of the signed-in customer's own team. A job of
 * another team reads exactly as one that does not exist (the portal's not-found page).
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const { session, clearCookie } = await readPortalSession(request.headers.get("cookie"));
  if (!session) throw redirect(clearCookie ? "/portal/signin?reason=ended" : "/portal/signin", clearCookie ? { headers: { "Set-Cookie": clearCookie } } : undefined);
  const calls_cursor = new URL(request.url).searchParams.get("calls_cursor") || undefined;
  const job = await getJob(customerActor(session), { job_id: jobIdOfUrl(request.url, params.jobId!), calls_cursor }).catch(throwAsResponse);
  return json({ job }, { headers: { "Cache-Control": "private, no-store" } });
}

export default function PortalJobPage() {
  const { job } = useLoaderData<typeof loader>();
  return (
    <>
      <p className="mb-2 text-sm">
        <Link to="/portal" className="text-indigo-700 underline">
          ← Your usage
        </Link>
      </p>
      <JobHeader job={job} />
      <JobDetail job={job} />
    </>
  );
}
