import { randomUUID } from "node:crypto";
import { and, desc, eq, inArray, ne, sql } from "drizzle-orm";
import { z } from "zod";
import { findTeamById } from "../../db/queries/teams.ts";
import { budgetAlerts, teamAlertSettings, teams } from "../../db/schema/index.ts";
import { db, transaction } from "~/lib/db.server";
import { AppError } from "~/lib/errors";
import { logger } from "~/lib/logger.server";
import { parseInput } from "~/lib/validation";
import { requireRole, type Actor } from "~/auth/actor";
import { recordAudit } from "./audit.server.ts";
import { getTeamBudget, openPeriod } from "./budget.server.ts";
import { enqueueWebhookEvent } from "./webhooks.server.ts";

/**
 * Budget alerts (docs/webhooks.md). A team's **budget used** is the share of this period's total
 * budget spent:
 *
 *     percent = spent_this_period / (allowance + credits available this period) × 100
 *
 * where credits available = the credit balance now + the credits this period's spend already used.
 * Each threshold (80 % and 100 % unless the team sets its own) fires at most once per period, and
 * is resolved when the percent falls back under it (credits added) or the period ends. Every fire
 * and resolve queues a webhook event in the same transaction. Soft and hard teams alike.
 */

export const DEFAULT_THRESHOLDS = [80, 100];

export const alertSchema = z.object({
  id: z.string(),
  team_id: z.string(),
  period_id: z.string(),
  threshold_percent: z.number(),
  state: z.enum(["firing", "resolved"]),
  fired_at: z.string(),
  resolved_at: z.string().nullable(),
  spent: z.number(),
  limit: z.number(),
});
export type BudgetAlert = z.infer<typeof alertSchema>;

export const thresholdsSchema = z.object({
  team_id: z.string({ required_error: "Say which team (team_id)" }).trim().min(1),
  thresholds: z
    .array(z.number({ invalid_type_error: "Thresholds are whole percents, e.g. 80" }).int("Thresholds are whole percents, e.g. 80").min(1, "Thresholds are between 1 and 1000").max(1000, "Thresholds are between 1 and 1000"), {
      required_error: "Give the thresholds in percent, e.g. [80, 100]",
    })
    .min(1, "Give at least one threshold")
    .max(10, "At most 10 thresholds")
    .transform((list) => [...new Set(list)].sort((a, b) => a - b)),
});

type AlertRow = typeof budgetAlerts.$inferSelect;
const view = (row: AlertRow): BudgetAlert => ({
  id: row.id,
  team_id: row.teamId,
  period_id: row.periodId,
  threshold_percent: row.thresholdPercent,
  state: row.state,
  fired_at: row.firedAt.toISOString(),
  resolved_at: row.resolvedAt?.toISOString() ?? null,
  spent: Number(row.spent),
  limit: Number(row.limit),
});

export async function teamThresholds(teamId: string): Promise<number[]> {
  const [row] = await db().select().from(teamAlertSettings).where(eq(teamAlertSettings.teamId, teamId)).limit(1);
  return row?.thresholds ?? DEFAULT_THRESHOLDS;
}

export type AlertEvaluation = { percent: number | null; fired: number[]; resolved: number[] };

/**
 * Fires the thresholds the team has reached in this period (once each) and resolves the firing
 * alerts it is back under, or that belong to an ended period. Safe to run any number of times, and
 * concurrently: firing is an insert that does nothing on conflict, resolving an update of firing rows.
 */
