import { createHash, randomBytes, randomUUID } from "node:crypto";
import { z } from "zod";
import {
  findApiTokenByHash,
  findApiTokenById,
  insertApiToken,
  listApiTokens as listApiTokenRows,
  revokeApiTokenRow,
  touchApiToken,
} from "../../db/queries/admin-api-tokens.ts";
import { MASTER_USER_ID, ensureMasterUser } from "../../db/queries/admin-users.ts";
import { insertAuditEvent } from "../../db/queries/audit.ts";
import { ADMIN_ROLES } from "../../db/schema/roles.ts";
import type { AdminRole } from "../../db/schema/index.ts";
import { db, transaction } from "~/lib/db.server";
import { AppError } from "~/lib/errors";
import { parseInput } from "~/lib/validation";
import { can, requireRole, roleIncludes, type Actor, type AdminActor } from "~/auth/actor";
import { verifyApiCredential } from "./sign-in.server.ts";
import { createApiTokenSchema, revokeApiTokenSchema } from "./api-tokens.schema.ts";

/**
 * Admin API tokens: long-lived credentials for scripts, sent as `Authorization: Bearer sla_…` to REST
 * and tRPC. A token acts as the admin who created it, with the role chosen at creation, never more
 * than the creator's own role (checked again on every use). Admins and owners create and revoke
 * tokens; viewers only see the list. The token is returned once; only its SHA-256 is stored.
 */

export const API_TOKEN_PREFIX = "sla_";
const TOKEN_PATTERN = /^sla_[A-Za-z0-9_-]{32}$/;
/** How many characters of a token are kept in clear, to tell tokens apart: `sla_` + 6. */
const DISPLAY_PREFIX_LENGTH = 10;
/** last_used_at is written at most this often per token. */
const TOUCH_INTERVAL_MS = 60_000;

export { createApiTokenSchema, revokeApiTokenSchema };

export const apiTokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string().describe("The token's first characters, to tell tokens apart"),
  role: z.enum(ADMIN_ROLES),
  created_by: z.string().describe("Id of the admin account that created the token; the token acts as this account"),
  created_by_name: z.string(),
  created_at: z.string().describe("ISO 8601"),
  last_used_at: z.string().nullable().describe("ISO 8601, updated at most once a minute"),
  revoked_at: z.string().nullable().describe("ISO 8601"),
});

export const createdApiTokenSchema = apiTokenSchema.extend({
  token: z.string().describe("The token itself, shown only in this response: store it now. Only its hash is kept."),
});

export type ApiToken = z.infer<typeof apiTokenSchema>;
export type CreatedApiToken = z.infer<typeof createdApiTokenSchema>;

type ApiTokenRow = NonNullable<Awaited<ReturnType<typeof findApiTokenById>>>;

function view(row: ApiTokenRow): ApiToken {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    role: row.role,
    created_by: row.createdBy,
    created_by_name: row.createdByName,
    created_at: row.createdAt.toISOString(),
    last_used_at: row.lastUsedAt?.toISOString() ?? null,
    revoked_at: row.revokedAt?.toISOString() ?? null,
  };
}

function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export async function listApiTokens(actor: Actor): Promise<ApiToken[]> {
  requireRole(actor, "viewer", "see API tokens");
  return (await listApiTokenRows(db())).map(view);
}

