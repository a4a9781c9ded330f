import { findOrganizationById, type OrganizationRow } from "../../../db/queries/organizations.ts";
import { findTeamById, type TeamRow } from "../../../db/queries/teams.ts";
import { db } from "~/lib/db.server";
import { AppError } from "~/lib/errors";
import { noSuchTeam, requireRole, requireTeamAccess, type Actor } from "~/auth/actor";
import { ingestionStatus } from "../usage-ingestion.server.ts";

/** What every usage read starts with: who may read, the team or organization read, and how far ingestion has read. */

/**
 * The team `id` if the actor may read its usage (an admin, or that team's customer); another
 * team's customer gets the NOT_FOUND of a missing team. Deleted teams keep their history, so they are read too.
 */
export async function requireTeam(actor: Actor, id: string, action = "see usage"): Promise<TeamRow> {
  requireTeamAccess(actor, id, action);
  const team = await findTeamById(db(), id);
  if (!team) throw new AppError("NOT_FOUND", noSuchTeam(id));
  return team;
}

/** The organization `id`, for admins (viewers included); customers are refused. */
export async function requireOrganization(actor: Actor, id: string, action = "see usage"): Promise<OrganizationRow> {
  requireRole(actor, "viewer", action);
  const org = await findOrganizationById(db(), id);
  if (!org) throw new AppError("NOT_FOUND", `No organization has the id ${id}.`);
  return org;
}

export type Ingestion = { until: string | null; last_error: string | null };

/** Ingestion has read LiteLLM's spend logs up to `until` (LiteLLM may still add rows from the last few minutes). */
export async function ingestedUntil(): Promise<Ingestion> {
  const s = await ingestionStatus();
  return { until: s.windowStart?.toISOString() ?? null, last_error: s.lastError };
}
