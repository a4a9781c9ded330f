import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { findLiveKeyByHash, findPortalLinkByHash, findUsableKeyByHash, insertPortalSignInFailure, recentPortalFailures, touchPortalLink } from "../../../db/queries/portal.ts";
import { findTeamById } from "../../../db/queries/teams.ts";
import type { CustomerActor } from "~/auth/actor";
import { customerActor, openPortalSession, type PortalSignIn } from "~/auth/portal-session.server";
import { throttleWrongAttempts, type FailureLog } from "~/auth/throttle.server";
import { db, transaction } from "~/lib/db.server";
import { env } from "~/lib/env.server";
import { AppError } from "~/lib/errors";
import { logger } from "~/lib/logger.server";
import { parseInput } from "~/lib/validation";
import { recordAudit } from "../audit.server.ts";

/**
 * Customers sign in (docs/portal.md#signing-in) with the team's **virtual key** (matched by sha256
 * against the team's live key, compared in constant time) or with a **portal link**. The right key
 * or link always gets in; wrong ones are throttled per client address (app/auth/throttle.server.ts)
 * and never say whether a team exists.
 */

/** Wrong portal keys and links are throttled per client address by the same rule as the admin sign-in. */
export { THROTTLE as PORTAL_THROTTLE } from "~/auth/throttle.server";
const LINK_TOKEN_PATTERN = /^slp_[A-Za-z0-9_-]{43}$/;

/** The one message for every refused key: it never says whether a team or key exists. */
export const WRONG_KEY_MESSAGE =
  "That virtual key does not open a portal. Check that you pasted the whole key (it starts with sk-), or ask your provider for a portal link.";
export const BAD_LINK_MESSAGE =
  "This portal link does not work: it may have expired or been revoked. Ask whoever sent it for a new link, or sign in with your virtual key.";

export const portalKeySignInSchema = z.object({
  key: z.string({ required_error: "Enter your virtual key" }).trim().min(1, "Enter your virtual key").max(500, "That is too long for a virtual key"),
});

const sha256 = (value: string) => createHash("sha256").update(value, "utf8").digest("hex");

/** Constant-time equality of two hex digests. */
function digestsEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, "hex");
  const right = Buffer.from(b, "hex");
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}

function failureLog(clientAddress: string, reason: () => string): FailureLog {
  return {
    recent: (since) => recentPortalFailures(db(), clientAddress, since),
    record: async (at) => {
      await insertPortalSignInFailure(db(), { id: randomUUID(), clientAddress, at });
      logger().info({ clientAddress, reason: reason() }, "portal sign-in refused");
    },
  };
}

const sessionTtlMs = () => env().SESSION_TTL_HOURS * 3_600_000;

export const WRONG_API_KEY_MESSAGE =
  "This virtual key is not one of this server's teams' keys (or its team was deleted). Send a team's current key as Authorization: Bearer sk-…, or an API token (sla_…) for admin calls.";

/**
 * The team behind `Authorization: Bearer sk-…` on the jobs API (docs/jobs.md): its live key, or
 * the key being rotated out while LiteLLM still takes it. Looked up by sha256 and compared in
 * constant time; wrong keys are throttled per client address like the portal's.
 */
export async function authenticateTeamKey(key: string, clientAddress: string, now = new Date()): Promise<Omit<CustomerActor, "via">> {
  const keyHash = sha256(key);
  let reason = "unknown key";
  const found = await throttleWrongAttempts(failureLog(clientAddress, () => reason), { clientAddress, audience: "portal" }, async () => {
    const usable = await findUsableKeyByHash(db(), keyHash);
    if (!usable || !digestsEqual(usable.keyHash, keyHash) || usable.teamStatus === "deleted") {
      if (usable) reason = `team ${usable.teamStatus}`;
      throw new AppError("UNAUTHORIZED", WRONG_API_KEY_MESSAGE);
    }
    return usable;
  }, now);
  return { kind: "customer", credential: "virtual_key", teamId: found.teamId, userId: `key:${found.teamId}`, name: `${found.teamName} (virtual key)` };
}

/** Signs a customer in with the team's virtual key (its live key). The right key always gets in; wrong ones are throttled per client address. */
export async function signInWithVirtualKey(input: unknown, clientAddress: string, now = new Date()): Promise<PortalSignIn> {
  const { key } = parseInput(portalKeySignInSchema, input);
  const keyHash = sha256(key);
  let reason = "unknown key";
  // Looked up by its sha256 (an index lookup leaks nothing about the key), then compared in constant time.
  const found = await throttleWrongAttempts(failureLog(clientAddress, () => reason), { clientAddress, audience: "portal" }, async () => {
    const live = await findLiveKeyByHash(db(), keyHash);
    if (!live || !digestsEqual(live.keyHash, keyHash) || live.teamStatus !== "active") {
      if (live) reason = `team ${live.teamStatus}`;
      throw new AppError("UNAUTHORIZED", WRONG_KEY_MESSAGE, { fieldErrors: { key: ["That key does not open a portal"] } });
    }
    return live;
  }, now);
  const session = await openPortalSession({ teamId: found.teamId, keyHash, expiresAt: new Date(now.getTime() + sessionTtlMs()) }, now);
  await recordAudit(db(), customerActor(found), "portal.sign-in", found.teamId, { method: "virtual-key", client_address: clientAddress });
  return session;
}

/** Signs a customer in with a portal link's token. Unknown, expired and revoked links are refused alike; a good link always gets in. */
export async function signInWithPortalLink(token: string, clientAddress: string, now = new Date()): Promise<PortalSignIn> {
  let reason = "unknown link";
  const link = await throttleWrongAttempts(failureLog(clientAddress, () => reason), { clientAddress, audience: "portal" }, async () => {
    const found = LINK_TOKEN_PATTERN.test(token) ? await findPortalLinkByHash(db(), sha256(token)) : undefined;
    const team = found ? await findTeamById(db(), found.teamId) : undefined;
    if (!found || !team || !digestsEqual(found.tokenHash, sha256(token)) || found.revokedAt || found.expiresAt <= now || team.status !== "active") {
      if (found) reason = `link ${found.revokedAt ? "revoked" : found.expiresAt <= now ? "expired" : "team not active"}`;
      throw new AppError("UNAUTHORIZED", BAD_LINK_MESSAGE);
    }
    return found;
  }, now);
  const expiresAt = new Date(Math.min(now.getTime() + sessionTtlMs(), link.expiresAt.getTime()));
  const session = await openPortalSession({ teamId: link.teamId, linkId: link.id, expiresAt }, now);
  await transaction(async ({ tx }) => {
    await touchPortalLink(tx, link.id, now);
    await recordAudit(tx, { userId: `portal-link:${link.id}`, via: "web" }, "portal-link.use", link.teamId, { link_id: link.id, label: link.label, client_address: clientAddress });
  });
  return session;
}
