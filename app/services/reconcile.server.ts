import {
  creditsAddedInOpenPeriods,
  deletedTeamsAmong,
  keysOfTeamsInSync,
  modelGroupsOfTeamsInSync,
  teamsToCompare,
} from "../../db/queries/reconcile.ts";
import { teamsDueForSync, teamsWithEndedPeriod } from "../../db/queries/teams.ts";
import { litellm } from "~/integrations/litellm/client.server";
import { isLiteLLMError } from "~/integrations/litellm/errors";
import type { LiteLLMKey, LiteLLMTeam } from "~/integrations/litellm/schemas";
import { sendJob } from "~/jobs/boss.server";
import { db } from "~/lib/db.server";
import { logger } from "~/lib/logger.server";
import { money } from "~/lib/money";
import { maxBudgetOf } from "./budget.server.ts";
import { pricingOfTeams } from "./price-lists.server.ts";
import { reverifyModelGroups } from "./model-groups.server.ts";
import { desiredState, teamDrift } from "./team-sync.server.ts";
import { noteLiteLLMFailure } from "./litellm-notice.server.ts";
import { desiredModels } from "./teams.server.ts";

/**
 * The scheduled reconcile (every minute, one at a time across workers). It reads what LiteLLM holds
 * from its paged lists (/v2/team/list and /key/list, 100 rows a page, their maximum) and what we
 * hold from four bulk statements, compares them in memory, and sends a `sync-team` job only for a
 * team that differs, is missing, has a key deleted, moved or blocked in LiteLLM, or is due (a retry
 * whose time has come, a period that ended). The sync job repairs and audits, as for any change.
 * At 10,000 teams that is about 200 LiteLLM calls a cycle instead of 20,000 (bench/reconcile.ts).
 */

/** Why a team is sent a sync: what the comparison found. */
export type DriftReason = "missing" | "drift" | "key" | "budget-period" | "deleted";

export type ReconcileResult = {
  /** Teams whose sync was due (retries, ended periods). */
  retried: number;
  /** In-sync teams compared with LiteLLM. */
  checked: number;
  /** Teams sent a sync because LiteLLM differs, by reason. */
  found: Partial<Record<DriftReason, number>>;
  /** LiteLLM list pages read. */
  pages: number;
  /** False when LiteLLM could not be listed (nothing was compared; the next cycle tries again). */
  compared: boolean;
};

async function collect<T>(pages: AsyncGenerator<T[]>): Promise<{ rows: T[]; pages: number }> {
  const rows: T[] = [];
  let count = 0;
  for await (const page of pages) {
    count++;
    for (const row of page) rows.push(row);
  }
  return { rows, pages: count };
}

