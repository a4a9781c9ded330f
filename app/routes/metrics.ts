import { renderMetrics } from "~/services/metrics.server";

/** Prometheus scrape endpoint (no auth: expose it on an internal network only; see docs/operations.md). */
export async function loader() {
  const { body, contentType } = await renderMetrics();
  return new Response(body, { headers: { "Content-Type": contentType, "Cache-Control": "no-store" } });
}
