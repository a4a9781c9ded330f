import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireAdmin } from "~/auth/request.server";
import { csvFileName, csvResponse } from "~/lib/csv";
import { throwAsResponse } from "~/lib/forms.server";
import { exportTeamJobsCsv } from "~/services/jobs-csv.server";

/**
 * `GET /admin/teams/:teamId/jobs.csv[?status=&job_type=&from=&to=]`: every job of the team, newest
 * first, as CSV (signed-in admins, viewers too). Cost is the exact decimal; pages are read as the
 * file is downloaded.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const { actor } = await requireAdmin(request);
  const q = new URL(request.url).searchParams;
  const team_id = params.teamId!;
  const filters = {
    team_id,
    status: q.get("status") || undefined,
    job_type: q.get("job_type") || undefined,
    from: q.get("from") || undefined,
    to: q.get("to") || undefined,
  } as Parameters<typeof exportTeamJobsCsv>[1];
  // An unknown team or a bad filter answers with its message, not a broken file.
  const stream = await exportTeamJobsCsv(actor, filters).catch(throwAsResponse);
  return csvResponse(stream, csvFileName(team_id, "jobs"));
}
