import { index, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/** Append-only record of who changed what, through which front door. */
export const auditEvents = pgTable(
  "audit_events",
  {
    id: text("id").primaryKey(),
    actorId: text("actor_id").notNull(),
    action: text("action").notNull(),
    target: text("target"),
    via: text("via", { enum: ["web", "trpc", "rest", "worker", "system"] }).notNull(),
    details: jsonb("details").$type<Record<string, unknown>>(),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("audit_events_at_idx").on(t.at)],
);
