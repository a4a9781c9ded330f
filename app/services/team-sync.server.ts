import { findOrganizationById } from "../../db/queries/organizations.ts";
import {
  findTeamById,
  findTeamsByIds,
  insertTeamKey,
  lockTeam,
  keysOfTeam,
  modelGroupsOfTeams,
  setTeamKeyStatus,
  updateTeamRow,
  type TeamKeyRow,
  type TeamRow,
} from "../../db/queries/teams.ts";
import { hashKey, litellm, newVirtualKey, type TeamFields } from "~/integrations/litellm/client.server";
import { isLiteLLMError } from "~/integrations/litellm/errors";
import type { LiteLLMTeam } from "~/integrations/litellm/schemas";
import { sendJob } from "~/jobs/boss.server";
import { decryptSecret, encryptSecret } from "~/lib/crypto.server";
import { db, transaction } from "~/lib/db.server";
import { maxMoney, money, moneyNumber } from "~/lib/money";
import { costAndBilledSince } from "../../db/queries/usage.ts";
import { creditsAddedIn } from "../../db/queries/ledger.ts";
import { logger } from "~/lib/logger.server";
import { recordAudit, systemActor } from "./audit.server.ts";
import { billedLimit, maxBilledRatio, type ModelCost } from "./billed-limit.server.ts";
import { ensurePeriod, litellmMaxBudget } from "./budget.server.ts";
import { pricingOfTeams } from "./price-lists.server.ts";
import { noteLiteLLMFailure } from "./litellm-notice.server.ts";
import { desiredModels } from "./teams.server.ts";

/**
 * The worker's side of provisioning: make LiteLLM hold exactly what our database says for a team
 * (a LiteLLM team with our id, its models, limits, budget and blocked flag; one live virtual key),
 * idempotently. Running it twice, concurrently, or after a lost answer leaves one LiteLLM team and
 * one live key: the team id and the key's secret are ours, chosen before LiteLLM is asked.
 */

export type Desired = Required<Pick<TeamFields, "team_alias" | "models" | "max_budget" | "rpm_limit" | "tpm_limit">> & {
  blocked: boolean;
  metadata: Record<string, unknown>;
};

/** What differs between LiteLLM and us, by field: LiteLLM's value and ours. */
type Drift = Record<string, { litellm: unknown; ours: unknown }>;

/** The retry delay after `attempts` failures in a row: 5 s, 10 s, 20 s … up to 5 minutes. */
export function retryDelayMs(attempts: number): number {
  return Math.min(5 * 60_000, 5000 * 2 ** Math.max(0, attempts - 1));
}

export function desiredState(team: TeamRow, models: string[], litellmOrganizationId: string | undefined, maxBudget: number | null): Desired {
  return {
    team_alias: team.name,
    models,
    // Hard mode: LiteLLM refuses requests past the budget (its spend when our period opened + allowance
    // + credits). Soft mode: LiteLLM never refuses for budget. No budget_duration: the app owns periods.
    max_budget: team.budgetMode === "hard" && team.maxBudget !== null ? maxBudget : null,
    rpm_limit: team.rpmLimit,
    tpm_limit: team.tpmLimit,
    blocked: team.status === "suspended",
    // LiteLLM's open-source proxy may refuse organizations, so the organization travels as metadata.
    metadata: { saas_team_id: team.id, ...(litellmOrganizationId ? { saas_organization: litellmOrganizationId } : {}) },
  };
}

/** The metadata keys we own on a LiteLLM team. Every other key is LiteLLM's (team_member_budget_id, guardrails, …). */
const OWN_METADATA_KEYS = ["saas_team_id", "saas_organization"];

function ownMetadata(metadata: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(OWN_METADATA_KEYS.filter((k) => metadata[k] !== undefined).map((k) => [k, metadata[k]]));
}

/**
 * What to send as a team's metadata: /team/update replaces it wholesale (CONTRACT §1), so LiteLLM's
 * own keys are carried over from its current team and ours are put on top.
 */
export function mergedMetadata(remote: Record<string, unknown>, ours: Record<string, unknown>): Record<string, unknown> {
  return { ...Object.fromEntries(Object.entries(remote).filter(([k]) => !OWN_METADATA_KEYS.includes(k))), ...ours };
}

