import { and, asc, eq, inArray, lte, ne, or, isNull, sql } from "drizzle-orm";
import { budgetPeriods, modelGroups, organizations, teamKeys, teamModelGroups, teams } from "../schema/index.ts";
import type { Db } from "./types.ts";

export type TeamRow = typeof teams.$inferSelect;
export type TeamKeyRow = typeof teamKeys.$inferSelect;

export async function insertTeam(db: Db, values: typeof teams.$inferInsert) {
  const rows = await db.insert(teams).values(values).returning();
  return rows[0]!;
}

export async function findTeamById(db: Db, id: string) {
  const rows = await db.select().from(teams).where(eq(teams.id, id)).limit(1);
  return rows[0];
}

/** The teams with these ids (missing ids are left out), in one statement. */
export async function findTeamsByIds(db: Db, ids: string[]) {
  if (ids.length === 0) return [];
  return db.select().from(teams).where(inArray(teams.id, ids));
}

/** Locks the team's row until the transaction ends (serialises changes to one team). */
export async function lockTeam(db: Db, id: string) {
  const rows = await db.select().from(teams).where(eq(teams.id, id)).for("update").limit(1);
  return rows[0];
}

export async function findActiveTeamByName(db: Db, organizationId: string, name: string) {
  const rows = await db
    .select({ id: teams.id })
    .from(teams)
    .where(and(eq(teams.organizationId, organizationId), sql`lower(${teams.name}) = ${name.toLowerCase()}`, ne(teams.status, "deleted")))
    .limit(1);
  return rows[0];
}

export async function listTeams(db: Db, filter: { organizationId?: string; includeDeleted?: boolean } = {}) {
  return db
    .select({ team: teams, organizationName: organizations.name })
    .from(teams)
    .innerJoin(organizations, eq(organizations.id, teams.organizationId))
    .where(
      and(
        filter.organizationId ? eq(teams.organizationId, filter.organizationId) : undefined,
        filter.includeDeleted ? undefined : ne(teams.status, "deleted"),
      ),
    )
    .orderBy(asc(organizations.name), asc(teams.name));
}

export async function updateTeamRow(db: Db, id: string, values: Partial<typeof teams.$inferInsert>) {
  const rows = await db
    .update(teams)
    .set({ ...values, updatedAt: new Date() })
    .where(eq(teams.id, id))
    .returning();
  return rows[0];
}

/** Records a change LiteLLM must catch up with: the next sync works towards this version. */
export async function bumpDesiredVersion(db: Db, ids: string[]) {
  if (!ids.length) return;
  await db
    .update(teams)
    .set({ desiredVersion: sql`${teams.desiredVersion} + 1`, syncState: sql`case when ${teams.syncState} = 'failing' then 'failing' else 'pending' end`, updatedAt: new Date() })
    .where(inArray(teams.id, ids));
}

export async function setTeamModelGroups(db: Db, teamId: string, modelGroupIds: string[]) {
  await db.delete(teamModelGroups).where(eq(teamModelGroups.teamId, teamId));
  if (modelGroupIds.length) await db.insert(teamModelGroups).values(modelGroupIds.map((modelGroupId) => ({ teamId, modelGroupId })));
}

export async function modelGroupsOfTeams(db: Db, teamIds: string[]) {
  if (!teamIds.length) return [];
  return db
    .select({ teamId: teamModelGroups.teamId, id: modelGroups.id, name: modelGroups.name, models: modelGroups.models })
    .from(teamModelGroups)
    .innerJoin(modelGroups, eq(modelGroups.id, teamModelGroups.modelGroupId))
    .where(inArray(teamModelGroups.teamId, teamIds))
    .orderBy(asc(modelGroups.name));
}

export async function keysOfTeam(db: Db, teamId: string) {
  return db.select().from(teamKeys).where(eq(teamKeys.teamId, teamId)).orderBy(asc(teamKeys.createdAt));
}

export async function keysOfTeams(db: Db, teamIds: string[]) {
  if (!teamIds.length) return [];
  return db.select().from(teamKeys).where(inArray(teamKeys.teamId, teamIds));
}

/** Inserts a key the team will use; returns undefined when the team already has a pending or live key. */
export async function insertTeamKey(db: Db, values: typeof teamKeys.$inferInsert) {
  const rows = await db.insert(teamKeys).values(values).onConflictDoNothing().returning();
  return rows[0];
}

export async function setTeamKeyStatus(db: Db, id: string, status: TeamKeyRow["status"], at = new Date()) {
  await db
    .update(teamKeys)
    .set({ status, ...(status === "live" ? { liveAt: at } : {}), ...(status === "revoked" ? { revokedAt: at } : {}) })
    .where(eq(teamKeys.id, id));
}

/** Teams whose sync is due: not in sync, and not waiting for a later retry. */
export async function teamsDueForSync(db: Db, now: Date) {
  return db
    .select({ id: teams.id })
    .from(teams)
    .where(
      and(
        or(ne(teams.syncState, "in_sync"), sql`${teams.syncedVersion} < ${teams.desiredVersion}`),
        or(isNull(teams.nextSyncAt), lte(teams.nextSyncAt, now)),
      ),
    );
}

/** Teams whose open budget period has ended (the rollover sync is due). */
export async function teamsWithEndedPeriod(db: Db, now: Date) {
  return db
    .select({ id: budgetPeriods.teamId })
    .from(budgetPeriods)
    .innerJoin(teams, eq(teams.id, budgetPeriods.teamId))
    .where(and(isNull(budgetPeriods.closedAt), lte(budgetPeriods.endsAt, now), ne(teams.status, "deleted")));
}
