import { and, eq, inArray, isNull } from "drizzle-orm";
import { budgetPeriods } from "../schema/index.ts";
import type { Db } from "./types.ts";

/** Budget periods (docs/budgets.md): one open period per team with a budget; closed ones keep what they spent. */

export type PeriodRow = typeof budgetPeriods.$inferSelect;

/** The team's open period, if it has one. */
export async function openPeriod(db: Db, teamId: string): Promise<PeriodRow | undefined> {
  const rows = await db
    .select()
    .from(budgetPeriods)
    .where(and(eq(budgetPeriods.teamId, teamId), isNull(budgetPeriods.closedAt)))
    .limit(1);
  return rows[0];
}

/** The open periods of these teams, in one statement. */
export async function openPeriods(db: Db, teamIds: string[]): Promise<PeriodRow[]> {
  if (teamIds.length === 0) return [];
  return db
    .select()
    .from(budgetPeriods)
    .where(and(inArray(budgetPeriods.teamId, teamIds), isNull(budgetPeriods.closedAt)));
}

export async function insertPeriod(db: Db, values: typeof budgetPeriods.$inferInsert): Promise<PeriodRow> {
  const rows = await db.insert(budgetPeriods).values(values).returning();
  return rows[0]!;
}

/** Changes a period (a new allowance within it, or closing it with what it spent). */
export async function updatePeriod(db: Db, id: string, set: Partial<Pick<PeriodRow, "allowance" | "endsAt" | "closedAt" | "spend" | "creditsConsumed">>): Promise<PeriodRow> {
  const rows = await db.update(budgetPeriods).set(set).where(eq(budgetPeriods.id, id)).returning();
  return rows[0]!;
}
