import { sql } from "drizzle-orm";
import { jsonb, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";

/**
 * A named set of LiteLLM model names (exact, case-sensitive). Checked against LiteLLM when saved;
 * saved as `unverified` while LiteLLM cannot be reached, and checked again later.
 */
export const modelGroups = pgTable(
  "model_groups",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    description: text("description"),
    models: jsonb("models").$type<string[]>().notNull(),
    verification: text("verification", { enum: ["verified", "unverified", "invalid"] }).notNull(),
    verificationError: text("verification_error"),
    verifiedAt: timestamp("verified_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("model_groups_name_unique").on(sql`lower(${t.name})`)],
);
