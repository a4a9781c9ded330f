import { randomUUID } from "node:crypto";
import { z } from "zod";
import {
  findAlertThresholds,
  firingAlertsOf,
  insertFiringAlert,
  knownTeamIds,
  listAlerts,
  resolveAlerts,
  resolveFiringAlerts,
  teamsWithFiringAlerts as teamsWithFiringAlertsIn,
  upsertAlertThresholds,
  type AlertRow,
} from "../../db/queries/alerts.ts";
import { findTeamById } from "../../db/queries/teams.ts";
import { db, transaction } from "~/lib/db.server";
import { AppError } from "~/lib/errors";
import { logger } from "~/lib/logger.server";
import { money, moneyNumber, moneyString } from "~/lib/money";
import { parseInput } from "~/lib/validation";
import { requireTeamAccess, type Actor } from "~/auth/actor";
import { recordAudit } from "./audit.server.ts";
import { percentOf, reachedPercent, readTeamBudget } from "./budget.server.ts";
import { enqueueWebhookEvent } from "./webhooks.server.ts";

/**
 * Budget alerts (docs/webhooks.md). A team's **budget used** is the share of this period's total
 * budget spent:
 *
 *     percent = spent_this_period / (allowance + credits available this period) × 100
 *
 * where credits available = the credit balance now + the credits this period's spend already used.
 * Whether a threshold is reached is decided in exact money (spent × 100 ≥ threshold × budget), never
 * in floating point: 0.24 of a 0.10 + 0.20 budget is 80 %, exactly.
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

const view = (row: AlertRow): BudgetAlert => ({
  id: row.id,
  team_id: row.teamId,
  period_id: row.periodId,
  threshold_percent: row.thresholdPercent,
  state: row.state,
  fired_at: row.firedAt.toISOString(),
  resolved_at: row.resolvedAt?.toISOString() ?? null,
  spent: moneyNumber(money(row.spent)),
  limit: moneyNumber(money(row.limit)),
});

export async function teamThresholds(teamId: string): Promise<number[]> {
  return (await findAlertThresholds(db(), teamId)) ?? DEFAULT_THRESHOLDS;
}

export type AlertEvaluation = { percent: number | null; fired: number[]; resolved: number[] };

/**
 * Fires the thresholds the team has reached in this period (once each) and resolves the firing
 * alerts it is back under, or that belong to an ended period. Safe to run any number of times, and
 * concurrently: firing is an insert that does nothing on conflict, resolving an update of firing rows.
 */
export async function evaluateTeamAlerts(teamId: string, now = new Date()): Promise<AlertEvaluation> {
  const read = await readTeamBudget(teamId, now);
  if (!read) return { percent: null, fired: [], resolved: [] };
  const { team, period, budget, spent, limit } = read;
  const thresholds = await teamThresholds(teamId);
  const tracked = team.maxBudget !== null && team.status !== "deleted" && period !== undefined && limit > 0n;
  const percent = tracked ? percentOf(spent, limit) : null;
  const base = { team_id: teamId, team_name: team.name, budget_mode: team.budgetMode, spent: moneyNumber(spent), limit: moneyNumber(limit), percent, period: budget.period };

  return transaction(async ({ tx }) => {
    const fired: number[] = [];
    const resolved: number[] = [];
    // Alerts of an ended period (or of a team no longer tracked) are resolved.
    const stale = await resolveFiringAlerts(tx, teamId, now, tracked ? period!.id : undefined);
    for (const alert of stale) {
      resolved.push(alert.thresholdPercent);
      await enqueueWebhookEvent(tx, "budget.threshold_resolved", { ...base, threshold_percent: alert.thresholdPercent, alert_id: alert.id, reason: tracked ? "new_period" : "not_tracked" }, now);
    }
    if (!tracked) return { percent, fired, resolved };
    // Back under a threshold (credits added, or thresholds raised): resolve it.
    const firing = await firingAlertsOf(tx, teamId, period!.id);
    const back = await resolveAlerts(
      tx,
      firing.filter((a) => !reachedPercent(spent, limit, a.thresholdPercent)).map((a) => a.id),
      now,
    );
    for (const alert of back) {
      resolved.push(alert.thresholdPercent);
      await enqueueWebhookEvent(tx, "budget.threshold_resolved", { ...base, threshold_percent: alert.thresholdPercent, alert_id: alert.id, reason: "under_threshold" }, now);
    }
    for (const threshold of thresholds) {
      if (!reachedPercent(spent, limit, threshold)) continue;
      const alert = await insertFiringAlert(tx, { id: randomUUID(), teamId, periodId: period!.id, thresholdPercent: threshold, firedAt: now, spent: moneyString(spent), limit: moneyString(limit) });
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
  for (const teamId of await knownTeamIds(db(), ids)) {
    await evaluateTeamAlerts(teamId, now).catch((error: unknown) => logger().warn({ err: error, teamId }, "could not evaluate budget alerts"));
  }
}

/** Teams with a firing alert: re-evaluated on every ingestion run so a new period resolves them without new usage. */
export async function teamsWithFiringAlerts(): Promise<string[]> {
  return teamsWithFiringAlertsIn(db());
}

export const listTeamAlertsSchema = z.object({
  team_id: z.string({ required_error: "Say which team (team_id)" }).min(1, "Say which team (team_id)"),
  state: z.enum(["firing", "resolved"], { message: "state is firing or resolved" }).optional(),
});

/** A team's alerts, newest first (`?state=firing` for the live ones). */
export async function listTeamAlerts(actor: Actor, input: z.input<typeof listTeamAlertsSchema>): Promise<{ thresholds: number[]; alerts: BudgetAlert[] }> {
  const { team_id, state } = parseInput(listTeamAlertsSchema, input);
  requireTeamAccess(actor, team_id, "see budget alerts");
  const team = await findTeamById(db(), team_id);
  if (!team) throw new AppError("NOT_FOUND", `No team has the id ${team_id}.`);
  const [thresholds, rows] = await Promise.all([teamThresholds(team_id), listAlerts(db(), team_id, state)]);
  return { thresholds, alerts: rows.map(view) };
}

/** Sets a team's thresholds (admins), then evaluates the team at once with them. */
export async function setAlertThresholds(actor: Actor, input: z.input<typeof thresholdsSchema>): Promise<{ thresholds: number[]; alerts: BudgetAlert[] }> {
  const { team_id, thresholds } = parseInput(thresholdsSchema, input);
  requireTeamAccess(actor, team_id, "change alert thresholds", "admin");
  await transaction(async ({ tx }) => {
    const team = await findTeamById(tx, team_id);
    if (!team || team.status === "deleted") throw new AppError("NOT_FOUND", `No team has the id ${team_id}.`);
    const before = (await findAlertThresholds(tx, team_id)) ?? DEFAULT_THRESHOLDS;
    await upsertAlertThresholds(tx, team_id, thresholds);
    await recordAudit(tx, actor, "team.alert_thresholds", team_id, { before, after: thresholds });
  });
  await evaluateTeamAlerts(team_id);
  return listTeamAlerts(actor, { team_id });
}
