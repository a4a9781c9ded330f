import { and, inArray, asc, count, desc, eq, gt, isNull, lt, or, sql } from "drizzle-orm";
import { portalLinks, portalSessions, portalSignInFailures, teamKeys, teams } from "../schema/index.ts";
import type { Db } from "./types.ts";
import { spendSince } from "./usage.ts";

/**
 * Queries of the customers' portal. Every read of a session or link names its team in the same
 * statement, so a session can only ever lead to its own team's rows.
 */

export type PortalLinkRow = typeof portalLinks.$inferSelect;
export type PortalSessionRow = typeof portalSessions.$inferSelect;

export async function insertPortalLink(db: Db, values: typeof portalLinks.$inferInsert) {
  const rows = await db.insert(portalLinks).values(values).returning();
  return rows[0]!;
}

/** A team's links, newest first. */
export async function listPortalLinksOfTeam(db: Db, teamId: string) {
  return db.select().from(portalLinks).where(eq(portalLinks.teamId, teamId)).orderBy(desc(portalLinks.createdAt)).limit(200);
}

export async function findPortalLink(db: Db, teamId: string, id: string) {
  const rows = await db
    .select()
    .from(portalLinks)
    .where(and(eq(portalLinks.id, id), eq(portalLinks.teamId, teamId)))
    .limit(1);
  return rows[0];
}

export async function findPortalLinkByHash(db: Db, tokenHash: string) {
  const rows = await db.select().from(portalLinks).where(eq(portalLinks.tokenHash, tokenHash)).limit(1);
  return rows[0];
}

/** Marks the link revoked (once); returns the row when it was still unrevoked. */
export async function revokePortalLinkRow(db: Db, teamId: string, id: string, at: Date) {
  const rows = await db
    .update(portalLinks)
    .set({ revokedAt: at })
    .where(and(eq(portalLinks.id, id), eq(portalLinks.teamId, teamId), isNull(portalLinks.revokedAt)))
    .returning();
  return rows[0];
}

export async function touchPortalLink(db: Db, id: string, at: Date) {
  await db.update(portalLinks).set({ lastUsedAt: at }).where(eq(portalLinks.id, id));
}

/** The live key with this hash and its team (for signing in with a virtual key). */
export async function findLiveKeyByHash(db: Db, keyHash: string) {
  const rows = await db
    .select({ keyHash: teamKeys.keyHash, teamId: teamKeys.teamId, teamStatus: teams.status })
    .from(teamKeys)
    .innerJoin(teams, eq(teams.id, teamKeys.teamId))
    .where(and(eq(teamKeys.keyHash, keyHash), eq(teamKeys.status, "live")))
    .limit(1);
  return rows[0];
}

/** The key with this hash if LiteLLM still takes it (live, or retiring during a rotation's grace), with its team. */
export async function findUsableKeyByHash(db: Db, keyHash: string) {
  const rows = await db
    .select({ keyHash: teamKeys.keyHash, teamId: teamKeys.teamId, teamName: teams.name, teamStatus: teams.status })
    .from(teamKeys)
    .innerJoin(teams, eq(teams.id, teamKeys.teamId))
    .where(and(eq(teamKeys.keyHash, keyHash), inArray(teamKeys.status, ["live", "retiring"])))
    .limit(1);
  return rows[0];
}

export async function insertPortalSession(db: Db, values: typeof portalSessions.$inferInsert) {
  await db.insert(portalSessions).values(values);
}

/**
 * The session with this id if it is still good now: not expired, its team active, and its
 * credential still valid (the key it signed in with is still the team's live key, or the link is
 * neither revoked nor expired and belongs to the same team).
 */
