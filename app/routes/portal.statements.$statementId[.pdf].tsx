import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { customerActor, readPortalSession } from "~/auth/portal-session.server";
import { downloadResponse } from "~/lib/download";
import { isAppError } from "~/lib/errors";
import { statementDownload } from "~/services/statement-downloads.server";

/**
 * `GET /portal/statements/:statementId.pdf`: one of the signed-in customer's own statements as a PDF.
 * Another team's statement answers 404 exactly as one that does not exist; no session answers 401.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const { session, clearCookie } = await readPortalSession(request.headers.get("cookie"));
  const noStore = { "Cache-Control": "no-store" };
  if (!session) {
    return json(
      { error: { code: "UNAUTHORIZED", message: "Sign in to the portal first (/portal/signin)." } },
      { status: 401, headers: clearCookie ? { ...noStore, "Set-Cookie": clearCookie } : noStore },
    );
  }
  try {
    return downloadResponse(await statementDownload(customerActor(session), { statement_id: params.statementId!, format: "pdf" }));
  } catch (error) {
    if (!isAppError(error)) throw error;
    return json({ error: { code: error.code, message: error.userMessage } }, { status: error.status, headers: noStore });
  }
}
