import { sql } from "drizzle-orm";
import { index, jsonb, numeric, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { organizations } from "./organizations.ts";

/**
 * A closed statement (docs/statements.md): what an organization or one team of it was billed for one
 * period, frozen when the period closed. Never updated: usage that LiteLLM writes after the close
 * goes into the next statement as a dated adjustment. `document` is the whole statement
 * (StatementDocument in app/services/statements.schema.ts), so reading or rendering one adds up nothing.
 */
export const statements = pgTable(
  "statements",
  {
    id: text("id").primaryKey(),
    organizationId: text("organization_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    /** Null: the organization's statement. */
    teamId: text("team_id"),
    periodStart: timestamp("period_start", { withTimezone: true }).notNull(),
    periodEnd: timestamp("period_end", { withTimezone: true }).notNull(),
    currency: text("currency").notNull(),
    totalBilled: numeric("total_billed", { precision: 24, scale: 10 }).notNull(),
    document: jsonb("document").$type<Record<string, unknown>>().notNull(),
    closedAt: timestamp("closed_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("statements_period_unique").on(t.organizationId, sql`coalesce(${t.teamId}, '')`, t.periodStart),
    index("statements_team_idx").on(t.teamId, t.periodStart).where(sql`${t.teamId} is not null`),
  ],
);
