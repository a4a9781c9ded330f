import { json } from "@remix-run/node";
import { isAppError } from "~/lib/errors";
import { readPortalSession, type PortalSession } from "./portal-session.server.ts";

const NO_STORE = { "Cache-Control": "no-store" };

/**
 * A portal download (usage, jobs, statements): the signed-in customer's file, or a JSON error a
 * script can read. No session answers 401 (clearing an ended session's cookie); a service's refusal
 * answers with its status and message (another team's file: 404, as one that does not exist).
 */
export async function portalDownload(request: Request, file: (session: PortalSession) => Promise<Response>): Promise<Response> {
  const { session, clearCookie } = await readPortalSession(request.headers.get("cookie"));
  if (!session) {
    return json(
      { error: { code: "UNAUTHORIZED", message: "Sign in to the portal first (/portal/signin)." } },
      { status: 401, headers: clearCookie ? { ...NO_STORE, "Set-Cookie": clearCookie } : NO_STORE },
    );
  }
  try {
    return await file(session);
  } catch (error) {
    if (!isAppError(error)) throw error;
    return json({ error: { code: error.code, message: error.userMessage, fieldErrors: error.fieldErrors } }, { status: error.status, headers: NO_STORE });
  }
}
