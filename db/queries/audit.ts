import { randomUUID } from "node:crypto";
import type { Db } from "./types.ts";
import { and, desc, eq, like, lt } from "drizzle-orm";
import { adminUsers, auditEvents } from "../schema/index.ts";

export async function insertAuditEvent(
  db: Db,
  values: { actorId: string; action: string; target?: string; via: "web" | "trpc" | "rest" | "worker" | "system"; details?: Record<string, unknown> },
) {
  await db.insert(auditEvents).values({ id: randomUUID(), ...values });
}

export async function listAuditEventRows(db: Db, filter: { action?: string; target?: string; actorId?: string; via?: string; before?: Date; limit: number }) {
  return db
    .select({ event: auditEvents, actorName: adminUsers.name, actorEmail: adminUsers.email })
    .from(auditEvents)
    .leftJoin(adminUsers, eq(adminUsers.id, auditEvents.actorId))
    .where(
      and(
        filter.action ? like(auditEvents.action, `${filter.action.replace(/[%_]/g, "")}%`) : undefined,
        filter.target ? eq(auditEvents.target, filter.target) : undefined,
        filter.actorId ? eq(auditEvents.actorId, filter.actorId) : undefined,
        filter.via ? eq(auditEvents.via, filter.via as "web") : undefined,
        filter.before ? lt(auditEvents.at, filter.before) : undefined,
      ),
    )
    .orderBy(desc(auditEvents.at))
    .limit(filter.limit);
}
