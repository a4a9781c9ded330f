import { sql } from "drizzle-orm";
import { pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";

/** A customer: it groups teams. Lives in our database; its LiteLLM organization id is passed on where LiteLLM accepts it. */
export const organizations = pgTable(
  "organizations",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    litellmOrganizationId: text("litellm_organization_id").notNull(),
    description: text("description"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("organizations_name_unique").on(sql`lower(${t.name})`),
    uniqueIndex("organizations_litellm_id_unique").on(t.litellmOrganizationId),
  ],
);
