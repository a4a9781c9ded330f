import { sql } from "drizzle-orm";
import { numeric, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";

/** A customer: it groups teams. Lives in our database; its LiteLLM organization id is passed on where LiteLLM accepts it. */
export const organizations = pgTable(
  "organizations",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    litellmOrganizationId: text("litellm_organization_id").notNull(),
    description: text("description"),
    /** Statements follow the calendar month (UTC) or each team's own budget period (docs/statements.md). */
    statementPeriod: text("statement_period", { enum: ["calendar_month", "budget_period"] }).notNull().default("calendar_month"),
    /** The currency the organization is billed in; USD unless set, with a fixed rate (units per USD) and the date it was taken. */
    currency: text("currency").notNull().default("USD"),
    exchangeRate: numeric("exchange_rate", { precision: 18, scale: 8 }),
    exchangeRateDate: text("exchange_rate_date"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("organizations_name_unique").on(sql`lower(${t.name})`),
    uniqueIndex("organizations_litellm_id_unique").on(t.litellmOrganizationId),
  ],
);
