import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireAdmin } from "~/auth/request.server";
import { downloadResponse } from "~/lib/download";
import { throwAsResponse } from "~/lib/forms.server";
import { statementDownload } from "~/services/statement-downloads.server";

/** `GET /admin/statements/:statementId.csv`: the statement as the customer gets it, as CSV with exact amounts (signed-in admins, viewers too; never our cost or margin). */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const { actor, headers } = await requireAdmin(request);
  // An unknown statement answers with its message, not a broken file.
  const file = await statementDownload(actor, { statement_id: params.statementId!, format: "csv" }).catch(throwAsResponse);
  return downloadResponse(file, headers);
}
