import { sql } from "drizzle-orm";
import { index, pgEnum, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { ADMIN_ROLES } from "./roles.ts";

export const adminRole = pgEnum("admin_role", ADMIN_ROLES);
export type AdminRole = (typeof adminRole.enumValues)[number];

/**
 * People who may use the admin panel. The row with id `master` stands for whoever signs in
 * with MASTER_KEY (an owner); the others are named accounts with an email and a password.
 */
export const adminUsers = pgTable(
  "admin_users",
  {
    id: text("id").primaryKey(),
    email: text("email"),
    name: text("name").notNull(),
    role: adminRole("role").notNull(),
    passwordHash: text("password_hash"),
    createdBy: text("created_by"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    disabledAt: timestamp("disabled_at", { withTimezone: true }),
  },
  (t) => [uniqueIndex("admin_users_email_unique").on(sql`lower(${t.email})`)],
);

/** Lucia sessions (one row per signed-in browser). */
export const adminSessions = pgTable(
  "admin_sessions",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => adminUsers.id, { onDelete: "cascade" }),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }).notNull(),
  },
  (t) => [index("admin_sessions_user_id_idx").on(t.userId)],
);

/**
 * Every sign-in attempt and every refused API credential, kept for throttling (per client address,
 * and per named account from one address) and audit. `npm run admin -- unlock` sets `cleared_at` on
 * failures instead of deleting them: cleared rows stay for audit and no longer count.
 */
export const signInAttempts = pgTable(
  "sign_in_attempts",
  {
    id: text("id").primaryKey(),
    account: text("account").notNull(),
    clientAddress: text("client_address").notNull(),
    succeeded: text("succeeded", { enum: ["yes", "no"] }).notNull(),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
    clearedAt: timestamp("cleared_at", { withTimezone: true }),
  },
  (t) => [index("sign_in_attempts_account_at_idx").on(t.account, t.at), index("sign_in_attempts_client_at_idx").on(t.clientAddress, t.at)],
);
