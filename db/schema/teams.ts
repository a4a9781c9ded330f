import { sql } from "drizzle-orm";
import { boolean, index, integer, numeric, pgTable, primaryKey, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { modelGroups } from "./model-groups.ts";
import { organizations } from "./organizations.ts";

/**
 * A team: what we want LiteLLM to enforce (models, budget, limits, blocked), and how far LiteLLM
 * has caught up. Every change bumps `desiredVersion`; the worker's sync sets `syncedVersion`
 * once LiteLLM matches. The LiteLLM team id is our team id.
 */
export const teams = pgTable(
  "teams",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    organizationId: text("organization_id")
      .notNull()
      .references(() => organizations.id),
    maxBudget: numeric("max_budget", { precision: 14, scale: 2 }),
    budgetDuration: text("budget_duration"),
    budgetMode: text("budget_mode", { enum: ["hard", "soft"] }).notNull().default("hard"),
    /** Where budget periods are anchored (UTC): the team's creation unless the budget changes. */
    budgetStartsAt: timestamp("budget_starts_at", { withTimezone: true }).notNull().defaultNow(),
    rpmLimit: integer("rpm_limit"),
    /** Whether ingestion makes a job of a spend row whose session id is not yet a job of this team (docs/jobs.md). */
    implicitJobs: boolean("implicit_jobs").notNull().default(false),
    tpmLimit: integer("tpm_limit"),
    status: text("status", { enum: ["active", "suspended", "deleted"] }).notNull().default("active"),
    desiredVersion: integer("desired_version").notNull().default(1),
    syncedVersion: integer("synced_version").notNull().default(0),
    syncState: text("sync_state", { enum: ["pending", "in_sync", "failing"] }).notNull().default("pending"),
    syncError: text("sync_error"),
    syncAttempts: integer("sync_attempts").notNull().default(0),
    nextSyncAt: timestamp("next_sync_at", { withTimezone: true }),
    syncedAt: timestamp("synced_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    deletedAt: timestamp("deleted_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("teams_org_name_unique").on(t.organizationId, sql`lower(${t.name})`).where(sql`${t.status} <> 'deleted'`),
    index("teams_organization_idx").on(t.organizationId),
  ],
);

export const teamModelGroups = pgTable(
  "team_model_groups",
  {
    teamId: text("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    modelGroupId: text("model_group_id")
      .notNull()
      .references(() => modelGroups.id),
  },
  (t) => [primaryKey({ columns: [t.teamId, t.modelGroupId] }), index("team_model_groups_group_idx").on(t.modelGroupId)],
);

/**
 * A team's virtual keys. The secret is chosen by us and stored encrypted (AES-256-GCM, key derived
 * from APP_SECRET) before LiteLLM is asked to create it, so a lost answer or a job run twice never
 * makes a second key. `pending` → `live` once LiteLLM has it; a rotated key goes `retiring` →
 * `revoked`; the hash of every key is kept so spend rows still match after rotation.
 */
export const teamKeys = pgTable(
  "team_keys",
  {
    id: text("id").primaryKey(),
    teamId: text("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    keyHash: text("key_hash").notNull(),
    keyEncrypted: text("key_encrypted").notNull(),
    keyAlias: text("key_alias").notNull(),
    status: text("status", { enum: ["pending", "live", "retiring", "revoked"] }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    liveAt: timestamp("live_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("team_keys_hash_unique").on(t.keyHash),
    index("team_keys_team_idx").on(t.teamId),
    // At most one key a team uses (pending or live) at a time.
    uniqueIndex("team_keys_one_current").on(t.teamId).where(sql`${t.status} in ('pending', 'live')`),
  ],
);
