import { json } from "@remix-run/node";
import { checkReadiness, readinessView } from "~/services/health.server";

/** Readiness: database, LiteLLM and worker status as JSON (snake_case, as every answer); 503 when the database is down. */
export async function loader() {
  const readiness = await checkReadiness();
  const view = readinessView(readiness);
  // The proxy's address stays out of this public answer; the admin shell shows it.
  const body = { ...view, litellm: { ...view.litellm, url: undefined } };
  return json(body, { status: readiness.database.ok ? 200 : 503, headers: { "Cache-Control": "no-store" } });
}
