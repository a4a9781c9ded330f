import { index, integer, jsonb, numeric, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { teams } from "./teams.ts";

/**
 * Budget alerts (docs/webhooks.md): each threshold fires at most once per budget period (unique on
 * team, period, threshold) and is resolved when the team's share of the period's budget falls back
 * under it (credits added) or the period ends.
 */
export const budgetAlerts = pgTable(
  "budget_alerts",
  {
    id: text("id").primaryKey(),
    teamId: text("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    periodId: text("period_id").notNull(),
    thresholdPercent: integer("threshold_percent").notNull(),
    state: text("state", { enum: ["firing", "resolved"] }).notNull(),
    firedAt: timestamp("fired_at", { withTimezone: true }).notNull().defaultNow(),
    resolvedAt: timestamp("resolved_at", { withTimezone: true }),
    /** Spend this period when the alert fired. */
    spent: numeric("spent", { precision: 20, scale: 10 }).notNull(),
    /** The period's total budget (allowance + credits available) when the alert fired. */
    limit: numeric("limit", { precision: 20, scale: 10 }).notNull(),
  },
  (t) => [uniqueIndex("budget_alerts_once_per_period").on(t.teamId, t.periodId, t.thresholdPercent), index("budget_alerts_team_idx").on(t.teamId, t.state)],
);

/** A team's alert thresholds (percent of the period's budget); a team without a row uses 80 and 100. */
export const teamAlertSettings = pgTable("team_alert_settings", {
  teamId: text("team_id")
    .primaryKey()
    .references(() => teams.id, { onDelete: "cascade" }),
  thresholds: jsonb("thresholds").$type<number[]>().notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

/** Where events are POSTed. The secret is encrypted at rest (encryptSecret) and shown once at creation. */
export const webhookEndpoints = pgTable("webhook_endpoints", {
  id: text("id").primaryKey(),
  url: text("url").notNull(),
  secret: text("secret").notNull(),
  description: text("description").notNull().default(""),
  events: jsonb("events").$type<string[]>().notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  disabledAt: timestamp("disabled_at", { withTimezone: true }),
});

/** One event for one endpoint, with the outcome of its latest attempt. */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: text("id").primaryKey(),
    endpointId: text("endpoint_id")
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: "cascade" }),
    eventType: text("event_type").notNull(),
    payload: jsonb("payload").$type<Record<string, unknown>>().notNull(),
    attempts: integer("attempts").notNull().default(0),
    status: text("status", { enum: ["pending", "delivered", "failed"] }).notNull().default("pending"),
    lastStatusCode: integer("last_status_code"),
    /** The response body (or the error) of the latest attempt, at most 2 KB. */
    lastResponse: text("last_response"),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }),
    deliveredAt: timestamp("delivered_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("webhook_deliveries_endpoint_idx").on(t.endpointId, t.createdAt)],
);