/** Creates a token for the actor (admins and owners), with at most the actor's role. The result carries the token once. */
export async function createApiToken(actor: Actor, input: z.input<typeof createApiTokenSchema>): Promise<CreatedApiToken> {
  requireRole(actor, "admin", "create API tokens");
  if (actor.apiTokenId) {
    // Otherwise a leaked token could mint a successor, and revoking it would not end the access.
    throw new AppError("FORBIDDEN", "An API token cannot create API tokens. Create it under Settings → API tokens, or with X-Admin-Key.");
  }
  const values = parseInput(createApiTokenSchema, input);
  if (!can(actor, values.role)) {
    throw new AppError("FORBIDDEN", `A token cannot have more rights than you: your role is ${actor.role}, so choose ${allowedRoles(actor.role).join(" or ")}.`, {
      fieldErrors: { role: [`Choose ${allowedRoles(actor.role).join(" or ")}: a token cannot have more rights than you`] },
    });
  }
  const token = API_TOKEN_PREFIX + randomBytes(24).toString("base64url");
  const id = randomUUID();
  return transaction(async ({ tx }) => {
    if (actor.userId === MASTER_USER_ID) await ensureMasterUser(tx);
    await insertApiToken(tx, { id, name: values.name, tokenHash: hashToken(token), prefix: token.slice(0, DISPLAY_PREFIX_LENGTH), role: values.role, createdBy: actor.userId });
    await insertAuditEvent(tx, { actorId: actor.userId, action: "api-token.create", target: id, via: actor.via, details: { name: values.name, role: values.role } });
    const created = await findApiTokenById(tx, id);
    return { ...view(created!), token };
  });
}

/** Revokes a token at once (admins; owner tokens only by owners). */
export async function revokeApiToken(actor: Actor, input: z.input<typeof revokeApiTokenSchema>): Promise<ApiToken> {
  requireRole(actor, "admin", "revoke API tokens");
  const { id } = parseInput(revokeApiTokenSchema, input);
  return transaction(async ({ tx }) => {
    const target = await findApiTokenById(tx, id);
    if (!target) throw new AppError("NOT_FOUND", "No API token has that id.");
    if (!can(actor, target.role)) throw new AppError("FORBIDDEN", `Only an ${target.role} can revoke an ${target.role} token. Ask an owner to revoke it.`);
    if (!(await revokeApiTokenRow(tx, id, new Date()))) throw new AppError("CONFLICT", "That API token is already revoked.");
    await insertAuditEvent(tx, {
      actorId: actor.userId,
      action: "api-token.revoke",
      target: id,
      via: actor.via,
      details: { name: target.name, ...(actor.apiTokenId ? { withApiToken: actor.apiTokenId } : {}) },
    });
    return view((await findApiTokenById(tx, id))!);
  });
}

/**
 * Who a bearer token acts as: its creator, with the lower of the token's and the creator's role.
 * Unknown, revoked and malformed tokens are UNAUTHORIZED and count against the caller's address
 * (verifyApiCredential), like wrong X-Admin-Keys. Lookup is by SHA-256, so no comparison of secrets leaks timing.
 */
export async function authenticateApiToken(token: string, clientAddress: string, now = new Date()): Promise<Omit<AdminActor, "via">> {
  return verifyApiCredential(
    "api:bearer-token",
    clientAddress,
    async () => {
      if (!TOKEN_PATTERN.test(token)) {
        throw new AppError(
          "UNAUTHORIZED",
          "The Authorization header does not hold an API token of this server. API tokens look like sla_… and are created under Settings → API tokens; send the master key as X-Admin-Key instead.",
        );
      }
      const found = await findApiTokenByHash(db(), hashToken(token));
      if (!found) {
        throw new AppError("UNAUTHORIZED", "This API token is not known to this server. Check that you copied all of it, or create a new one under Settings → API tokens.");
      }
      const { token: row, creator } = found;
      if (row.revokedAt) {
        throw new AppError("UNAUTHORIZED", `This API token ("${row.name}") was revoked on ${row.revokedAt.toISOString()}. Create a new one under Settings → API tokens.`);
      }
      if (creator.disabledAt) {
        throw new AppError("UNAUTHORIZED", `This API token ("${row.name}") stopped working when the account that created it was disabled. Ask an admin for a new token.`);
      }
      if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= TOUCH_INTERVAL_MS) {
        await touchApiToken(db(), row.id, now, new Date(now.getTime() - TOUCH_INTERVAL_MS));
      }
      const role = roleIncludes(creator.role, row.role) ? row.role : creator.role;
      return { userId: creator.id, name: `${creator.name} (API token "${row.name}")`, email: creator.email, role, apiTokenId: row.id };
    },
    now,
  );
}

function allowedRoles(role: AdminRole): AdminRole[] {
  return ADMIN_ROLES.filter((r) => roleIncludes(role, r));
}
