import { randomUUID } from "node:crypto";
import { z } from "zod";
import { insertAuditEvent } from "../../db/queries/audit.ts";
import {
  MASTER_USER_ID,
  countActiveOwners,
  disableAdminUser,
  findAdminUserById,
  insertAdminUser,
  listAdminUsers,
} from "../../db/queries/admin-users.ts";
import { ADMIN_ROLES } from "../../db/schema/roles.ts";
import { endAllSessions } from "~/auth/lucia.server";
import { hashPassword } from "~/auth/password.server";
import { db, transaction } from "~/lib/db.server";
import { AppError } from "~/lib/errors";
import { parseInput } from "~/lib/validation";
import { requireRole, type Actor } from "~/auth/actor";
import { createAdminAccountSchema, disableAdminAccountSchema } from "./admin-accounts.schema.ts";

export { createAdminAccountSchema, disableAdminAccountSchema };

/** An admin account as the API shows it (never the password hash). */
export const adminAccountSchema = z.object({
  id: z.string(),
  email: z.string().nullable().describe("null for the master key's account"),
  name: z.string(),
  role: z.enum(ADMIN_ROLES),
  created_at: z.string().describe("ISO 8601"),
  disabled_at: z.string().nullable().describe("ISO 8601; null while the account works"),
});

export type AdminAccount = z.infer<typeof adminAccountSchema>;

function view(row: { id: string; email: string | null; name: string; role: AdminAccount["role"]; createdAt: Date; disabledAt: Date | null }): AdminAccount {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    created_at: row.createdAt.toISOString(),
    disabled_at: row.disabledAt?.toISOString() ?? null,
  };
}

export async function listAdminAccounts(actor: Actor): Promise<AdminAccount[]> {
  requireRole(actor, "viewer", "see admin accounts");
  return (await listAdminUsers(db())).map(view);
}

/** Owners create named accounts (email + password, role owner / admin / viewer). */
export async function createAdminAccount(actor: Actor, input: z.input<typeof createAdminAccountSchema>): Promise<AdminAccount> {
  requireRole(actor, "owner", "create admin accounts");
  const values = parseInput(createAdminAccountSchema, input);
  const passwordHash = await hashPassword(values.password);
  const id = randomUUID();
  return transaction(async ({ tx }) => {
    const inserted = await insertAdminUser(tx, {
      id,
      email: values.email,
      name: values.name,
      role: values.role,
      passwordHash,
      createdBy: actor.userId,
    }).catch((error: unknown) => {
      if ((error as { code?: string }).code === "23505") return undefined;
      throw error;
    });
    if (!inserted) {
      throw new AppError("CONFLICT", `An account with the email ${values.email} already exists.`, {
        fieldErrors: { email: ["An account with this email already exists"] },
      });
    }
    await insertAuditEvent(tx, {
      actorId: actor.userId,
      action: "admin-account.create",
      target: id,
      via: actor.via,
      details: { email: values.email, role: values.role },
    });
    const created = await findAdminUserById(tx, id);
    return view(created!);
  });
}

/** Owners disable accounts; the account's sessions end at once. The master key cannot be disabled here. */
export async function disableAdminAccount(actor: Actor, input: z.input<typeof disableAdminAccountSchema>): Promise<void> {
  requireRole(actor, "owner", "disable admin accounts");
  const { id } = parseInput(disableAdminAccountSchema, input);
  if (id === MASTER_USER_ID) {
    throw new AppError("BAD_REQUEST", "The master key account cannot be disabled; change MASTER_KEY to revoke it.");
  }
  if (id === actor.userId) throw new AppError("BAD_REQUEST", "You cannot disable your own account.");
  await transaction(async ({ tx }) => {
    const target = await findAdminUserById(tx, id);
    if (!target) throw new AppError("NOT_FOUND", "No admin account has that id.");
    if (target.role === "owner" && (await countActiveOwners(tx)) <= 1) {
      throw new AppError("CONFLICT", "This is the last owner account; make another owner first.");
    }
    if (!(await disableAdminUser(tx, id, new Date()))) throw new AppError("CONFLICT", "That account is already disabled.");
    await insertAuditEvent(tx, { actorId: actor.userId, action: "admin-account.disable", target: id, via: actor.via });
  });
  await endAllSessions(id);
}
