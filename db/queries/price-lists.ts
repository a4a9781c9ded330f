import { and, asc, desc, eq, inArray, isNull, sql } from "drizzle-orm";
import { priceListModelPrices, priceListVersions } from "../schema/index.ts";
import type { Db } from "./types.ts";

/** Price-list versions (docs/billing.md): append-only; a change is a new version. */

export type PriceVersionRow = typeof priceListVersions.$inferSelect;
export type ModelPriceRow = typeof priceListModelPrices.$inferSelect;

/** Serialises changes to one list, so two admins saving at once get versions n and n + 1. */
export async function lockPriceList(db: Db, organizationId: string, teamId: string | null): Promise<void> {
  await db.execute(sql`select pg_advisory_xact_lock(hashtext(${`price-list:${organizationId}:${teamId ?? ""}`}))`);
}

export async function lastVersionNumber(db: Db, organizationId: string, teamId: string | null): Promise<number> {
  const rows = await db
    .select({ n: sql<number>`coalesce(max(${priceListVersions.version}), 0)::int` })
    .from(priceListVersions)
    .where(and(eq(priceListVersions.organizationId, organizationId), teamId === null ? isNull(priceListVersions.teamId) : eq(priceListVersions.teamId, teamId)));
  return rows[0]?.n ?? 0;
}

export async function insertPriceVersion(db: Db, values: typeof priceListVersions.$inferInsert, models: Array<Omit<ModelPriceRow, "versionId">>): Promise<PriceVersionRow> {
  const [row] = await db.insert(priceListVersions).values(values).returning();
  if (models.length) await db.insert(priceListModelPrices).values(models.map((m) => ({ ...m, versionId: row!.id })));
  return row!;
}

/** Every version of a list (the organization's when teamId is null), newest first. */
export async function listVersions(db: Db, organizationId: string, teamId: string | null): Promise<PriceVersionRow[]> {
  return db
    .select()
    .from(priceListVersions)
    .where(and(eq(priceListVersions.organizationId, organizationId), teamId === null ? isNull(priceListVersions.teamId) : eq(priceListVersions.teamId, teamId)))
    .orderBy(desc(priceListVersions.version));
}

/** The versions of an organization's list and of all its teams' own lists, oldest first. */
export async function versionsOfOrganizations(db: Db, organizationIds: string[]): Promise<PriceVersionRow[]> {
  if (!organizationIds.length) return [];
  return db.select().from(priceListVersions).where(inArray(priceListVersions.organizationId, organizationIds)).orderBy(asc(priceListVersions.effectiveAt), asc(priceListVersions.version));
}

export async function modelPricesOf(db: Db, versionIds: string[]): Promise<ModelPriceRow[]> {
  if (!versionIds.length) return [];
  return db.select().from(priceListModelPrices).where(inArray(priceListModelPrices.versionId, versionIds)).orderBy(asc(priceListModelPrices.model));
}

export async function findVersionsByIds(db: Db, ids: string[]): Promise<PriceVersionRow[]> {
  if (!ids.length) return [];
  return db.select().from(priceListVersions).where(inArray(priceListVersions.id, ids));
}
