import type { LoaderFunctionArgs } from "@remix-run/node";
import { csvResponse } from "~/lib/csv";
import { portalDownload } from "~/auth/portal-download.server";
import { portalUsageCsv } from "~/services/portal/overview.server";

/**
 * `/portal/usage.csv?table=days|models|requests[&from=&to=]`: the signed-in customer's own usage over
 * the page's range, as CSV: `spend_usd` is the billed amount, exact; no cost or margin columns
 * (docs/portal.md#money).
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const params = new URL(request.url).searchParams;
  return portalDownload(request, async (session) => {
    // The search params stay loose text on purpose: the service refuses a missing or bad table in its own words.
    const csv = await portalUsageCsv(session, {
      table: params.get("table") ?? undefined,
      from: params.get("from") ?? undefined,
      to: params.get("to") ?? undefined,
    } as Parameters<typeof portalUsageCsv>[1]);
    return csvResponse(csv.body, csv.fileName, { "Cache-Control": "private, no-store" });
  });
}
