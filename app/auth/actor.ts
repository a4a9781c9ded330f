import type { AdminRole } from "../../db/schema/index.ts";
import { AppError } from "~/lib/errors";

/**
 * Who is calling a service, and through which front door. Services decide what the actor may do:
 * `requireRole` for what belongs to no one team (organizations, settings, every team at once),
 * `requireTeamAccess` for anything of one team. docs/decisions/0006-one-read-model.md.
 */
export type Via = "web" | "trpc" | "rest" | "worker" | "system";

/** A signed-in admin account (or an API token acting as its creator). */
export type AdminActor = {
  kind?: "admin";
  userId: string;
  name: string;
  email: string | null;
  role: AdminRole;
  via: Via;
  /** Set when the caller authenticated with an API token: the token acts as its creator (userId), capped at the token's role. */
  apiTokenId?: string;
};

/**
 * A customer: one team, signed in to the portal (reads that team only), or calling the jobs API
 * with the team's own virtual key (`credential: "virtual_key"`: its jobs only, docs/jobs.md).
 */
export type CustomerActor = {
  kind: "customer";
  teamId: string;
  /** How the customer got in; portal sessions leave it out. */
  credential?: "portal" | "virtual_key";
  /** For the audit log: `portal:<team id>` or `portal-link:<link id>`. */
  userId: string;
  name: string;
  via: Via;
};

export type Actor = AdminActor | CustomerActor;

export const isCustomer = (actor: Actor): actor is CustomerActor => actor.kind === "customer";

const RANK: Record<AdminRole, number> = { viewer: 0, admin: 1, owner: 2 };

/** Whether role `have` includes the rights of role `need` (owner > admin > viewer). */
export function roleIncludes(have: AdminRole, need: AdminRole): boolean {
  return RANK[have] >= RANK[need];
}

/** Whether the actor is an admin with at least `role`. A customer holds no admin role. */
export function can(actor: Actor, role: AdminRole): boolean {
  return !isCustomer(actor) && roleIncludes(actor.role, role);
}

/** Throws FORBIDDEN unless the actor is an admin with at least `role`. Viewers are read-only everywhere. */
export function requireRole(actor: Actor, role: AdminRole, action: string): asserts actor is AdminActor {
  if (can(actor, role)) return;
  if (isCustomer(actor)) throw new AppError("FORBIDDEN", `Only your provider's admins can ${action}.`);
  const message =
    actor.role === "viewer"
      ? `Viewers have read-only access, so you cannot ${action}. Ask an owner to give your account the ${role} role.`
      : `Only an ${role} can ${action}. Ask an owner to do it, or to give your account the ${role} role.`;
  throw new AppError("FORBIDDEN", message);
}

/** The message for a team that is not there, and for a team a customer may not see (they must read alike). */
export const noSuchTeam = (teamId: string) => `No team has the id ${teamId}.`;

/**
 * Checks that the actor may act on team `teamId`: an admin with at least `role` (viewer to read),
 * or a customer of that very team reading it. Another team's customer gets NOT_FOUND, worded as
 * for a team that does not exist, so the answer never tells that the team is there.
 */
export function requireTeamAccess(actor: Actor, teamId: string, action: string, role: AdminRole = "viewer"): void {
  if (!isCustomer(actor)) return requireRole(actor, role, action);
  if (actor.teamId !== teamId) throw new AppError("NOT_FOUND", noSuchTeam(teamId));
  if (role !== "viewer") throw new AppError("FORBIDDEN", `Only your provider's admins can ${action}.`);
}
