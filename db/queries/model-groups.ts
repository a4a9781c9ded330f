import { and, asc, eq, inArray, ne, sql } from "drizzle-orm";
import { modelGroups, teamModelGroups, teams } from "../schema/index.ts";
import type { Db } from "./types.ts";

export type ModelGroupRow = typeof modelGroups.$inferSelect;

export async function insertModelGroup(db: Db, values: typeof modelGroups.$inferInsert) {
  const rows = await db.insert(modelGroups).values(values).onConflictDoNothing().returning();
  return rows[0];
}

export async function findModelGroupById(db: Db, id: string) {
  const rows = await db.select().from(modelGroups).where(eq(modelGroups.id, id)).limit(1);
  return rows[0];
}

export async function findModelGroupByName(db: Db, name: string) {
  const rows = await db.select().from(modelGroups).where(sql`lower(${modelGroups.name}) = ${name.toLowerCase()}`).limit(1);
  return rows[0];
}

export async function findModelGroupsByNames(db: Db, names: string[]) {
  if (!names.length) return [];
  return db
    .select()
    .from(modelGroups)
    .where(inArray(sql`lower(${modelGroups.name})`, names.map((n) => n.toLowerCase())));
}

export async function listModelGroups(db: Db) {
  return db.select().from(modelGroups).orderBy(asc(modelGroups.name));
}

export async function listUnverifiedModelGroups(db: Db) {
  return db.select().from(modelGroups).where(eq(modelGroups.verification, "unverified"));
}

export async function updateModelGroupRow(db: Db, id: string, values: Partial<typeof modelGroups.$inferInsert>) {
  const rows = await db
    .update(modelGroups)
    .set({ ...values, updatedAt: new Date() })
    .where(eq(modelGroups.id, id))
    .returning();
  return rows[0];
}

/** Deletes a group, first unlinking it from deleted teams (whose other history stays). */
export async function deleteModelGroupRow(db: Db, id: string) {
  const deletedTeams = db.select({ id: teams.id }).from(teams).where(eq(teams.status, "deleted"));
  await db.delete(teamModelGroups).where(and(eq(teamModelGroups.modelGroupId, id), inArray(teamModelGroups.teamId, deletedTeams)));
  await db.delete(modelGroups).where(eq(modelGroups.id, id));
}

/** Teams (not deleted) that use a model group. */
export async function teamsUsingModelGroup(db: Db, modelGroupId: string) {
  return db
    .select({ id: teams.id, name: teams.name })
    .from(teamModelGroups)
    .innerJoin(teams, eq(teams.id, teamModelGroups.teamId))
    .where(and(eq(teamModelGroups.modelGroupId, modelGroupId), ne(teams.status, "deleted")))
    .orderBy(asc(teams.name));
}
