import { insertAuditEvent } from "../../db/queries/audit.ts";
import type { Db } from "../../db/queries/types.ts";
import type { Actor } from "./actor.server.ts";

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
