import { randomUUID } from "node:crypto";
import type { Db } from "./types.ts";
import { auditEvents } from "../schema/index.ts";

export async function insertAuditEvent(
  db: Db,
  values: { actorId: string; action: string; target?: string; via: "web" | "trpc" | "rest" | "worker" | "system"; details?: Record<string, unknown> },
) {
  await db.insert(auditEvents).values({ id: randomUUID(), ...values });
}
