import { index, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { adminRole, adminUsers } from "./admin-users.ts";

/**
 * Long-lived credentials for scripts (`Authorization: Bearer sla_…`). Only the SHA-256 of a token is
 * stored; the token itself is shown once, when it is created. A token acts as the admin who created
 * it, with at most that admin's role, and stops working when it is revoked or its creator is disabled.
 */
export const adminApiTokens = pgTable(
  "admin_api_tokens",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    /** sha256 of the whole token, hex. */
    tokenHash: text("token_hash").notNull(),
    /** The token's first characters (`sla_` + 6), so admins can tell tokens apart. */
    prefix: text("prefix").notNull(),
    role: adminRole("role").notNull(),
    createdBy: text("created_by")
      .notNull()
      .references(() => adminUsers.id),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [uniqueIndex("admin_api_tokens_token_hash_unique").on(t.tokenHash), index("admin_api_tokens_created_by_idx").on(t.createdBy)],
);