/** Every in-sync team whose LiteLLM side differs from ours, with the first reason found, and the pages read. */
export async function findDrift(): Promise<{ drifted: Map<string, DriftReason>; checked: number; pages: number }> {
  const client = litellm();
  // LiteLLM's lists and our side at once. A change committed between the two reads shows as a
  // difference and costs one needless sync, which finds nothing and records nothing.
  const [remoteTeams, remoteKeys, ours, credits, groups, keys] = await Promise.all([
    collect(client.allTeams()),
    collect(client.allKeys()),
    teamsToCompare(db()),
    creditsAddedInOpenPeriods(db()),
    modelGroupsOfTeamsInSync(db()),
    keysOfTeamsInSync(db()),
  ]);
  const teamsById = new Map<string, LiteLLMTeam>(remoteTeams.rows.map((t) => [t.team_id, t]));
  // Teams on a price list: LiteLLM's limit follows their billed spend (synced after each ingestion run,
  // docs/budgets.md), so it is not recomputed here; only a missing limit is drift.
  const pricing = await pricingOfTeams(
    db(),
    ours.map((o) => o.team),
  );
  const keysByHash = new Map<string, LiteLLMKey>(remoteKeys.rows.map((k) => [k.token, k]));
  const groupsByTeam = new Map<string, Array<{ models: string[] }>>();
  for (const g of groups) groupsByTeam.set(g.teamId, [...(groupsByTeam.get(g.teamId) ?? []), g]);
  const keysByTeam = new Map<string, typeof keys>();
  for (const k of keys) keysByTeam.set(k.teamId, [...(keysByTeam.get(k.teamId) ?? []), k]);

  const drifted = new Map<string, DriftReason>();
  for (const { team, litellmOrganizationId, period } of ours) {
    const remote = teamsById.get(team.id);
    if (!remote) {
      drifted.set(team.id, "missing");
      continue;
    }
    const hard = team.budgetMode === "hard" && team.maxBudget !== null;
    if (hard && !period) {
      // No open period yet: the sync opens one at LiteLLM's spend.
      drifted.set(team.id, "budget-period");
      continue;
    }
    const priced = (pricing.get(team.id)?.source ?? "none") !== "none";
    const maxBudget = hard && period ? (priced ? (remote.max_budget ?? -1) : maxBudgetOf(period, money(credits.get(period.id) ?? "0"))) : null;
    const desired = desiredState(team, desiredModels(groupsByTeam.get(team.id) ?? []), litellmOrganizationId, maxBudget);
    if (Object.keys(teamDrift(remote, desired)).length) {
      drifted.set(team.id, "drift");
      continue;
    }
    const teamKeys = keysByTeam.get(team.id) ?? [];
    const keyDrift =
      !teamKeys.some((k) => k.status === "live") ||
      teamKeys.some((k) => {
        if (k.status !== "live") return true; // pending or retiring: work left for the sync
        const remoteKey = keysByHash.get(k.keyHash);
        return !remoteKey || remoteKey.team_id !== team.id || remoteKey.blocked === true;
      });
    if (keyDrift) drifted.set(team.id, "key");
  }
  // Our teams deleted here that LiteLLM still holds (a removal that never reached it).
  for (const { id } of await deletedTeamsAmong(db(), [...teamsById.keys()])) drifted.set(id, "deleted");
  return { drifted, checked: ours.length, pages: remoteTeams.pages + remoteKeys.pages };
}

/**
 * One reconcile cycle: re-sends syncs that are due (teams waiting for LiteLLM to come back, with
 * backoff, and teams whose budget period has ended: a missed rollover job is caught here), sends a
 * sync to each team findDrift names, and re-checks model groups saved while LiteLLM was unreachable.
 */
export async function reconcile(now = new Date()): Promise<ReconcileResult> {
  const due = new Set([...(await teamsDueForSync(db(), now)), ...(await teamsWithEndedPeriod(db(), now))].map((t) => t.id));
  // Below the default priority (0): an admin's change to a team is never queued behind the routine checks.
  for (const id of due) await sendJob("sync-team", { teamId: id, reason: "retry" }, { singletonKey: id, priority: -1 });
  const result: ReconcileResult = { retried: due.size, checked: 0, found: {}, pages: 0, compared: false };
  try {
    const { drifted, checked, pages } = await findDrift();
    Object.assign(result, { checked, pages, compared: true });
    for (const [id, reason] of drifted) {
      result.found[reason] = (result.found[reason] ?? 0) + 1;
      if (!due.has(id)) await sendJob("sync-team", { teamId: id, reason: "reconcile" }, { singletonKey: id, priority: -2 });
    }
    if (drifted.size) logger().info({ found: result.found, checked }, "reconcile found teams that differ in LiteLLM; syncing them");
  } catch (error) {
    if (!isLiteLLMError(error)) throw error;
    // LiteLLM unconfigured or unreachable is said once (litellm-notice); anything else every cycle.
    const said = noteLiteLLMFailure(error);
    logger()[said ? "debug" : "warn"]({ type: error.type, err: error.message }, "could not list LiteLLM's teams and keys; the drift check waits for the next cycle");
  }
  await reverifyModelGroups().catch((error: unknown) => logger().warn({ err: error }, "could not re-verify model groups"));
  return result;
}
