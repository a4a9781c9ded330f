import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { customerActor, readPortalSession } from "~/auth/portal-session.server";
import { csvFileName, csvResponse } from "~/lib/csv";
import { isAppError } from "~/lib/errors";
import { exportTeamJobsCsv } from "~/services/jobs-csv.server";

/**
 * `/portal/jobs.csv[?status=&job_type=&from=&to=]`: the signed-in customer's own jobs, newest first,
 * as CSV: `cost` is what the team was billed, exact (docs/jobs.md#money); no cost of ours, no
 * `billed` column. The team is the session's; nothing in the URL names one.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const { session, clearCookie } = await readPortalSession(request.headers.get("cookie"));
  const noStore = { "Cache-Control": "no-store" };
  if (!session) {
    return json(
      { error: { code: "UNAUTHORIZED", message: "Sign in to the portal first (/portal/signin)." } },
      { status: 401, headers: clearCookie ? { ...noStore, "Set-Cookie": clearCookie } : noStore },
    );
  }
  const q = new URL(request.url).searchParams;
  const actor = customerActor(session);
  const filters = {
    team_id: session.teamId,
    status: q.get("status") || undefined,
    job_type: q.get("job_type") || undefined,
    from: q.get("from") || undefined,
    to: q.get("to") || undefined,
  } as Parameters<typeof exportTeamJobsCsv>[1];
  try {
    // A bad filter answers with its message, not a broken file.
    const stream = await exportTeamJobsCsv(actor, filters);
    return csvResponse(
      stream,
      csvFileName("jobs"),
      { "Cache-Control": "private, no-store" },
    );
  } catch (error) {
    if (!isAppError(error)) throw error;
    return json({ error: { code: error.code, message: error.userMessage, fieldErrors: error.fieldErrors } }, { status: error.status, headers: noStore });
  }
}
