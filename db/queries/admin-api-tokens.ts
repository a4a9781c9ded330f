import { and, desc, eq, isNull, lt, or, sql } from "drizzle-orm";
import type { Db } from "./types.ts";
import { adminApiTokens, adminUsers, type AdminRole } from "../schema/index.ts";

const summary = {
  id: adminApiTokens.id,
  name: adminApiTokens.name,
  prefix: adminApiTokens.prefix,
  role: adminApiTokens.role,
  createdBy: adminApiTokens.createdBy,
  createdByName: adminUsers.name,
  createdAt: adminApiTokens.createdAt,
  lastUsedAt: adminApiTokens.lastUsedAt,
  revokedAt: adminApiTokens.revokedAt,
};

export async function insertApiToken(
  db: Db,
  values: { id: string; name: string; tokenHash: string; prefix: string; role: AdminRole; createdBy: string },
) {
  await db.insert(adminApiTokens).values(values);
}

/** Every token (never the hash), active ones first, newest first. */
export async function listApiTokens(db: Db) {
  return db
    .select(summary)
    .from(adminApiTokens)
    .innerJoin(adminUsers, eq(adminUsers.id, adminApiTokens.createdBy))
    .orderBy(sql`${adminApiTokens.revokedAt} is not null`, desc(adminApiTokens.createdAt));
}

export async function findApiTokenById(db: Db, id: string) {
  const rows = await db.select(summary).from(adminApiTokens).innerJoin(adminUsers, eq(adminUsers.id, adminApiTokens.createdBy)).where(eq(adminApiTokens.id, id)).limit(1);
  return rows[0];
}

/** The token with this hash and the account that created it (for authentication). */
export async function findApiTokenByHash(db: Db, tokenHash: string) {
  const rows = await db
    .select({ token: adminApiTokens, creator: adminUsers })
    .from(adminApiTokens)
    .innerJoin(adminUsers, eq(adminUsers.id, adminApiTokens.createdBy))
    .where(eq(adminApiTokens.tokenHash, tokenHash))
    .limit(1);
  return rows[0];
}

export async function revokeApiTokenRow(db: Db, id: string, at: Date) {
  const rows = await db
    .update(adminApiTokens)
    .set({ revokedAt: at })
    .where(and(eq(adminApiTokens.id, id), isNull(adminApiTokens.revokedAt)))
    .returning({ id: adminApiTokens.id });
  return rows[0];
}

/** Sets last_used_at unless it was set after `staleBefore` (so a busy token is written at most once a minute). */
export async function touchApiToken(db: Db, id: string, at: Date, staleBefore: Date) {
  await db
    .update(adminApiTokens)
    .set({ lastUsedAt: at })
    .where(and(eq(adminApiTokens.id, id), or(isNull(adminApiTokens.lastUsedAt), lt(adminApiTokens.lastUsedAt, staleBefore))));
}
