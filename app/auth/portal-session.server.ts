import { createHash, randomBytes } from "node:crypto";
import { createCookie, type Cookie } from "@remix-run/node";
import { deleteExpiredPortalSessions, deletePortalSession, findValidPortalSession, insertPortalSession } from "../../db/queries/portal.ts";
import { db } from "~/lib/db.server";
import { env } from "~/lib/env.server";
import type { CustomerActor } from "./actor.ts";

/**
 * Customer portal sessions (docs/portal.md#sessions): a random 256-bit token in the cookie
 * `saas_portal`, made with Remix `createCookie` (httpOnly, SameSite=Lax, only sent to /portal,
 * Secure in production, signed with APP_SECRET). The database keeps only the token's sha256, and
 * every request checks the row again: the session ends as soon as the key it was opened with is no
 * longer the team's live key, its link is revoked or expired, or the team is suspended or deleted.
 */

export const PORTAL_COOKIE = "saas_portal";
const SESSION_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** A signed-in customer: one team, and how they signed in. Nothing here comes from the request but the cookie. */
export type PortalSession = { sessionId: string; teamId: string; method: "virtual-key" | "link"; expiresAt: string };

/** A session just opened: the token goes into the cookie, never anywhere else. */
export type PortalSignIn = { token: string; expiresAt: Date; teamId: string };

const sha256 = (value: string) => createHash("sha256").update(value, "utf8").digest("hex");

let made: { key: string; cookie: Cookie } | undefined;

/** The cookie, made once per APP_SECRET and NODE_ENV (tests may change them). */
function portalCookie(): Cookie {
  const { APP_SECRET, NODE_ENV } = env();
  const key = `${NODE_ENV}\0${APP_SECRET}`;
  if (made?.key !== key) {
    made = { key, cookie: createCookie(PORTAL_COOKIE, { httpOnly: true, sameSite: "lax", path: "/portal", secure: NODE_ENV === "production", secrets: [APP_SECRET] }) };
  }
  return made.cookie;
}

/** Whether the request carries a portal cookie at all (valid or not). */
function hasPortalCookie(cookieHeader: string | null): boolean {
  return (cookieHeader ?? "").split(";").some((part) => part.trim().startsWith(`${PORTAL_COOKIE}=`));
}

/** The customer a portal session acts as: its team only, read-only (app/auth/actor.ts). */
export function customerActor(session: Pick<PortalSession, "teamId">): CustomerActor {
  return { kind: "customer", teamId: session.teamId, userId: `portal:${session.teamId}`, name: "Customer portal", via: "web" };
}

/** Stores a new session (its hash) for a team, opened with a key (its hash) or a link. */
export async function openPortalSession(values: { teamId: string; keyHash?: string; linkId?: string; expiresAt: Date }, now = new Date()): Promise<PortalSignIn> {
  const token = randomBytes(32).toString("base64url");
  await insertPortalSession(db(), { id: sha256(token), teamId: values.teamId, keyHash: values.keyHash ?? null, linkId: values.linkId ?? null, createdAt: now, expiresAt: values.expiresAt });
  // Now and then, forget sessions that have expired.
  if (Math.random() < 0.05) await deleteExpiredPortalSessions(db(), now).catch(() => undefined);
  return { token, expiresAt: values.expiresAt, teamId: values.teamId };
}

/** Set-Cookie for a new session: lives as long as the session, never longer. */
export async function portalSessionCookie(session: PortalSignIn, now = new Date()): Promise<string> {
  const maxAge = Math.max(1, Math.floor((session.expiresAt.getTime() - now.getTime()) / 1000));
  return portalCookie().serialize(session.token, { maxAge });
}

/** Set-Cookie that removes the portal cookie. */
export async function clearPortalCookie(): Promise<string> {
  return portalCookie().serialize("", { maxAge: 0 });
}

/**
 * The customer behind a request's cookie, checked now against the session, its key or link, and its
 * team; `clearCookie` when the browser holds a cookie that no longer opens anything (tampered,
 * expired, key rotated, link revoked, team suspended).
 */
export async function readPortalSession(cookieHeader: string | null, now = new Date()): Promise<{ session: PortalSession | null; clearCookie?: string }> {
  if (!hasPortalCookie(cookieHeader)) return { session: null };
  // A bad signature (or any other alteration) reads as null.
  const token: unknown = await portalCookie().parse(cookieHeader);
  if (typeof token !== "string" || !SESSION_TOKEN_PATTERN.test(token)) return { session: null, clearCookie: await clearPortalCookie() };
  const id = sha256(token);
  const row = await findValidPortalSession(db(), id, now);
  if (!row) {
    await deletePortalSession(db(), id);
    return { session: null, clearCookie: await clearPortalCookie() };
  }
  return { session: { sessionId: row.id, teamId: row.teamId, method: row.linkId ? "link" : "virtual-key", expiresAt: row.expiresAt.toISOString() } };
}

/** Signs out: deletes the session; the answer is the Set-Cookie that clears the browser's cookie. */
export async function endPortalSession(sessionId: string): Promise<string> {
  await deletePortalSession(db(), sessionId);
  return clearPortalCookie();
}
