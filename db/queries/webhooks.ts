import { and, desc, eq, isNotNull, isNull } from "drizzle-orm";
import { webhookDeliveries, webhookEndpoints } from "../schema/index.ts";
import type { Db } from "./types.ts";

/** Webhook endpoints and deliveries (docs/webhooks.md). */

export type EndpointRow = typeof webhookEndpoints.$inferSelect;
export type DeliveryRow = typeof webhookDeliveries.$inferSelect;

export async function insertEndpoint(db: Db, values: typeof webhookEndpoints.$inferInsert): Promise<EndpointRow> {
  const rows = await db.insert(webhookEndpoints).values(values).returning();
  return rows[0]!;
}

/** Endpoints not deleted, newest first. */
export async function listLiveEndpoints(db: Db): Promise<EndpointRow[]> {
  return db.select().from(webhookEndpoints).where(isNull(webhookEndpoints.disabledAt)).orderBy(desc(webhookEndpoints.createdAt));
}

export async function findEndpoint(db: Db, id: string): Promise<EndpointRow | undefined> {
  const rows = await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)).limit(1);
  return rows[0];
}

/** Disables a live endpoint (its deliveries are kept); undefined when there is no such live endpoint. */
export async function disableEndpoint(db: Db, id: string, now: Date): Promise<EndpointRow | undefined> {
  const rows = await db
    .update(webhookEndpoints)
    .set({ disabledAt: now })
    .where(and(eq(webhookEndpoints.id, id), isNull(webhookEndpoints.disabledAt)))
    .returning();
  return rows[0];
}

export async function insertDelivery(db: Db, values: typeof webhookDeliveries.$inferInsert): Promise<void> {
  await db.insert(webhookDeliveries).values(values);
}

export async function findDelivery(db: Db, id: string): Promise<DeliveryRow | undefined> {
  const rows = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id)).limit(1);
  return rows[0];
}

/** An endpoint's deliveries, newest first. */
export async function listDeliveries(db: Db, endpointId: string, limit: number): Promise<DeliveryRow[]> {
  return db.select().from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, endpointId)).orderBy(desc(webhookDeliveries.createdAt)).limit(limit);
}

/** Changes a delivery; undefined when there is none with this id. */
export async function updateDelivery(db: Db, id: string, set: Partial<Omit<DeliveryRow, "id" | "endpointId" | "createdAt">>): Promise<DeliveryRow | undefined> {
  const rows = await db.update(webhookDeliveries).set(set).where(eq(webhookDeliveries.id, id)).returning();
  return rows[0];
}

/**
 * Claims the next attempt at a pending delivery: clears its next attempt time. Of two jobs for one
 * delivery at once only the first gets the attempts so far; the other gets undefined.
 */
export async function claimDelivery(db: Db, id: string): Promise<{ attempts: number } | undefined> {
  const rows = await db
    .update(webhookDeliveries)
    .set({ nextAttemptAt: null })
    .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.status, "pending"), isNotNull(webhookDeliveries.nextAttemptAt)))
    .returning({ attempts: webhookDeliveries.attempts });
  return rows[0];
}
