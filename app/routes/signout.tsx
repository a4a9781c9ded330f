import type { ActionFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { endSession, blankSessionCookie } from "~/auth/lucia.server";
import { authenticate } from "~/auth/request.server";

export async function action({ request }: ActionFunctionArgs) {
  const result = await authenticate(request, "web");
  const cookie = "sessionId" in result && result.sessionId ? await endSession(result.sessionId) : blankSessionCookie();
  return redirect("/signin", { headers: { "Set-Cookie": cookie } });
}

export async function loader() {
  return redirect("/admin");
}
