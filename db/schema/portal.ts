import { sql } from "drizzle-orm";
import { check, index, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { teams } from "./teams.ts";

/**
 * The customers' self-service portal (docs/portal.md). A portal link is made by an admin for one
 * team: the URL carries a random token shown once; only its sha256 is stored. It works until it
 * expires or is revoked.
 */
export const portalLinks = pgTable(
  "portal_links",
  {
    id: text("id").primaryKey(),
    teamId: text("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    /** sha256 (hex) of the token in the link; the token itself is never stored. */
    tokenHash: text("token_hash").notNull(),
    label: text("label").notNull().default(""),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    /** The admin account that made it. */
    createdBy: text("created_by").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
  },
  (t) => [uniqueIndex("portal_links_token_hash_unique").on(t.tokenHash), index("portal_links_team_idx").on(t.teamId, t.createdAt)],
);

/**
 * A signed-in customer's browser. The id is the sha256 of the random token in the cookie. A
 * session was opened either with the team's virtual key (`keyHash`) or with a portal link
 * (`linkId`); it ends when that key is no longer the team's live key, the link is revoked or
 * expires, the team is suspended or deleted, or `expiresAt` passes. Checked on every request.
 */
export const portalSessions = pgTable(
  "portal_sessions",
  {
    id: text("id").primaryKey(),
    teamId: text("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    keyHash: text("key_hash"),
    linkId: text("link_id").references(() => portalLinks.id, { onDelete: "cascade" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  },
  (t) => [
    index("portal_sessions_team_idx").on(t.teamId),
    check("portal_sessions_one_credential", sql`(${t.keyHash} is null) <> (${t.linkId} is null)`),
  ],
);

/** Failed portal sign-ins (wrong keys, unknown links), kept for throttling per client address; `npm run admin -- unlock` sets `cleared_at`. */
export const portalSignInFailures = pgTable(
  "portal_sign_in_failures",
  {
    id: text("id").primaryKey(),
    clientAddress: text("client_address").notNull(),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
    clearedAt: timestamp("cleared_at", { withTimezone: true }),
  },
  (t) => [index("portal_sign_in_failures_client_at_idx").on(t.clientAddress, t.at)],
);
