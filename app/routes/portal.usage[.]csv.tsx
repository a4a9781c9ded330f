import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { csvResponse } from "~/lib/csv";
import { isAppError } from "~/lib/errors";
import { readPortalSession } from "~/auth/portal-session.server";
import { portalUsageCsv } from "~/services/portal/overview.server";

/**
 * `/portal/usage.csv?table=days|models|requests[&from=&to=]`: the signed-in customer's own usage over
 * the page's range, as CSV: `spend_usd` is the billed amount, exact; no cost or margin columns
 * (docs/portal.md#money).
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
  const params = new URL(request.url).searchParams;
  try {
    // The search params stay loose text on purpose: the service refuses a missing or bad table in its own words.
    const csv = await portalUsageCsv(session, {
      table: params.get("table") ?? undefined,
      from: params.get("from") ?? undefined,
      to: params.get("to") ?? undefined,
    } as Parameters<typeof portalUsageCsv>[1]);
    return csvResponse(csv.body, csv.fileName, { "Cache-Control": "private, no-store" });
  } catch (error) {
    if (!isAppError(error)) throw error;
    return json({ error: { code: error.code, message: error.userMessage, fieldErrors: error.fieldErrors } }, { status: error.status, headers: noStore });
  }
}
