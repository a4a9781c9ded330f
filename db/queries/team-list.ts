import { sql } from "drizzle-orm";
import { usageRequests } from "../schema/index.ts";
import type { Db } from "./types.ts";

function rowsOf<T>(result: unknown): T[] {
  return Array.from(result as Iterable<T>);
}

/**
 * Each team's latest request start, in one statement: max(start_time) per team is read from the
 * (team_id, start_time) index (one index probe per team), so it stays fast at millions of rows.
 * Teams without requests are left out of the map.
 */
export async function lastRequestOfTeams(db: Db, teamIds: string[]): Promise<Map<string, Date>> {
  if (teamIds.length === 0) return new Map();
  const result = await db.execute(sql`
    select t.id as "teamId", (select max(r.${sql.identifier(usageRequests.startTime.name)}) from ${usageRequests} r where r.${sql.identifier(usageRequests.teamId.name)} = t.id) as "lastAt"
    from unnest(${sql`array[${sql.join(
      teamIds.map((id) => sql`${id}`),
      sql`, `,
    )}]::text[]`}) as t(id)
  `);
  const map = new Map<string, Date>();
  for (const row of rowsOf<{ teamId: string; lastAt: Date | string | null }>(result)) {
    if (row.lastAt != null) map.set(row.teamId, row.lastAt instanceof Date ? row.lastAt : new Date(row.lastAt));
  }
  return map;
}
