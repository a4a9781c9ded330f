import { json } from "@remix-run/node";
import { checkReadiness } from "~/services/health.server";

/** Readiness: database, LiteLLM and worker status as JSON; 503 when the database is down. */
export async function loader() {
  const readiness = await checkReadiness();
  const body = {
    status: readiness.status,
    database: readiness.database,
    // The proxy's address stays out of this public answer; the admin shell shows it.
    litellm: { ...readiness.litellm, url: undefined },
    worker: readiness.worker,
  };
  return json(body, { status: readiness.database.ok ? 200 : 503, headers: { "Cache-Control": "no-store" } });
}
