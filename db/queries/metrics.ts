import { sql } from "drizzle-orm";
import { ingestionState } from "../schema/index.ts";
import type { Db } from "./types.ts";

/** What /metrics reads from the database: ingestion progress and pg-boss's queues. */
export async function readOperationalFigures(db: Db, now: Date) {
  const [state] = await db.select().from(ingestionState).limit(1);
  type Row<T> = Array<T>;
  const queueDepth = (await db.execute(
    sql`select name as queue, count(*)::int as count from pgboss.job where state in ('created', 'retry') group by name`,
  )) as unknown as Row<{ queue: string; count: number }>;
  const failedJobs = (await db.execute(
    sql`select name as queue, count(*)::int as count from (select name from pgboss.job where state = 'failed' union all select name from pgboss.archive where state = 'failed') f group by name`,
  )) as unknown as Row<{ queue: string; count: number }>;
  const durations = (await db.execute(
    sql`select name as queue, avg(extract(epoch from completed_on - started_on))::float8 as avg
        from pgboss.job where state = 'completed' and completed_on > now() - interval '1 hour' group by name`,
  )) as unknown as Row<{ queue: string; avg: number }>;
  return {
    ingestionLagSeconds: state ? Math.max(0, (now.getTime() - state.windowStart.getTime()) / 1000) : null,
    rowsIngested: state?.rowsIngested ?? 0,
    queueDepth: [...queueDepth],
    failedJobs: [...failedJobs],
    jobDurationSeconds: [...durations],
  };
}
