import { readOperationalFigures } from "../../db/queries/metrics.ts";
import { db } from "~/lib/db.server";
import { databaseGauges, metrics } from "~/lib/metrics.server";

/** The Prometheus text for GET /metrics: this process's counters plus figures read from the database. */
export async function renderMetrics(): Promise<{ body: string; contentType: string }> {
  databaseGauges(() => readOperationalFigures(db(), new Date()));
  const { registry } = metrics();
  return { body: await registry.metrics(), contentType: registry.contentType };
}