export async function findValidPortalSession(db: Db, id: string, now: Date) {
  const rows = await db
    .select({ id: portalSessions.id, teamId: portalSessions.teamId, keyHash: portalSessions.keyHash, linkId: portalSessions.linkId, expiresAt: portalSessions.expiresAt })
    .from(portalSessions)
    .innerJoin(teams, eq(teams.id, portalSessions.teamId))
    .where(
      and(
        eq(portalSessions.id, id),
        gt(portalSessions.expiresAt, now),
        eq(teams.status, "active"),
        or(
          and(
            sql`${portalSessions.keyHash} is not null`,
            sql`exists (select 1 from ${teamKeys} where ${teamKeys.keyHash} = ${portalSessions.keyHash} and ${teamKeys.teamId} = ${portalSessions.teamId} and ${teamKeys.status} = 'live')`,
          ),
          and(
            sql`${portalSessions.linkId} is not null`,
            sql`exists (select 1 from ${portalLinks} where ${portalLinks.id} = ${portalSessions.linkId} and ${portalLinks.teamId} = ${portalSessions.teamId} and ${portalLinks.revokedAt} is null and ${portalLinks.expiresAt} > ${now.toISOString()}::timestamptz)`,
          ),
        ),
      ),
    )
    .limit(1);
  return rows[0];
}

export async function deletePortalSession(db: Db, id: string) {
  await db.delete(portalSessions).where(eq(portalSessions.id, id));
}

/** Ends every session opened with a link (when it is revoked). */
export async function deletePortalSessionsOfLink(db: Db, linkId: string) {
  await db.delete(portalSessions).where(eq(portalSessions.linkId, linkId));
}

/** Housekeeping: sessions past their expiry. */
export async function deleteExpiredPortalSessions(db: Db, now: Date) {
  await db.delete(portalSessions).where(lt(portalSessions.expiresAt, now));
}

export async function insertPortalSignInFailure(db: Db, values: { id: string; clientAddress: string; at: Date }) {
  await db.insert(portalSignInFailures).values(values);
}

/** Failed portal sign-ins from one address since `since`, oldest first. */
export async function recentPortalFailures(db: Db, clientAddress: string, since: Date): Promise<Date[]> {
  const rows = await db
    .select({ at: portalSignInFailures.at })
    .from(portalSignInFailures)
    .where(and(eq(portalSignInFailures.clientAddress, clientAddress), gt(portalSignInFailures.at, since), isNull(portalSignInFailures.clearedAt)))
    .orderBy(asc(portalSignInFailures.at));
  return rows.map((r) => r.at);
}

/** Marks failed portal sign-ins as cleared (one address, or all when none is given); they stay for audit. Returns how many. */
export async function clearPortalSignInFailures(db: Db, filter: { clientAddress?: string }, at: Date): Promise<number> {
  const rows = await db
    .update(portalSignInFailures)
    .set({ clearedAt: at })
    .where(and(isNull(portalSignInFailures.clearedAt), filter.clientAddress === undefined ? undefined : eq(portalSignInFailures.clientAddress, filter.clientAddress)))
    .returning({ id: portalSignInFailures.id });
  return rows.length;
}

/** Addresses with failed portal sign-ins since `since` (not cleared): how many and the latest. */
export async function portalFailuresByClient(db: Db, since: Date) {
  return db
    .select({ clientAddress: portalSignInFailures.clientAddress, failures: count(), lastAt: sql<Date>`max(${portalSignInFailures.at})`.mapWith(portalSignInFailures.at) })
    .from(portalSignInFailures)
    .where(and(gt(portalSignInFailures.at, since), isNull(portalSignInFailures.clearedAt)))
    .groupBy(portalSignInFailures.clientAddress)
    .orderBy(desc(count()));
}

export async function countPortalSessionsOfTeam(db: Db, teamId: string): Promise<number> {
  const [row] = await db.select({ n: count() }).from(portalSessions).where(eq(portalSessions.teamId, teamId));
  return row?.n ?? 0;
}

/**
 * What the team was billed for its requests that started at or after each instant, exact decimal
 * text (the budget's own sum, spendSince, over the rollups): billed in [from, to) is the first less
 * the second, which the caller takes exactly.
 */
export async function billedSinceEach(db: Db, teamId: string, from: Date, to: Date): Promise<{ sinceFrom: string; sinceTo: string }> {
  const [sinceFrom, sinceTo] = await Promise.all([spendSince(db, { teamId, from }), spendSince(db, { teamId, from: to })]);
  return { sinceFrom, sinceTo };
}
