import { and, desc, eq, gte, inArray, isNull, lt, sql, type SQL } from "drizzle-orm";
import { ledgerEntries, statements } from "../schema/index.ts";
import type { Db } from "./types.ts";

/**
 * Statements (docs/statements.md): closed statements (one immutable row each), and the usage and
 * ledger figures a statement is built from, read from the rollups where whole hours and days allow.
 */

export type StatementRow = typeof statements.$inferSelect;

/** Scope of a statement: the organization's (teamId null) or one team's. */
export type StatementScope = { organizationId: string; teamId: string | null };

const scopeWhere = (scope: StatementScope): SQL =>
  and(eq(statements.organizationId, scope.organizationId), scope.teamId === null ? isNull(statements.teamId) : eq(statements.teamId, scope.teamId))!;

/** Inserts a closed statement unless its period is already closed; the row, or undefined when it was. Never updates. */
export async function insertStatement(db: Db, values: typeof statements.$inferInsert): Promise<StatementRow | undefined> {
  const rows = await db.insert(statements).values(values).onConflictDoNothing().returning();
  return rows[0];
}

export async function findStatementById(db: Db, id: string): Promise<StatementRow | undefined> {
  const rows = await db.select().from(statements).where(eq(statements.id, id)).limit(1);
  return rows[0];
}

/** The scope's closed statements, newest first (at most `limit`), optionally only those that start before `before`. */
export async function closedStatements(db: Db, scope: StatementScope, options: { before?: Date; limit?: number } = {}): Promise<StatementRow[]> {
  return db
    .select()
    .from(statements)
    .where(and(scopeWhere(scope), options.before ? lt(statements.periodStart, options.before) : undefined))
    .orderBy(desc(statements.periodStart))
    .limit(options.limit ?? 1000);
}

/** The scope's latest closed statement, if any. */
export async function latestClosedStatement(db: Db, scope: StatementScope): Promise<StatementRow | undefined> {
  return (await closedStatements(db, scope, { limit: 1 }))[0];
}

/** The credit balance of each team before `at`: its credit, adjustment and rollover entries (team id → exact decimal text). */
export async function creditBalancesBefore(db: Db, teamIds: string[], at: Date): Promise<Map<string, string>> {
  if (!teamIds.length) return new Map();
  const rows = await db
    .select({ teamId: ledgerEntries.teamId, total: sql<string>`coalesce(sum(${ledgerEntries.amount}), 0)::text` })
    .from(ledgerEntries)
    .where(and(inArray(ledgerEntries.teamId, teamIds), inArray(ledgerEntries.kind, ["credit", "adjustment", "rollover"]), lt(ledgerEntries.createdAt, at)))
    .groupBy(ledgerEntries.teamId);
  return new Map(rows.map((r) => [r.teamId, r.total]));
}

export type StatementLedgerRow = { id: string; teamId: string; kind: "credit" | "adjustment" | "allowance" | "rollover"; amount: string; reason: string; createdAt: Date };

/** The teams' credit, adjustment and rollover entries written in [from, to), oldest first. */
export async function ledgerEntriesIn(db: Db, teamIds: string[], from: Date, to: Date): Promise<StatementLedgerRow[]> {
  if (!teamIds.length) return [];
  return db
    .select({ id: ledgerEntries.id, teamId: ledgerEntries.teamId, kind: ledgerEntries.kind, amount: ledgerEntries.amount, reason: ledgerEntries.reason, createdAt: ledgerEntries.createdAt })
    .from(ledgerEntries)
    .where(
      and(
        inArray(ledgerEntries.teamId, teamIds),
        inArray(ledgerEntries.kind, ["credit", "adjustment", "rollover"]),
        gte(ledgerEntries.createdAt, from),
        lt(ledgerEntries.createdAt, to),
      ),
    )
    .orderBy(ledgerEntries.createdAt, ledgerEntries.id);
}
