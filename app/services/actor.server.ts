import type { AdminRole } from "../../db/schema/index.ts";
import { AppError } from "~/lib/errors";

/** Who is calling a service, and through which front door. Services decide what the actor may do. */
export type Actor = {
  userId: string;
  name: string;
  email: string | null;
  role: AdminRole;
  via: "web" | "trpc" | "rest" | "worker" | "system";
  /** Set when the caller authenticated with an API token: the token acts as its creator (userId), capped at the token's role. */
  apiTokenId?: string;
};

const RANK: Record<AdminRole, number> = { viewer: 0, admin: 1, owner: 2 };

/** Whether role `have` includes the rights of role `need` (owner > admin > viewer). */
export function roleIncludes(have: AdminRole, need: AdminRole): boolean {
  return RANK[have] >= RANK[need];
}

export function can(actor: Actor, role: AdminRole): boolean {
  return roleIncludes(actor.role, role);
}

/** Throws FORBIDDEN unless the actor has at least `role`. Viewers are read-only everywhere. */
export function requireRole(actor: Actor, role: AdminRole, action: string): void {
  if (can(actor, role)) return;
  const message =
    actor.role === "viewer"
      ? `Viewers have read-only access, so you cannot ${action}. Ask an owner to give your account the ${role} role.`
      : `Only an ${role} can ${action}. Ask an owner to do it, or to give your account the ${role} role.`;
  throw new AppError("FORBIDDEN", message);
}