/**
 * The team's open budget period (opening or rolling it over at LiteLLM's current spend), and the
 * max_budget LiteLLM must hold for it. A rollover at the period's end is scheduled as a sync job.
 * A team on a price list has its budget in billed dollars: LiteLLM's limit is derived from it by
 * the rule in billed-limit.server.ts (docs/budgets.md).
 */
async function budgetFor(team: TeamRow, models: string[], litellmSpend: number, now: Date): Promise<number> {
  const pricing = (await pricingOfTeams(db(), [team], now)).get(team.id);
  const priced = pricing !== undefined && pricing.source !== "none";
  // LiteLLM's prices per token, to bound a per-model list's billed ÷ cost (asked before the team is locked).
  const costs = priced && pricing.version?.kind === "per_model" ? await modelCosts() : new Map<string, ModelCost>();
  return transaction(async ({ tx }) => {
    const locked = (await lockTeam(tx, team.id)) ?? team;
    const billedIn = async (from: Date, to: Date) => {
      const [a, b] = await Promise.all([costAndBilledSince(tx, { teamId: team.id, from }), costAndBilledSince(tx, { teamId: team.id, from: to })]);
      return money(a.billed) - money(b.billed);
    };
    const period = await ensurePeriod(tx, locked, money(litellmSpend), now, priced ? billedIn : undefined);
    if (period.endsAt) {
      await sendJob("sync-team", { teamId: team.id, reason: "change" }, { tx, startAfter: period.endsAt, singletonKey: `${team.id}:rollover:${period.endsAt.toISOString()}` });
    }
    if (!priced) return litellmMaxBudget(tx, period);
    const [added, so] = await Promise.all([creditsAddedIn(tx, period.id), costAndBilledSince(tx, { teamId: team.id, from: period.startsAt })]);
    const { ratio, unbounded } = maxBilledRatio(pricing.version, pricing.prices, costs, models);
    if (unbounded.length) logger().warn({ teamId: team.id, models: unbounded }, "LiteLLM has no cost for these priced models: its budget check cannot bound their billed amount");
    return moneyNumber(
      billedLimit({
        baseline: money(period.baselineSpend),
        budget: money(period.allowance) + maxMoney(0n, money(period.creditsAtStart) + money(added)),
        costSpent: money(so.spend),
        billedSpent: money(so.billed),
        ratio,
      }),
    );
  });
}

/**
 * After ingestion: the hard teams on a price list among `teamIds` get a sync, so LiteLLM's limit
 * follows what they were really billed (the rule gives back the headroom a cheaper mix left; docs/budgets.md).
 */
export async function syncBilledBudgets(teamIds: string[], now = new Date()): Promise<string[]> {
  if (!teamIds.length) return [];
  const hard = (await findTeamsByIds(db(), teamIds)).filter((t) => t.status === "active" && t.budgetMode === "hard" && t.maxBudget !== null);
  const pricing = await pricingOfTeams(db(), hard, now);
  const due = hard.filter((t) => (pricing.get(t.id)?.source ?? "none") !== "none").map((t) => t.id);
  for (const id of due) await sendJob("sync-team", { teamId: id, reason: "change" }, { singletonKey: id });
  return due;
}

/** LiteLLM's cost per 1M tokens of each model it serves, from /model/info (decimal text, or null when it has none). */
let costsCache: { at: number; costs: Map<string, ModelCost> } | undefined;
/** How long LiteLLM's prices are reused: syncs after every ingestion run would otherwise ask /model/info each time. */
const MODEL_COSTS_TTL_MS = 60_000;

async function modelCosts(): Promise<Map<string, ModelCost>> {
  if (costsCache && Date.now() - costsCache.at < MODEL_COSTS_TTL_MS) return costsCache.costs;
  const perMillion = (perToken: number | null | undefined) => (perToken == null ? null : (Math.round(perToken * 1e12) / 1e6).toFixed(6));
  const costs = new Map<string, ModelCost>();
  for (const row of await litellm().modelInfo()) {
    if (!costs.has(row.model_name)) costs.set(row.model_name, { input: perMillion(row.model_info?.input_cost_per_token), output: perMillion(row.model_info?.output_cost_per_token) });
  }
  costsCache = { at: Date.now(), costs };
  return costs;
}

