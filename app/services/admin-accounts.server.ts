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
import { adminRole } from "../../db/schema/index.ts";
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
  role: z.enum(adminRole.enumValues),
  createdAt: z.date(),
  disabledAt: z.date().nullable(),
});

export type AdminAccount = z.infer<typeof adminAccountSchema>;

export async function listAdminAccounts(actor: Actor): Promise<AdminAccount[]> {
  requireRole(actor, "viewer", "see admin accounts");
  return listAdminUsers(db());
}

/** Owners create named accounts (email + password, role owner / admin / viewer). */
export async function createAdminAccount(actor: Actor, input: unknown): Promise<AdminAccount> {
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
    return { id, email: values.email, name: values.name, role: values.role, createdAt: created!.createdAt, disabledAt: null };
  });
}

/** Owners disable accounts; the account's sessions end at once. The master key cannot be disabled here. */
export async function disableAdminAccount(actor: Actor, input: unknown): Promise<void> {
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
