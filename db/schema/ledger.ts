import { sql } from "drizzle-orm";
import { index, numeric, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { teams } from "./teams.ts";

/**
 * A team's budget periods. The app owns periods (LiteLLM gets no budget_duration): each period
 * records LiteLLM's team spend when it opened (`baselineSpend`), its allowance, and the credit
 * balance carried in. LiteLLM's max_budget is baseline + allowance + credits available, so LiteLLM
 * enforces exactly what the ledger says. Closing a period records what it spent and the credits used.
 */
export const budgetPeriods = pgTable(
  "budget_periods",
  {
    id: text("id").primaryKey(),
    teamId: text("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    startsAt: timestamp("starts_at", { withTimezone: true }).notNull(),
    /** Null for a one-off budget (no budget_duration). */
    endsAt: timestamp("ends_at", { withTimezone: true }),
    allowance: numeric("allowance", { precision: 14, scale: 2 }).notNull(),
    baselineSpend: numeric("baseline_spend", { precision: 20, scale: 10 }).notNull(),
    creditsAtStart: numeric("credits_at_start", { precision: 20, scale: 10 }).notNull(),
    closedAt: timestamp("closed_at", { withTimezone: true }),
    spend: numeric("spend", { precision: 20, scale: 10 }),
    creditsConsumed: numeric("credits_consumed", { precision: 20, scale: 10 }),
  },
  (t) => [
    uniqueIndex("budget_periods_team_start_unique").on(t.teamId, t.startsAt),
    uniqueIndex("budget_periods_one_open").on(t.teamId).where(sql`${t.closedAt} is null`),
  ],
);

/**
 * The append-only money ledger: credits and adjustments (which move the credit balance), and the
 * allowance and rollover of each period (for the record). Amounts are exact decimals. An
 * idempotency key makes a retried credit return the first entry instead of adding a second.
 */
export const ledgerEntries = pgTable(
  "ledger_entries",
  {
    id: text("id").primaryKey(),
    teamId: text("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: ["credit", "adjustment", "allowance", "rollover"] }).notNull(),
    amount: numeric("amount", { precision: 20, scale: 10 }).notNull(),
    reason: text("reason").notNull(),
    periodId: text("period_id"),
    actorId: text("actor_id").notNull(),
    via: text("via", { enum: ["web", "trpc", "rest", "worker", "system"] }).notNull(),
    idempotencyKey: text("idempotency_key"),
    requestHash: text("request_hash"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("ledger_entries_team_idx").on(t.teamId, t.createdAt),
    uniqueIndex("ledger_entries_idempotency_unique").on(t.teamId, t.idempotencyKey).where(sql`${t.idempotencyKey} is not null`),
  ],
);