/** What differs between LiteLLM's team and ours, field by field (for the update and the audit log). */
export function teamDrift(remote: LiteLLMTeam, desired: Desired): Drift {
  const drift: Drift = {};
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const checks: Array<[string, unknown, unknown]> = [
    ["team_alias", remote.team_alias, desired.team_alias],
    ["models", [...remote.models].sort(), desired.models],
    ["max_budget", remote.max_budget, desired.max_budget],
    ["rpm_limit", remote.rpm_limit, desired.rpm_limit],
    ["tpm_limit", remote.tpm_limit, desired.tpm_limit],
    ["blocked", remote.blocked, desired.blocked],
    ["metadata", ownMetadata(remote.metadata), desired.metadata],
  ];
  for (const [field, theirs, ours] of checks) if (!same(theirs, ours)) drift[field] = { litellm: theirs, ours };
  return drift;
}

/**
 * Creates or updates the LiteLLM team. `blocked` always travels with /team/new or /team/update, never
 * /team/block or /team/unblock: those leave LiteLLM's in-memory team cache alone, so a suspended
 * team could go on calling for up to a minute (CONTRACT §1 /team/block).
 */
async function ensureLiteLLMTeam(team: TeamRow, models: string[], litellmOrganizationId: string | undefined, now: Date) {
  const client = litellm();
  const remote = (await client.teamInfoOrUndefined(team.id))?.team_info;
  const desired = desiredState(team, models, litellmOrganizationId, await budgetFor(team, models, remote?.spend ?? 0, now));
  if (!remote) {
    try {
      await client.createTeam(team.id, desired);
    } catch (error) {
      // Another sync of the same team got there first; its team is checked on the next run.
      if (!isLiteLLMError(error, "conflict")) throw error;
    }
    return { created: true, drift: {} };
  }
  const drift = teamDrift(remote, desired);
  if (Object.keys(drift).length) await client.updateTeam(team.id, { ...desired, metadata: mergedMetadata(remote.metadata, desired.metadata) });
  return { created: false, drift };
}

/**
 * Makes the team's pending key live in LiteLLM, and revokes keys being retired. A live key someone
 * deleted or blocked in LiteLLM is generated again (with the same secret) or unblocked; those
 * repairs are returned, for the audit log.
 */
async function ensureKeys(team: TeamRow): Promise<Drift> {
  const repairs: Drift = {};
  const client = litellm();
  let keys = await keysOfTeam(db(), team.id);
  if (!keys.some((k) => k.status === "pending" || k.status === "live")) {
    // A team that lost its key (e.g. removed in LiteLLM's UI and found by the drift check) gets a new one.
    const raw = newVirtualKey();
    await insertTeamKey(db(), {
      id: crypto.randomUUID(),
      teamId: team.id,
      keyHash: hashKey(raw),
      keyEncrypted: encryptSecret(raw),
      keyAlias: `saas-${team.id}-${Date.now().toString(36)}`,
      status: "pending",
    });
    keys = await keysOfTeam(db(), team.id);
  }
  for (const key of keys.filter((k) => k.status === "pending" || k.status === "live")) {
    const info = await client.keyInfoOrUndefined(key.keyHash);
    if (!info) {
      await client.generateKey({ key: decryptSecret(key.keyEncrypted), team_id: team.id, key_alias: key.keyAlias, metadata: { saas_team_id: team.id } });
      if (key.status === "live") repairs[`key ${key.keyAlias}`] = { litellm: "missing", ours: "live" };
    } else {
      if (info.info.team_id !== team.id) {
        await client.updateKey(key.keyHash, { team_id: team.id });
        if (key.status === "live") repairs[`key ${key.keyAlias} team_id`] = { litellm: info.info.team_id, ours: team.id };
      }
      // We never block keys (suspension blocks the team), so a blocked key was blocked by hand.
      if (info.info.blocked === true) {
        await client.unblockKey(key.keyHash);
        repairs[`key ${key.keyAlias} blocked`] = { litellm: true, ours: false };
      }
    }
    if (key.status === "pending") await setTeamKeyStatus(db(), key.id, "live");
  }
  for (const key of keys.filter((k: TeamKeyRow) => k.status === "retiring")) {
    try {
      await client.deleteKeys([key.keyHash]);
    } catch (error) {
      if (!isLiteLLMError(error, "not_found")) throw error;
    }
    await setTeamKeyStatus(db(), key.id, "revoked");
  }
  return repairs;
}

