import { createHash, randomBytes, randomUUID } from "node:crypto";
import { z } from "zod";
import { deletePortalSessionsOfLink, insertPortalLink, listPortalLinksOfTeam, revokePortalLinkRow, type PortalLinkRow } from "../../../db/queries/portal.ts";
import { findTeamById } from "../../../db/queries/teams.ts";
import { noSuchTeam, requireTeamAccess, type Actor } from "~/auth/actor";
import { db, transaction } from "~/lib/db.server";
import { AppError } from "~/lib/errors";
import { parseInput } from "~/lib/validation";
import { recordAudit } from "../audit.server.ts";

/**
 * Portal links (docs/portal.md#portal-links-admins): admins make expiring, revocable, audited links
 * for a team; the URL carries a random token shown once, only its sha256 is stored. Every operation
 * checks `requireTeamAccess` for the link's team.
 */

export const PORTAL_LINK_PREFIX = "slp_";
const EXPIRY_CHOICES = { "1d": 1, "7d": 7, "30d": 30 } as const;
const DAY_MS = 86_400_000;

const sha256 = (value: string) => createHash("sha256").update(value, "utf8").digest("hex");

const teamIdField = z.string({ required_error: "Say which team (team_id)" }).trim().min(1, "Say which team (team_id)");

export const createPortalLinkSchema = z.object({
  team_id: teamIdField,
  expires_in: z.enum(["1d", "7d", "30d"], { errorMap: () => ({ message: "expires_in must be 1d, 7d or 30d" }) }).default("7d"),
  label: z.string({ invalid_type_error: "label must be text" }).trim().max(100, "Use at most 100 characters for the label").default(""),
});
export const listPortalLinksSchema = z.object({ team_id: teamIdField });
export const revokePortalLinkSchema = z.object({
  team_id: teamIdField,
  link_id: z.string({ required_error: "Say which link (link_id)" }).trim().min(1, "Say which link (link_id)"),
});

export const portalLinkSchema = z.object({
  link_id: z.string(),
  team_id: z.string(),
  label: z.string(),
  state: z.enum(["active", "expired", "revoked"]),
  expires_at: z.string(),
  revoked_at: z.string().nullable(),
  created_by: z.string(),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
});
export type PortalLink = z.infer<typeof portalLinkSchema>;

export const createdPortalLinkSchema = portalLinkSchema.extend({
  token: z.string().describe("The link's secret, shown only in this response. Only its hash is kept."),
  path: z.string().describe("Append to this server's address: the link to give the customer, e.g. https://llm.example.com/portal/link/slp_…"),
});
export type CreatedPortalLink = z.infer<typeof createdPortalLinkSchema>;

function linkState(row: PortalLinkRow, now: Date): PortalLink["state"] {
  if (row.revokedAt) return "revoked";
  return row.expiresAt <= now ? "expired" : "active";
}

function linkView(row: PortalLinkRow, now = new Date()): PortalLink {
  return {
    link_id: row.id,
    team_id: row.teamId,
    label: row.label,
    state: linkState(row, now),
    expires_at: row.expiresAt.toISOString(),
    revoked_at: row.revokedAt?.toISOString() ?? null,
    created_by: row.createdBy,
    created_at: row.createdAt.toISOString(),
    last_used_at: row.lastUsedAt?.toISOString() ?? null,
  };
}

/** Makes a portal link for a team (admins and owners). The answer carries the token once. */
export async function createPortalLink(actor: Actor, input: z.input<typeof createPortalLinkSchema>, now = new Date()): Promise<CreatedPortalLink> {
  const values = parseInput(createPortalLinkSchema, input);
  requireTeamAccess(actor, values.team_id, "create portal links", "admin");
  const team = await findTeamById(db(), values.team_id);
  if (!team || team.status === "deleted") throw new AppError("NOT_FOUND", noSuchTeam(values.team_id));
  const token = PORTAL_LINK_PREFIX + randomBytes(32).toString("base64url");
  return transaction(async ({ tx }) => {
    const row = await insertPortalLink(tx, {
      id: randomUUID(),
      teamId: team.id,
      tokenHash: sha256(token),
      label: values.label,
      expiresAt: new Date(now.getTime() + EXPIRY_CHOICES[values.expires_in] * DAY_MS),
      createdBy: actor.userId,
      createdAt: now,
    });
    await recordAudit(tx, actor, "portal-link.create", team.id, { after: { link_id: row.id, label: row.label, expires_at: row.expiresAt.toISOString() } });
    return { ...linkView(row, now), token, path: `/portal/link/${token}` };
  });
}

/** A team's portal links with their state (every admin may read; never the tokens). */
export async function listPortalLinks(actor: Actor, input: z.input<typeof listPortalLinksSchema>, now = new Date()): Promise<PortalLink[]> {
  const { team_id } = parseInput(listPortalLinksSchema, input);
  requireTeamAccess(actor, team_id, "see portal links");
  const team = await findTeamById(db(), team_id);
  if (!team) throw new AppError("NOT_FOUND", noSuchTeam(team_id));
  return (await listPortalLinksOfTeam(db(), team.id)).map((row) => linkView(row, now));
}

/** Revokes a link at once (admins and owners): customers signed in with it are signed out. */
export async function revokePortalLink(actor: Actor, input: z.input<typeof revokePortalLinkSchema>, now = new Date()): Promise<PortalLink> {
  const { team_id, link_id } = parseInput(revokePortalLinkSchema, input);
  requireTeamAccess(actor, team_id, "revoke portal links", "admin");
  return transaction(async ({ tx }) => {
    const row = await revokePortalLinkRow(tx, team_id, link_id, now);
    if (!row) {
      const existing = (await listPortalLinksOfTeam(tx, team_id)).find((l) => l.id === link_id);
      if (!existing) throw new AppError("NOT_FOUND", "This team has no portal link with that id.");
      throw new AppError("CONFLICT", "That portal link is already revoked.");
    }
    await deletePortalSessionsOfLink(tx, row.id);
    await recordAudit(tx, actor, "portal-link.revoke", team_id, { before: { link_id: row.id, label: row.label, revoked_at: null }, after: { revoked_at: now.toISOString() } });
    return linkView(row, now);
  });
}
