import { and, desc, eq, inArray, ne } from "drizzle-orm";
import { budgetAlerts, teamAlertSettings, teams } from "../schema/index.ts";
import type { Db } from "./types.ts";

/** Budget alerts and their thresholds (docs/webhooks.md). Whether a threshold is reached is decided by the service, in exact money. */

export type AlertRow = typeof budgetAlerts.$inferSelect;

/** The team's own thresholds, or undefined when it uses the defaults. */
export async function findAlertThresholds(db: Db, teamId: string): Promise<number[] | undefined> {
  const [row] = await db.select({ thresholds: teamAlertSettings.thresholds }).from(teamAlertSettings).where(eq(teamAlertSettings.teamId, teamId)).limit(1);
  return row?.thresholds;
}

export async function upsertAlertThresholds(db: Db, teamId: string, thresholds: number[]): Promise<void> {
  await db
    .insert(teamAlertSettings)
    .values({ teamId, thresholds })
    .onConflictDoUpdate({ target: teamAlertSettings.teamId, set: { thresholds, updatedAt: new Date() } });
}

/** Resolves the team's firing alerts, all of them or those not of `keepPeriodId` (an ended period). Returns what it resolved. */
export async function resolveFiringAlerts(db: Db, teamId: string, now: Date, keepPeriodId?: string): Promise<AlertRow[]> {
  return db
    .update(budgetAlerts)
    .set({ state: "resolved", resolvedAt: now })
    .where(and(eq(budgetAlerts.teamId, teamId), eq(budgetAlerts.state, "firing"), keepPeriodId ? ne(budgetAlerts.periodId, keepPeriodId) : undefined))
    .returning();
}

/** The firing alerts of one period. */
export async function firingAlertsOf(db: Db, teamId: string, periodId: string): Promise<AlertRow[]> {
  return db
    .select()
    .from(budgetAlerts)
    .where(and(eq(budgetAlerts.teamId, teamId), eq(budgetAlerts.periodId, periodId), eq(budgetAlerts.state, "firing")));
}

/** Resolves these alerts if they still fire (a concurrent run may have resolved them): returns those it resolved. */
export async function resolveAlerts(db: Db, ids: string[], now: Date): Promise<AlertRow[]> {
  if (ids.length === 0) return [];
  return db
    .update(budgetAlerts)
    .set({ state: "resolved", resolvedAt: now })
    .where(and(inArray(budgetAlerts.id, ids), eq(budgetAlerts.state, "firing")))
    .returning();
}

/** Fires a threshold for a period: undefined when it already fired in that period (once per period). */
export async function insertFiringAlert(db: Db, values: Omit<typeof budgetAlerts.$inferInsert, "state">): Promise<AlertRow | undefined> {
  const rows = await db
    .insert(budgetAlerts)
    .values({ ...values, state: "firing" })
    .onConflictDoNothing()
    .returning();
  return rows[0];
}

/** Teams with a firing alert. */
export async function teamsWithFiringAlerts(db: Db): Promise<string[]> {
  const rows = await db.selectDistinct({ teamId: budgetAlerts.teamId }).from(budgetAlerts).where(eq(budgetAlerts.state, "firing"));
  return rows.map((r) => r.teamId);
}

/** A team's alerts, newest first. */
export async function listAlerts(db: Db, teamId: string, state?: AlertRow["state"], limit = 200): Promise<AlertRow[]> {
  return db
    .select()
    .from(budgetAlerts)
    .where(and(eq(budgetAlerts.teamId, teamId), state ? eq(budgetAlerts.state, state) : undefined))
    .orderBy(desc(budgetAlerts.firedAt), desc(budgetAlerts.thresholdPercent))
    .limit(limit);
}

/** Which of these ids are teams of this app (usage also arrives for teams made outside it). */
export async function knownTeamIds(db: Db, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db.select({ id: teams.id }).from(teams).where(inArray(teams.id, ids));
  return rows.map((r) => r.id);
}
