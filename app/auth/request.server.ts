import { redirect } from "@remix-run/node";
import type { AdminActor as Actor, CustomerActor } from "~/auth/actor";
import { authenticateApiToken } from "~/services/api-tokens.server";
import { authenticateAdminKey } from "~/services/sign-in.server";
import { authenticateTeamKey } from "~/services/portal/sign-in.server";
import { readSession } from "./lucia.server.ts";

/**
 * Turns a request into an Actor, trying in order: an `X-Admin-Key: <MASTER_KEY>` header (scripts), an
 * `Authorization: Bearer sla_…` API token (scripts), a session cookie (admin panel). A credential that
 * is sent but wrong is refused (UNAUTHORIZED), never passed over for the next one.
 * Cross-site form posts are refused earlier, by the HTTP server's same-origin check.
 */

export type AuthResult = { actor: Actor; sessionId?: string; headers: Headers };

export async function authenticate(
  request: Request,
  via: Actor["via"],
  clientAddress = "unknown",
): Promise<AuthResult | { actor: null; headers: Headers }> {
  const headers = new Headers();
  const adminKey = request.headers.get("x-admin-key");
  if (adminKey) {
    // Throws UNAUTHORIZED for a wrong key (TOO_MANY_REQUESTS once the address has failed too often).
    const user = (await authenticateAdminKey(adminKey, clientAddress))!;
    return { actor: { userId: user.id, name: user.name, email: user.email, role: user.role, via }, headers };
  }
  const bearer = /^Bearer\s+(.*)$/i.exec(request.headers.get("authorization") ?? "");
  if (bearer) {
    // Throws UNAUTHORIZED for an unknown, revoked or malformed token (TOO_MANY_REQUESTS once the address has failed too often).
    return { actor: { ...(await authenticateApiToken(bearer[1].trim(), clientAddress)), via }, headers };
  }
  const session = await readSession(request.headers.get("cookie"));
  if ("user" in session && session.user) {
    if (session.setCookie) headers.append("Set-Cookie", session.setCookie);
    return { actor: { userId: session.user.id, name: session.user.name, email: session.user.email, role: session.user.role, via }, sessionId: session.sessionId, headers };
  }
  if ("clearCookie" in session && session.clearCookie) headers.append("Set-Cookie", session.clearCookie);
  return { actor: null, headers };
}

/**
 * For the API (tRPC and REST): as `authenticate`, and also a team's own virtual key as
 * `Authorization: Bearer sk-…`, which acts as that team's customer on the jobs API only
 * (docs/jobs.md); every other procedure refuses it with a 403 that says so.
 */
export async function authenticateApi(
  request: Request,
  via: Actor["via"],
  clientAddress = "unknown",
): Promise<{ actor: Actor | CustomerActor | null; headers: Headers }> {
  const bearer = /^Bearer\s+(sk-\S*)\s*$/i.exec(request.headers.get("authorization") ?? "");
  if (bearer && !request.headers.get("x-admin-key")) {
    // Throws UNAUTHORIZED for a key that is not a team's (TOO_MANY_REQUESTS once the address has failed too often).
    return { actor: { ...(await authenticateTeamKey(bearer[1], clientAddress)), via }, headers: new Headers() };
  }
  return authenticate(request, via, clientAddress);
}

/** For admin pages: the signed-in admin, or a redirect to the sign-in page that comes back here afterwards. */
export async function requireAdmin(request: Request): Promise<AuthResult> {
  const result = await authenticate(request, "web");
  if (!result.actor) {
    const url = new URL(request.url);
    const redirectTo = `${url.pathname}${url.search}`;
    throw redirect(`/signin?redirectTo=${encodeURIComponent(redirectTo)}`, { headers: result.headers });
  }
  return result as AuthResult;
}

/** Only local paths may be redirected to after sign-in. */
export function safeRedirect(to: FormDataEntryValue | string | null | undefined, fallback = "/admin"): string {
  if (!to || typeof to !== "string" || !to.startsWith("/") || to.startsWith("//") || to.startsWith("/\\")) return fallback;
  return to;
}
