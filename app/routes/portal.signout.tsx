import type { ActionFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { clearPortalCookie, endPortalSession, readPortalSession } from "~/auth/portal-session.server";

export async function action({ request }: ActionFunctionArgs) {
  const { session } = await readPortalSession(request.headers.get("cookie"));
  const cookie = session ? await endPortalSession(session.sessionId) : await clearPortalCookie();
  return redirect("/portal/signin?reason=signed_out", { headers: { "Set-Cookie": cookie } });
}

export async function loader() {
  return redirect("/portal");
}
