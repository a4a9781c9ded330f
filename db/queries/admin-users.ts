import { and, asc, count, desc, eq, gt, isNull, sql } from "drizzle-orm";
import type { Db } from "./types.ts";
import { adminUsers, signInAttempts, type AdminRole } from "../schema/index.ts";

export const MASTER_USER_ID = "master";

/** The row that stands for MASTER_KEY sign-ins; created on first use. */
export async function ensureMasterUser(db: Db): Promise<void> {
  await db
    .insert(adminUsers)
    .values({ id: MASTER_USER_ID, name: "Master key", role: "owner", email: null })
    .onConflictDoNothing({ target: adminUsers.id });
}

export async function findAdminUserByEmail(db: Db, email: string) {
  const rows = await db
    .select()
    .from(adminUsers)
    .where(sql`lower(${adminUsers.email}) = ${email.toLowerCase()}`)
    .limit(1);
  return rows[0];
}

export async function findAdminUserById(db: Db, id: string) {
  const rows = await db.select().from(adminUsers).where(eq(adminUsers.id, id)).limit(1);
  return rows[0];
}

export async function listAdminUsers(db: Db) {
  return db
    .select({
      id: adminUsers.id,
      email: adminUsers.email,
      name: adminUsers.name,
      role: adminUsers.role,
      createdAt: adminUsers.createdAt,
      disabledAt: adminUsers.disabledAt,
    })
    .from(adminUsers)
    .orderBy(asc(adminUsers.createdAt));
}

export async function insertAdminUser(
  db: Db,
  values: { id: string; email: string; name: string; role: AdminRole; passwordHash: string; createdBy: string },
) {
  const rows = await db.insert(adminUsers).values(values).onConflictDoNothing().returning({ id: adminUsers.id });
  return rows[0];
}

export async function disableAdminUser(db: Db, id: string, at: Date) {
  const rows = await db
    .update(adminUsers)
    .set({ disabledAt: at })
    .where(and(eq(adminUsers.id, id), isNull(adminUsers.disabledAt)))
    .returning({ id: adminUsers.id });
  return rows[0];
}

export async function countActiveOwners(db: Db): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(adminUsers)
    .where(and(eq(adminUsers.role, "owner"), isNull(adminUsers.disabledAt)));
  return row?.n ?? 0;
}

export async function insertSignInAttempt(
  db: Db,
  values: { id: string; account: string; clientAddress: string; succeeded: boolean; at: Date },
) {
  await db.insert(signInAttempts).values({ ...values, succeeded: values.succeeded ? "yes" : "no" });
}

/**
 * Failed attempts for one account from one client address within the window, since that account's
 * last success from that address, not cleared; oldest first.
 */
export async function recentFailuresForAccountFromClient(db: Db, account: string, clientAddress: string, since: Date): Promise<Date[]> {
  const lastSuccess = db
    .select({ at: sql`max(${signInAttempts.at})` })
    .from(signInAttempts)
    .where(and(eq(signInAttempts.account, account), eq(signInAttempts.clientAddress, clientAddress), eq(signInAttempts.succeeded, "yes")));
  const rows = await db
    .select({ at: signInAttempts.at })
    .from(signInAttempts)
    .where(
      and(
        eq(signInAttempts.account, account),
        eq(signInAttempts.clientAddress, clientAddress),
        eq(signInAttempts.succeeded, "no"),
        isNull(signInAttempts.clearedAt),
        gt(signInAttempts.at, since),
        sql`${signInAttempts.at} > coalesce((${lastSuccess}), '-infinity'::timestamptz)`,
      ),
    )
    .orderBy(asc(signInAttempts.at));
  return rows.map((r) => r.at);
}

/** Failed attempts from one client address within the window, whatever the account, not cleared; oldest first. */
export async function recentFailuresForClient(db: Db, clientAddress: string, since: Date): Promise<Date[]> {
  const rows = await db
    .select({ at: signInAttempts.at })
    .from(signInAttempts)
    .where(
      and(eq(signInAttempts.clientAddress, clientAddress), eq(signInAttempts.succeeded, "no"), isNull(signInAttempts.clearedAt), gt(signInAttempts.at, since)),
    )
    .orderBy(asc(signInAttempts.at));
  return rows.map((r) => r.at);
}

/** Marks failed attempts as cleared (filtered by address and/or account; all when neither is given); they stay for audit. Returns how many. */
export async function clearSignInFailures(db: Db, filter: { clientAddress?: string; account?: string }, at: Date): Promise<number> {
  const rows = await db
    .update(signInAttempts)
    .set({ clearedAt: at })
    .where(
      and(
        eq(signInAttempts.succeeded, "no"),
        isNull(signInAttempts.clearedAt),
        filter.clientAddress === undefined ? undefined : eq(signInAttempts.clientAddress, filter.clientAddress),
        filter.account === undefined ? undefined : eq(signInAttempts.account, filter.account),
      ),
    )
    .returning({ id: signInAttempts.id });
  return rows.length;
}

/** Addresses with failed attempts since `since` (not cleared): how many, the latest, and the accounts tried. */
export async function signInFailuresByClient(db: Db, since: Date) {
  return db
    .select({
      clientAddress: signInAttempts.clientAddress,
      failures: count(),
      lastAt: sql<Date>`max(${signInAttempts.at})`.mapWith(signInAttempts.at),
      accounts: sql<string[]>`array_agg(distinct ${signInAttempts.account})`,
    })
    .from(signInAttempts)
    .where(and(eq(signInAttempts.succeeded, "no"), isNull(signInAttempts.clearedAt), gt(signInAttempts.at, since)))
    .groupBy(signInAttempts.clientAddress)
    .orderBy(desc(count()));
}
