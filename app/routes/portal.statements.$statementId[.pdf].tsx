import type { LoaderFunctionArgs } from "@remix-run/node";
import { portalDownload } from "~/auth/portal-download.server";
import { customerActor } from "~/auth/portal-session.server";
import { downloadResponse } from "~/lib/download";
import { statementDownload } from "~/services/statement-downloads.server";

/**
 * `GET /portal/statements/:statementId.pdf`: one of the signed-in customer's own statements as a PDF.
 * Another team's statement answers 404 exactly as one that does not exist; no session answers 401.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  return portalDownload(request, async (session) =>
    downloadResponse(await statementDownload(customerActor(session), { statement_id: params.statementId!, format: "pdf" })),
  );
}
