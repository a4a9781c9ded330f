import { z } from "zod";
import { insertAuditEvent, listAuditEventRows } from "../../db/queries/audit.ts";
import { db } from "~/lib/db.server";
import { parseInput } from "~/lib/validation";
import { requireRole } from "~/auth/actor";
import type { Db } from "../../db/queries/types.ts";
import type { Actor } from "~/auth/actor";

/** Records an admin action: who, what, which object, before and after, through which front door. */
export async function recordAudit(
  tx: Db,
  actor: Pick<Actor, "userId" | "via">,
  action: string,
  target: string,
  change: { before?: unknown; after?: unknown; [more: string]: unknown } = {},
): Promise<void> {
  await insertAuditEvent(tx, { actorId: actor.userId, action, target, via: actor.via, details: JSON.parse(JSON.stringify(change)) });
}

/** The system itself (worker jobs) as an actor in the audit log. */
export const systemActor = { userId: "system", via: "worker" as const };

export const listAuditEventsSchema = z
  .object({
    action: z.string().trim().max(100).optional(),
    target: z.string().trim().max(200).optional(),
    actor_id: z.string().trim().max(200).optional(),
    via: z.enum(["web", "trpc", "rest", "worker", "system"], { errorMap: () => ({ message: "via must be web, trpc, rest, worker or system" }) }).optional(),
    before: z.coerce.date({ errorMap: () => ({ message: "before must be a date, e.g. 2026-11-27T12:00:00Z" }) }).optional(),
    limit: z.coerce.number().int().min(1).max(500, "limit must be at most 500").default(100),
  })
  .default({});

export const auditEventSchema = z.object({
  id: z.string(),
  at: z.string(),
  actor_id: z.string(),
  actor: z.string(),
  action: z.string(),
  target: z.string().nullable(),
  via: z.string(),
  /** before / after and other context of the change. */
  details: z.record(z.unknown()).nullable(),
});
export type AuditEvent = z.infer<typeof auditEventSchema>;

/** The audit log, newest first, filtered by action prefix, object, actor or front door. Everyone signed in may read it. */
export async function listAuditEvents(actor: Actor, input: z.input<typeof listAuditEventsSchema> = {}): Promise<AuditEvent[]> {
  requireRole(actor, "viewer", "see the audit log");
  const filter = parseInput(listAuditEventsSchema, input ?? {});
  const rows = await listAuditEventRows(db(), { action: filter.action, target: filter.target, actorId: filter.actor_id, via: filter.via, before: filter.before, limit: filter.limit });
  return rows.map(({ event, actorName, actorEmail }) => ({
    id: event.id,
    at: event.at.toISOString(),
    actor_id: event.actorId,
    actor: event.actorId === "system" ? "System (worker)" : (actorEmail ?? actorName ?? event.actorId),
    action: event.action,
    target: event.target,
    via: event.via,
    details: event.details ?? null,
  }));
}
