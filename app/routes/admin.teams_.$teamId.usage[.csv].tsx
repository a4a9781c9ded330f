import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireAdmin } from "~/auth/request.server";
import { csvResponse } from "~/lib/csv";
import { throwAsResponse } from "~/lib/forms.server";
import { exportUsageCsv } from "~/services/usage/index.server";

/** `GET /admin/teams/:teamId/usage.csv?table=days|models|requests&from=&to=`: a team's usage table as CSV (signed-in admins, viewers too). */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const { actor } = await requireAdmin(request);
  const q = new URL(request.url).searchParams;
  // The search params stay loose text on purpose: the service refuses a bad table or range in its own words.
  const file = await exportUsageCsv(actor, {
    scope: "team",
    id: params.teamId,
    table: q.get("table") ?? "days",
    from: q.get("from") ?? undefined,
    to: q.get("to") ?? undefined,
  } as Parameters<typeof exportUsageCsv>[1]).catch(throwAsResponse);
  return csvResponse(file.body, file.fileName);
}
