import { asc, eq, sql } from "drizzle-orm";
import { organizations } from "../schema/index.ts";
import type { Db } from "./types.ts";

export type OrganizationRow = typeof organizations.$inferSelect;

export async function insertOrganization(db: Db, values: typeof organizations.$inferInsert) {
  const rows = await db.insert(organizations).values(values).onConflictDoNothing().returning();
  return rows[0];
}

export async function findOrganizationById(db: Db, id: string) {
  const rows = await db.select().from(organizations).where(eq(organizations.id, id)).limit(1);
  return rows[0];
}

export async function findOrganizationByName(db: Db, name: string) {
  const rows = await db.select().from(organizations).where(sql`lower(${organizations.name}) = ${name.toLowerCase()}`).limit(1);
  return rows[0];
}

export async function findOrganizationByLitellmId(db: Db, litellmId: string) {
  const rows = await db.select().from(organizations).where(eq(organizations.litellmOrganizationId, litellmId)).limit(1);
  return rows[0];
}

export async function listOrganizations(db: Db) {
  return db.select().from(organizations).orderBy(asc(organizations.name));
}

export async function updateOrganizationRow(db: Db, id: string, values: Partial<typeof organizations.$inferInsert>) {
  const rows = await db
    .update(organizations)
    .set({ ...values, updatedAt: new Date() })
    .where(eq(organizations.id, id))
    .returning();
  return rows[0];
}
