import { and, eq, inArray, isNull, ne, sql } from "drizzle-orm";
import { budgetPeriods, ledgerEntries, modelGroups, organizations, teamKeys, teamModelGroups, teams } from "../schema/index.ts";
import type { Db } from "./types.ts";

/**
 * The reconcile's bulk reads (app/services/reconcile.server.ts): everything it needs to work out
 * what LiteLLM should hold for every in-sync team, in four statements whatever the number of teams.
 */

const inSync = and(eq(teams.syncState, "in_sync"), ne(teams.status, "deleted"));

/** In-sync teams with their organization's LiteLLM id and their open budget period, if any. */
export async function teamsToCompare(db: Db) {
  return db
    .select({ team: teams, litellmOrganizationId: organizations.litellmOrganizationId, period: budgetPeriods })
    .from(teams)
    .innerJoin(organizations, eq(organizations.id, teams.organizationId))
    .leftJoin(budgetPeriods, and(eq(budgetPeriods.teamId, teams.id), isNull(budgetPeriods.closedAt)))
    .where(inSync);
}

/** Credits and adjustments added during each open period of an in-sync team, by period id (exact decimal strings). */
export async function creditsAddedInOpenPeriods(db: Db): Promise<Map<string, string>> {
  const rows = await db
    .select({ periodId: budgetPeriods.id, total: sql<string>`sum(${ledgerEntries.amount})::text` })
    .from(ledgerEntries)
    .innerJoin(budgetPeriods, and(eq(budgetPeriods.id, ledgerEntries.periodId), isNull(budgetPeriods.closedAt)))
    .innerJoin(teams, eq(teams.id, budgetPeriods.teamId))
    .where(and(inSync, inArray(ledgerEntries.kind, ["credit", "adjustment"])))
    .groupBy(budgetPeriods.id);
  return new Map(rows.map((r) => [r.periodId, r.total]));
}

/** The model groups of every in-sync team. */
export async function modelGroupsOfTeamsInSync(db: Db) {
  return db
    .select({ teamId: teamModelGroups.teamId, models: modelGroups.models })
    .from(teamModelGroups)
    .innerJoin(modelGroups, eq(modelGroups.id, teamModelGroups.modelGroupId))
    .innerJoin(teams, eq(teams.id, teamModelGroups.teamId))
    .where(inSync);
}

/** The keys of every in-sync team that LiteLLM should hold or is about to lose (not revoked). */
export async function keysOfTeamsInSync(db: Db) {
  return db
    .select({ teamId: teamKeys.teamId, keyHash: teamKeys.keyHash, status: teamKeys.status })
    .from(teamKeys)
    .innerJoin(teams, eq(teams.id, teamKeys.teamId))
    .where(and(inSync, ne(teamKeys.status, "revoked")));
}

/** Of these LiteLLM team ids, the ones that are our teams, deleted here (LiteLLM should not hold them). */
export async function deletedTeamsAmong(db: Db, ids: string[]) {
  const found: Array<{ id: string }> = [];
  // In chunks: a statement takes at most 65,535 parameters, and LiteLLM may hold teams that are not ours.
  for (let i = 0; i < ids.length; i += 5000) {
    found.push(...(await db.select({ id: teams.id }).from(teams).where(and(eq(teams.status, "deleted"), inArray(teams.id, ids.slice(i, i + 5000))))));
  }
  return found;
}
