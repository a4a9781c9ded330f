import { and, desc, eq, inArray, sql } from "drizzle-orm";
import { ledgerEntries } from "../schema/index.ts";
import type { Db } from "./types.ts";

/** The money ledger (docs/budgets.md): allowances, credits, adjustments and rollovers, one row each. */

export type LedgerEntryRow = typeof ledgerEntries.$inferSelect;

export async function insertLedgerEntry(db: Db, values: typeof ledgerEntries.$inferInsert): Promise<LedgerEntryRow> {
  const rows = await db.insert(ledgerEntries).values(values).returning();
  return rows[0]!;
}

/** The team's entry written with this idempotency key, if any. */
export async function findLedgerEntryByKey(db: Db, teamId: string, idempotencyKey: string): Promise<LedgerEntryRow | undefined> {
  const rows = await db
    .select()
    .from(ledgerEntries)
    .where(and(eq(ledgerEntries.teamId, teamId), eq(ledgerEntries.idempotencyKey, idempotencyKey)))
    .limit(1);
  return rows[0];
}

/** A team's entries, newest first. */
export async function listLedgerEntries(db: Db, teamId: string, limit = 500): Promise<LedgerEntryRow[]> {
  return db.select().from(ledgerEntries).where(eq(ledgerEntries.teamId, teamId)).orderBy(desc(ledgerEntries.createdAt)).limit(limit);
}

/** Credits and adjustments added during a period, as an exact decimal string ("0" without any). */
export async function creditsAddedIn(db: Db, periodId: string): Promise<string> {
  const [row] = await db
    .select({ total: sql<string>`coalesce(sum(${ledgerEntries.amount}), 0)::text` })
    .from(ledgerEntries)
    .where(and(eq(ledgerEntries.periodId, periodId), inArray(ledgerEntries.kind, ["credit", "adjustment"])));
  return row?.total ?? "0";
}

/** creditsAddedIn for many periods in one statement: period id → decimal string (periods without any are left out). */
export async function creditsAddedInMany(db: Db, periodIds: string[]): Promise<Map<string, string>> {
  if (periodIds.length === 0) return new Map();
  const rows = await db
    .select({ periodId: ledgerEntries.periodId, total: sql<string>`coalesce(sum(${ledgerEntries.amount}), 0)::text` })
    .from(ledgerEntries)
    .where(and(inArray(ledgerEntries.periodId, periodIds), inArray(ledgerEntries.kind, ["credit", "adjustment"])))
    .groupBy(ledgerEntries.periodId);
  return new Map(rows.filter((r) => r.periodId !== null).map((r) => [r.periodId!, r.total]));
}
