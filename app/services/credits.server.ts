import { createHash, randomUUID } from "node:crypto";
import { z } from "zod";
import { openPeriod } from "../../db/queries/budget-periods.ts";
import { findLedgerEntryByKey, insertLedgerEntry, listLedgerEntries, type LedgerEntryRow } from "../../db/queries/ledger.ts";
import { bumpDesiredVersion, lockTeam } from "../../db/queries/teams.ts";
import { sendJob } from "~/jobs/boss.server";
import { db, transaction } from "~/lib/db.server";
import { AppError } from "~/lib/errors";
import { money, moneyNumber, moneyString } from "~/lib/money";
import { parseInput } from "~/lib/validation";
import { requireTeamAccess, type Actor } from "~/auth/actor";
import { evaluateAlertsFor } from "./alerts.server.ts";
import { recordAudit } from "./audit.server.ts";
import { getTeamBudget, type TeamBudget } from "./budget.server.ts";

export const MAX_CREDIT = 1_000_000;

const amount = z
  .number({ required_error: "Give the amount in USD, e.g. 100.0", invalid_type_error: "amount must be a number of USD, e.g. 100.0" })
  .finite("amount must be a finite number")
  .refine((v) => Math.abs(Math.round(v * 100) - v * 100) < 1e-6, "amount can have at most two decimals (cents)")
  .refine((v) => Math.abs(v) <= MAX_CREDIT, `amount must be at most ${MAX_CREDIT} USD per entry`);

const idempotencyKey = z
  .string({ invalid_type_error: "idempotency_key must be text" })
  .trim()
  .min(1)
  .max(200, "idempotency_key must be at most 200 characters")
  .optional();

export const addCreditsSchema = z.object({
  team_id: z.string({ required_error: "Say which team (team_id)" }).trim().min(1),
  amount: amount.refine((v) => v > 0, "amount must be positive (to take credits away, use an adjustment with a reason)"),
  reason: z.string({ invalid_type_error: "reason must be text" }).trim().max(500, "Use at most 500 characters").optional(),
  idempotency_key: idempotencyKey,
});

export const adjustCreditsSchema = z.object({
  team_id: z.string({ required_error: "Say which team (team_id)" }).trim().min(1),
  amount: amount.refine((v) => v !== 0, "amount cannot be zero"),
  reason: z.string({ required_error: "Say why (reason): adjustments need one" }).trim().min(3, "Say why (reason): adjustments need one").max(500),
  idempotency_key: idempotencyKey,
});

export const creditEntrySchema = z.object({
  entry_id: z.string(),
  team_id: z.string(),
  kind: z.enum(["credit", "adjustment", "allowance", "rollover"]),
  amount: z.number(),
  reason: z.string(),
  actor_id: z.string(),
  via: z.string(),
  created_at: z.string(),
});
export type CreditEntry = z.infer<typeof creditEntrySchema>;

function view(row: LedgerEntryRow): CreditEntry {
  return {
    entry_id: row.id,
    team_id: row.teamId,
    kind: row.kind,
    amount: moneyNumber(money(row.amount)),
    reason: row.reason,
    actor_id: row.actorId,
    via: row.via,
    created_at: row.createdAt.toISOString(),
  };
}

function requestHash(kind: string, teamId: string, amountValue: number, reason: string) {
  return createHash("sha256").update(JSON.stringify([kind, teamId, moneyString(money(amountValue)), reason])).digest("hex");
}

/**
 * Writes one credit or adjustment entry and asks the worker to raise (or lower) LiteLLM's limit.
 * With an idempotency key, a retry returns the first entry; the same key with another body is refused.
 * Entries for one team are serialised on the team's row, so concurrent additions never lose one.
 */
async function writeEntry(actor: Actor, kind: "credit" | "adjustment", values: { team_id: string; amount: number; reason: string; idempotency_key?: string }) {
  const hash = requestHash(kind, values.team_id, values.amount, values.reason);
  const entry = await transaction(async ({ tx }) => {
    const team = await lockTeam(tx, values.team_id);
    if (!team || team.status === "deleted") throw new AppError("NOT_FOUND", `No team has the id ${values.team_id}.`);
    if (values.idempotency_key) {
      const existing = await findLedgerEntryByKey(tx, team.id, values.idempotency_key);
      if (existing) {
        if (existing.requestHash !== hash) {
          throw new AppError("CONFLICT", "This Idempotency-Key was already used with a different request. Use a new key for a new credit.", {
            fieldErrors: { idempotency_key: ["Already used with a different amount, reason or team"] },
          });
        }
        return { row: existing, replayed: true };
      }
    }
    const period = await openPeriod(tx, team.id);
    const row = await insertLedgerEntry(tx, {
      id: randomUUID(),
      teamId: team.id,
      kind,
      amount: moneyString(money(values.amount)),
      reason: values.reason,
      periodId: period?.id ?? null,
      actorId: actor.userId,
      via: actor.via,
      idempotencyKey: values.idempotency_key ?? null,
      requestHash: hash,
    });
    await bumpDesiredVersion(tx, [team.id]);
    await sendJob("sync-team", { teamId: team.id, reason: "change" }, { tx, singletonKey: team.id });
    await recordAudit(tx, actor, `team.${kind}`, team.id, { after: { amount: values.amount, reason: values.reason } });
    return { row, replayed: false };
  });
  return entry;
}

export type CreditResult = { entry: CreditEntry; replayed: boolean; budget: TeamBudget };

/** Adds credits to a team (admins). `POST /api/credits/teams/{team_id}/add {"amount", "reason"}`. */
export async function addCredits(actor: Actor, input: z.input<typeof addCreditsSchema>): Promise<CreditResult> {
  const values = parseInput(addCreditsSchema, input);
  requireTeamAccess(actor, values.team_id, "add credits", "admin");
  const { row, replayed } = await writeEntry(actor, "credit", { ...values, reason: values.reason || "Credits added" });
  // More budget may take the team back under its alert thresholds (resolved events).
  if (!replayed) await evaluateAlertsFor([values.team_id]);
  return { entry: view(row), replayed, budget: await getTeamBudget(values.team_id) };
}

/** A signed correction of the credit balance: needs a reason (and the admin role). */
export async function adjustCredits(actor: Actor, input: z.input<typeof adjustCreditsSchema>): Promise<CreditResult> {
  const values = parseInput(adjustCreditsSchema, input);
  requireTeamAccess(actor, values.team_id, "adjust credits", "admin");
  const { row, replayed } = await writeEntry(actor, "adjustment", values);
  if (!replayed) await evaluateAlertsFor([values.team_id]);
  return { entry: view(row), replayed, budget: await getTeamBudget(values.team_id) };
}

export const listLedgerSchema = z.object({ team_id: z.string({ required_error: "Say which team (team_id)" }).min(1, "Say which team (team_id)") });

export async function listLedger(actor: Actor, input: z.input<typeof listLedgerSchema>): Promise<CreditEntry[]> {
  const { team_id } = parseInput(listLedgerSchema, input);
  requireTeamAccess(actor, team_id, "see the ledger");
  return (await listLedgerEntries(db(), team_id)).map(view);
}