export async function evaluateTeamAlerts(teamId: string, now = new Date()): Promise<AlertEvaluation> {
  const team = await findTeamById(db(), teamId);
  if (!team) return { percent: null, fired: [], resolved: [] };
  const period = await openPeriod(db(), teamId);
  const budget = await getTeamBudget(teamId, now);
  const thresholds = await teamThresholds(teamId);
  // credits used this period = spend past the allowance that was not overage.
  const creditsUsed = Math.max(0, budget.spent_this_period - budget.allowance - budget.overage);
  const total = budget.allowance + budget.credit_balance + creditsUsed;
  const tracked = team.maxBudget !== null && team.status !== "deleted" && period !== undefined && total > 0;
  const percent = tracked ? (budget.spent_this_period / total) * 100 : null;
  const base = { team_id: teamId, team_name: team.name, budget_mode: team.budgetMode, spent: budget.spent_this_period, limit: total, percent: percent === null ? null : Math.round(percent * 100) / 100, period: budget.period };

  return transaction(async ({ tx }) => {
    const fired: number[] = [];
    const resolved: number[] = [];
    // Alerts of an ended period (or of a team no longer tracked) are resolved.
    const stale = await tx
      .update(budgetAlerts)
      .set({ state: "resolved", resolvedAt: now })
      .where(and(eq(budgetAlerts.teamId, teamId), eq(budgetAlerts.state, "firing"), ...(tracked ? [ne(budgetAlerts.periodId, period!.id)] : [])))
      .returning();
    for (const alert of stale) {
      resolved.push(alert.thresholdPercent);
      await enqueueWebhookEvent(tx, "budget.threshold_resolved", { ...base, threshold_percent: alert.thresholdPercent, alert_id: alert.id, reason: tracked ? "new_period" : "not_tracked" }, now);
    }
    if (percent === null) return { percent, fired, resolved };
    const under = thresholds.filter((t) => percent < t);
    // Back under a threshold (credits added, or thresholds raised): resolve it.
    const back = await tx
      .update(budgetAlerts)
      .set({ state: "resolved", resolvedAt: now })
      .where(and(eq(budgetAlerts.teamId, teamId), eq(budgetAlerts.periodId, period!.id), eq(budgetAlerts.state, "firing"), sql`${budgetAlerts.thresholdPercent} > ${String(percent)}::numeric`))
      .returning();
    for (const alert of back) {
      resolved.push(alert.thresholdPercent);
      await enqueueWebhookEvent(tx, "budget.threshold_resolved", { ...base, threshold_percent: alert.thresholdPercent, alert_id: alert.id, reason: "under_threshold" }, now);
    }
    for (const threshold of thresholds) {
      if (under.includes(threshold)) continue;
      const [alert] = await tx
        .insert(budgetAlerts)
        .values({ id: randomUUID(), teamId, periodId: period!.id, thresholdPercent: threshold, state: "firing", firedAt: now, spent: String(budget.spent_this_period), limit: String(total) })
        .onConflictDoNothing()
        .returning();
      if (!alert) continue;
      fired.push(threshold);
      await enqueueWebhookEvent(tx, "budget.threshold_crossed", { ...base, threshold_percent: threshold, alert_id: alert.id }, now);
    }
    return { percent, fired, resolved };
  });
}

/**
 * Evaluates several teams, one at a time; ids that are not our teams (usage of teams made outside
 * this app) are skipped with one query. A failure is logged and does not stop the others.
 */
export async function evaluateAlertsFor(teamIds: Iterable<string>, now = new Date()): Promise<void> {
  const ids = [...new Set(teamIds)];
  if (!ids.length) return;
  const known = await db().select({ id: teams.id }).from(teams).where(inArray(teams.id, ids));
  for (const { id: teamId } of known) {
    await evaluateTeamAlerts(teamId, now).catch((error: unknown) => logger().warn({ err: error, teamId }, "could not evaluate budget alerts"));
  }
}

/** Teams with a firing alert: re-evaluated on every ingestion run so a new period resolves them without new usage. */
export async function teamsWithFiringAlerts(): Promise<string[]> {
  const rows = await db().selectDistinct({ teamId: budgetAlerts.teamId }).from(budgetAlerts).where(eq(budgetAlerts.state, "firing"));
  return rows.map((r) => r.teamId);
}

/** A team's alerts, newest first (`?state=firing` for the live ones). */
export async function listTeamAlerts(actor: Actor, input: unknown): Promise<{ thresholds: number[]; alerts: BudgetAlert[] }> {
  requireRole(actor, "viewer", "see budget alerts");
  const { team_id, state } = parseInput(z.object({ team_id: z.string().min(1), state: z.enum(["firing", "resolved"]).optional() }), input);
  const team = await findTeamById(db(), team_id);
  if (!team) throw new AppError("NOT_FOUND", `No team has the id ${team_id}.`);
  const rows = await db()
    .select()
    .from(budgetAlerts)
    .where(and(eq(budgetAlerts.teamId, team_id), ...(state ? [inArray(budgetAlerts.state, [state])] : [])))
    .orderBy(desc(budgetAlerts.firedAt), desc(budgetAlerts.thresholdPercent))
    .limit(200);
  return { thresholds: await teamThresholds(team_id), alerts: rows.map(view) };
}

/** Sets a team's thresholds (admins), then evaluates the team at once with them. */
export async function setAlertThresholds(actor: Actor, input: unknown): Promise<{ thresholds: number[]; alerts: BudgetAlert[] }> {
  requireRole(actor, "admin", "change alert thresholds");
  const { team_id, thresholds } = parseInput(thresholdsSchema, input);
  await transaction(async ({ tx }) => {
    const team = await findTeamById(tx, team_id);
    if (!team || team.status === "deleted") throw new AppError("NOT_FOUND", `No team has the id ${team_id}.`);
    const before = await teamThresholds(team_id);
    await tx
      .insert(teamAlertSettings)
      .values({ teamId: team_id, thresholds })
      .onConflictDoUpdate({ target: teamAlertSettings.teamId, set: { thresholds, updatedAt: new Date() } });
    await recordAudit(tx, actor, "team.alert_thresholds", team_id, { before, after: thresholds });
  });
  await evaluateTeamAlerts(team_id);
  return listTeamAlerts(actor, { team_id });
}
