import { sql } from "drizzle-orm";
import { index, integer, numeric, pgTable, primaryKey, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { organizations } from "./organizations.ts";
import { teams } from "./teams.ts";

/**
 * What a customer pays (docs/billing.md). A price list belongs to an organization (`team_id` null:
 * every team of it) or to one team (its own list, which wins over the organization's from its
 * effective time). A change is a new version, effective now or later, never earlier: history is never
 * rewritten, so every stored billed amount can be traced to the version that priced it.
 *
 * - `markup`: billed = cost × (1 + markup_percent / 100).
 * - `per_model`: billed = input tokens × input price / 1M + output tokens × output price / 1M for a
 *   model it lists (by LiteLLM model name, the spend row's model group); a model it does not list is
 *   billed at cost × (1 + fallback_markup_percent / 100), or at cost without a fallback.
 * - `inherit` (team lists only): the team goes back to its organization's list.
 */
import { PRICE_LIST_KINDS } from "./roles.ts";

export { PRICE_LIST_KINDS, type PriceListKind } from "./roles.ts";

export const priceListVersions = pgTable(
  "price_list_versions",
  {
    id: text("id").primaryKey(),
    organizationId: text("organization_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    /** Null: the organization's list. Otherwise the team's own. */
    teamId: text("team_id").references(() => teams.id, { onDelete: "cascade" }),
    /** 1, 2, 3 … per list (organization, or organization and team). */
    version: integer("version").notNull(),
    kind: text("kind", { enum: PRICE_LIST_KINDS }).notNull(),
    markupPercent: numeric("markup_percent", { precision: 12, scale: 4 }),
    fallbackMarkupPercent: numeric("fallback_markup_percent", { precision: 12, scale: 4 }),
    effectiveAt: timestamp("effective_at", { withTimezone: true }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    createdBy: text("created_by").notNull(),
    note: text("note"),
  },
  (t) => [
    uniqueIndex("price_list_versions_list_version_unique").on(t.organizationId, sql`coalesce(${t.teamId}, '')`, t.version),
    index("price_list_versions_org_idx").on(t.organizationId, t.effectiveAt),
    index("price_list_versions_team_idx").on(t.teamId, t.effectiveAt).where(sql`${t.teamId} is not null`),
  ],
);

/** The per-model prices of a `per_model` version: USD per 1,000,000 tokens, exact decimals. */
export const priceListModelPrices = pgTable(
  "price_list_model_prices",
  {
    versionId: text("version_id")
      .notNull()
      .references(() => priceListVersions.id, { onDelete: "cascade" }),
    model: text("model").notNull(),
    inputPerMillion: numeric("input_per_million", { precision: 14, scale: 4 }).notNull(),
    outputPerMillion: numeric("output_per_million", { precision: 14, scale: 4 }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.versionId, t.model] })],
);

/** The operator's own details, printed on statements (one row, id 'operator'). */
export const operatorSettings = pgTable("operator_settings", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  /** Address, tax number, contact: free text, printed under the name. */
  details: text("details"),
  /** The logo as base64 (PNG or JPEG, at most 256 KB). */
  logoBase64: text("logo_base64"),
  logoMime: text("logo_mime", { enum: ["image/png", "image/jpeg"] }),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});
