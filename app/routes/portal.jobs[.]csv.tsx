import type { LoaderFunctionArgs } from "@remix-run/node";
import { portalDownload } from "~/auth/portal-download.server";
import { customerActor } from "~/auth/portal-session.server";
import { csvFileName, csvResponse } from "~/lib/csv";
import { exportTeamJobsCsv } from "~/services/jobs-csv.server";

/**
 * `/portal/jobs.csv[?status=&job_type=&from=&to=]`: the signed-in customer's own jobs, newest first,
 * as CSV: `cost` is what the team was billed, exact (docs/jobs.md#money); no cost of ours, no
 * `billed` column. The team is the session's; nothing in the URL names one.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const q = new URL(request.url).searchParams;
  return portalDownload(request, async (session) => {
    const filters = {
      team_id: session.teamId,
      status: q.get("status") || undefined,
      job_type: q.get("job_type") || undefined,
      from: q.get("from") || undefined,
      to: q.get("to") || undefined,
    } as Parameters<typeof exportTeamJobsCsv>[1];
    // A bad filter answers with its message, not a broken file.
    const stream = await exportTeamJobsCsv(customerActor(session), filters);
    return csvResponse(stream, csvFileName("jobs"), { "Cache-Control": "private, no-store" });
  });
}