async function removeFromLiteLLM(team: TeamRow): Promise<void> {
  try {
    await litellm().deleteTeams([team.id]);
  } catch (error) {
    if (!isLiteLLMError(error, "not_found")) throw error;
  }
  for (const key of await keysOfTeam(db(), team.id)) if (key.status !== "revoked") await setTeamKeyStatus(db(), key.id, "revoked");
}

export type SyncOutcome = { state: "in_sync" | "pending" | "failing" | "gone"; drift: Record<string, unknown> };

/** One sync of one team (the `sync-team` job). Never throws for LiteLLM trouble: it records it and schedules a retry. */
export async function syncTeam(teamId: string, reason: "change" | "retry" | "reconcile" = "change", now = new Date()): Promise<SyncOutcome> {
  const team = await findTeamById(db(), teamId);
  if (!team) return { state: "gone", drift: {} };
  const version = team.desiredVersion;
  let drift: Drift = {};
  try {
    if (team.status === "deleted") {
      await removeFromLiteLLM(team);
    } else {
      const [groups, org] = await Promise.all([modelGroupsOfTeams(db(), [teamId]), findOrganizationById(db(), team.organizationId)]);
      const result = await ensureLiteLLMTeam(team, desiredModels(groups), org?.litellmOrganizationId, now);
      // Differences in the team are expected after our own change; only a reconcile calls them drift.
      const teamDrifted = reason === "reconcile" && (result.created || Object.keys(result.drift).length > 0);
      // A live key deleted or blocked in LiteLLM is never our doing, whatever sent the sync.
      const keyRepairs = await ensureKeys(team);
      drift = { ...result.drift, ...keyRepairs };
      if (teamDrifted || Object.keys(keyRepairs).length) {
        const repaired = teamDrifted ? drift : keyRepairs;
        await recordAudit(db(), systemActor, "team.drift-repaired", teamId, {
          reason: result.created
            ? "The team was missing in LiteLLM (deleted there?); it was created again with its key."
            : teamDrifted
              ? "LiteLLM's team differed from ours (edited in LiteLLM's UI?); ours was put back."
              : "The team's key was deleted or blocked in LiteLLM (by hand?); it was put back.",
          before: Object.fromEntries(Object.entries(repaired).map(([k, v]) => [k, v.litellm])),
          after: Object.fromEntries(Object.entries(repaired).map(([k, v]) => [k, v.ours])),
        });
        logger().warn({ teamId, drift: repaired }, "repaired drift in LiteLLM");
      }
    }
  } catch (error) {
    if (!isLiteLLMError(error)) throw error;
    const attempts = team.syncAttempts + 1;
    const nextSyncAt = new Date(Date.now() + retryDelayMs(attempts));
    await updateTeamRow(db(), teamId, { syncState: "failing", syncError: error.message, syncAttempts: attempts, nextSyncAt });
    // LiteLLM unconfigured or unreachable is said once (litellm-notice), not per team and retry.
    logger()[noteLiteLLMFailure(error) ? "debug" : "warn"]({ teamId, type: error.type, attempts, nextSyncAt }, "team sync failed; will retry");
    return { state: "failing", drift };
  }
  // Done up to `version`; a change made meanwhile leaves the team pending for the next run.
  const fresh = await findTeamById(db(), teamId);
  const caughtUp = fresh!.desiredVersion === version;
  await updateTeamRow(db(), teamId, {
    syncedVersion: version,
    syncState: caughtUp ? "in_sync" : "pending",
    syncError: null,
    syncAttempts: 0,
    nextSyncAt: null,
    syncedAt: new Date(),
  });
  if (!caughtUp) await sendJob("sync-team", { teamId, reason: "change" }, { singletonKey: teamId });
  return { state: caughtUp ? "in_sync" : "pending", drift };
}
