import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import {
  deleteExpiredPortalSessions,
  deletePortalSession,
  deletePortalSessionsOfLink,
  findLiveKeyByHash,
  findPortalLinkByHash,
  findValidPortalSession,
  insertPortalLink,
  insertPortalSession,
  insertPortalSignInFailure,
  listPortalLinksOfTeam,
  recentPortalFailures,
  revokePortalLinkRow,
  touchPortalLink,
  type PortalLinkRow,
} from "../../db/queries/portal.ts";
import { findTeamById, keysOfTeam, modelGroupsOfTeams } from "../../db/queries/teams.ts";
import { throttleWrongAttempts, type FailureLog } from "~/auth/throttle.server";
import { decryptSecret } from "~/lib/crypto.server";
import { db, transaction } from "~/lib/db.server";
import { env } from "~/lib/env.server";
import { AppError } from "~/lib/errors";
import { logger } from "~/lib/logger.server";
import { parseInput } from "~/lib/validation";
import { requireRole, type Actor } from "~/auth/actor";
import { listTeamAlerts, type BudgetAlert } from "./alerts.server.ts";
import { recordAudit } from "./audit.server.ts";
import { getTeamBudget, type TeamBudget } from "./budget.server.ts";
import { getRecentRequests, getTeamDailyUsage, getTeamUsage, type TeamUsage } from "./usage.server.ts";

/**
 * The customers' self-service portal (docs/portal.md).
 *
 * - Admins make **portal links** for a team (expiring, revocable, audited); the URL carries a random
 *   token shown once, only its sha256 is stored.
 * - Customers sign in with the team's **virtual key** (matched by sha256 against the team's live
 *   key, compared in constant time) or with a link. The right key or link always gets in; wrong ones
 *   are throttled per client address (app/auth/throttle.server.ts) and never say whether a team exists.
 * - A **portal session** is a random token in an httpOnly cookie scoped to /portal; the database
 *   keeps its sha256. It is checked on every request: it ends when the key it was opened with is
 *   no longer the team's live key (rotated, revoked), the link is revoked or expires, or the team
 *   is suspended or deleted.
 * - What a customer reads is always the session's team: no input names a team.
 */

// ── settings ────────────────────────────────────────────────────────────────────────────────────

/** Wrong portal keys and links are throttled per client address by the same rule as the admin sign-in. */
export { THROTTLE as PORTAL_THROTTLE } from "~/auth/throttle.server";
export const PORTAL_COOKIE = "saas_portal";
export const PORTAL_LINK_PREFIX = "slp_";
const LINK_TOKEN_PATTERN = /^slp_[A-Za-z0-9_-]{43}$/;
const SESSION_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const EXPIRY_CHOICES = { "1d": 1, "7d": 7, "30d": 30 } as const;
const DAY_MS = 86_400_000;

/** The one message for every refused key: it never says whether a team or key exists. */
export const WRONG_KEY_MESSAGE =
  "That virtual key does not open a portal. Check that you pasted the whole key (it starts with sk-), or ask your provider for a portal link.";
export const BAD_LINK_MESSAGE =
  "This portal link does not work: it may have expired or been revoked. Ask whoever sent it for a new link, or sign in with your virtual key.";

const sha256 = (value: string) => createHash("sha256").update(value, "utf8").digest("hex");

/** Constant-time equality of two hex digests. */
function digestsEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, "hex");
  const right = Buffer.from(b, "hex");
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}

// ── admin: portal links ─────────────────────────────────────────────────────────────────────────

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

async function requireLiveTeam(teamId: string) {
  const team = await findTeamById(db(), teamId);
  if (!team || team.status === "deleted") throw new AppError("NOT_FOUND", `No team has the id ${teamId}.`);
  return team;
}

/** Makes a portal link for a team (admins and owners). The answer carries the token once. */
export async function createPortalLink(actor: Actor, input: unknown, now = new Date()): Promise<CreatedPortalLink> {
  requireRole(actor, "admin", "create portal links");
  const values = parseInput(createPortalLinkSchema, input);
  const team = await requireLiveTeam(values.team_id);
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

/** A team's portal links with their state (everyone signed in may read; never the tokens). */
export async function listPortalLinks(actor: Actor, input: unknown, now = new Date()): Promise<PortalLink[]> {
  requireRole(actor, "viewer", "see portal links");
  const { team_id } = parseInput(listPortalLinksSchema, input);
  const team = await findTeamById(db(), team_id);
  if (!team) throw new AppError("NOT_FOUND", `No team has the id ${team_id}.`);
  return (await listPortalLinksOfTeam(db(), team.id)).map((row) => linkView(row, now));
}

/** Revokes a link at once (admins and owners): customers signed in with it are signed out. */
export async function revokePortalLink(actor: Actor, input: unknown, now = new Date()): Promise<PortalLink> {
  requireRole(actor, "admin", "revoke portal links");
  const { team_id, link_id } = parseInput(revokePortalLinkSchema, input);
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

// ── customers: signing in ───────────────────────────────────────────────────────────────────────

export const portalKeySignInSchema = z.object({
  key: z.string({ required_error: "Enter your virtual key" }).trim().min(1, "Enter your virtual key").max(500, "That is too long for a virtual key"),
});

export type PortalSignIn = { token: string; expiresAt: Date; teamId: string };

function failureLog(clientAddress: string, reason: () => string): FailureLog {
  return {
    recent: (since) => recentPortalFailures(db(), clientAddress, since),
    record: async (at) => {
      await insertPortalSignInFailure(db(), { id: randomUUID(), clientAddress, at });
      logger().info({ clientAddress, reason: reason() }, "portal sign-in refused");
    },
  };
}

async function openSession(values: { teamId: string; keyHash?: string; linkId?: string; expiresAt: Date }, now: Date): Promise<PortalSignIn> {
  const token = randomBytes(32).toString("base64url");
  await insertPortalSession(db(), { id: sha256(token), teamId: values.teamId, keyHash: values.keyHash ?? null, linkId: values.linkId ?? null, createdAt: now, expiresAt: values.expiresAt });
  // Now and then, forget sessions that have expired.
  if (Math.random() < 0.05) await deleteExpiredPortalSessions(db(), now).catch(() => undefined);
  return { token, expiresAt: values.expiresAt, teamId: values.teamId };
}

function sessionTtlMs(): number {
  return env().SESSION_TTL_HOURS * 3_600_000;
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
  const session = await openSession({ teamId: found.teamId, keyHash, expiresAt: new Date(now.getTime() + sessionTtlMs()) }, now);
  await recordAudit(db(), { userId: `portal:${found.teamId}`, via: "web" }, "portal.sign-in", found.teamId, { method: "virtual-key", client_address: clientAddress });
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
  const session = await openSession({ teamId: link.teamId, linkId: link.id, expiresAt }, now);
  await transaction(async ({ tx }) => {
    await touchPortalLink(tx, link.id, now);
    await recordAudit(tx, { userId: `portal-link:${link.id}`, via: "web" }, "portal-link.use", link.teamId, { link_id: link.id, label: link.label, client_address: clientAddress });
  });
  return session;
}

// ── customers: sessions ─────────────────────────────────────────────────────────────────────────

/** A signed-in customer: one team, and how they signed in. Nothing here comes from the request but the cookie. */
export type PortalSession = { sessionId: string; teamId: string; method: "virtual-key" | "link"; expiresAt: string };

function cookieValue(cookieHeader: string | null): string | null {
  for (const part of (cookieHeader ?? "").split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === PORTAL_COOKIE) return rest.join("=");
  }
  return null;
}

function cookieAttributes(maxAgeSeconds: number): string {
  return `Path=/portal; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${env().NODE_ENV === "production" ? "; Secure" : ""}`;
}

/** Set-Cookie for a new session (httpOnly, SameSite=Lax, only sent to /portal). */
export function portalSessionCookie(session: PortalSignIn, now = new Date()): string {
  const maxAge = Math.max(1, Math.floor((session.expiresAt.getTime() - now.getTime()) / 1000));
  return `${PORTAL_COOKIE}=${session.token}; ${cookieAttributes(maxAge)}`;
}

/** Set-Cookie that removes the portal cookie. */
export function clearPortalCookie(): string {
  return `${PORTAL_COOKIE}=; ${cookieAttributes(0)}`;
}

/**
 * The customer behind a request's cookie, checked now against the session, its key or link, and its
 * team; `clearCookie` when the browser holds a cookie that no longer opens anything (tampered,
 * expired, key rotated, link revoked, team suspended).
 */
export async function readPortalSession(cookieHeader: string | null, now = new Date()): Promise<{ session: PortalSession | null; clearCookie?: string }> {
  const token = cookieValue(cookieHeader);
  if (token === null) return { session: null };
  if (!SESSION_TOKEN_PATTERN.test(token)) return { session: null, clearCookie: clearPortalCookie() };
  const id = sha256(token);
  const row = await findValidPortalSession(db(), id, now);
  if (!row) {
    await deletePortalSession(db(), id);
    return { session: null, clearCookie: clearPortalCookie() };
  }
  return { session: { sessionId: row.id, teamId: row.teamId, method: row.linkId ? "link" : "virtual-key", expiresAt: row.expiresAt.toISOString() } };
}

export async function endPortalSession(sessionId: string): Promise<string> {
  await deletePortalSession(db(), sessionId);
  return clearPortalCookie();
}

// ── customers: what they see ────────────────────────────────────────────────────────────────────

/**
 * Reads through the usage, budget and alert services as a read-only actor confined to the
 * session's team: the team id always comes from the session, never from the request.
 */
function customerActor(session: PortalSession): Actor {
  return { userId: `portal:${session.teamId}`, name: "Customer portal", email: null, role: "viewer", via: "web" };
}

export const portalWindowSchema = z.object({
  from: z.string().trim().optional(),
  to: z.string().trim().optional(),
});

export type PortalOverview = {
  team: { name: string; rpm_limit: number | null; tpm_limit: number | null; budget_mode: "hard" | "soft" };
  signed_in_with: PortalSession["method"];
  session_expires_at: string;
  budget: TeamBudget;
  usage: Omit<TeamUsage, "team_id" | "organization_id">;
  /** Spend and requests per UTC day (all models summed), and per day and model. */
  days: Array<{ day: string; spend: number; requests: number; failed_requests: number; total_tokens: number }>;
  models_used: Array<{ model: string; cost: number; requests: number; failed_requests: number; total_tokens: number; avg_latency_ms: number | null }>;
  recent: Array<{ request_id: string; start_time: string; model: string | null; status: string; total_tokens: number; spend: number; latency_ms: number | null; end_user: string | null }>;
  model_groups: Array<{ name: string; models: string[] }>;
  models: string[];
  alerts: BudgetAlert[];
  api: { endpoint: string; key_masked: string | null; curl: string | null };
  /** A refused window (bad from/to): the default window is shown instead. */
  window_error: string | null;
};

async function maskedLiveKey(teamId: string): Promise<string | null> {
  const live = (await keysOfTeam(db(), teamId)).find((k) => k.status === "live");
  if (!live) return null;
  try {
    return `sk-…${decryptSecret(live.keyEncrypted).slice(-4)}`;
  } catch {
    return "sk-…";
  }
}

function curlExample(endpoint: string, maskedKey: string, model: string): string {
  return [
    `curl ${endpoint.replace(/\/+$/, "")}/chat/completions \\`,
    `  -H "Authorization: Bearer ${maskedKey}" \\`,
    `  -H "Content-Type: application/json" \\`,
    `  -d '{"model": "${model}", "messages": [{"role": "user", "content": "Hello!"}]}'`,
  ].join("\n");
}

/** Everything the portal page shows, for the session's team only. `window` is the optional ?from=&to=. */
export async function getPortalOverview(session: PortalSession, window: unknown = {}, now = new Date()): Promise<PortalOverview> {
  const actor = customerActor(session);
  const team = await findTeamById(db(), session.teamId);
  if (!team || team.status !== "active") throw new AppError("UNAUTHORIZED", "Your portal session has ended. Sign in again.");
  const parsed = portalWindowSchema.safeParse(window ?? {});
  let range = parsed.success ? { from: parsed.data.from || undefined, to: parsed.data.to || undefined } : {};
  let windowError: string | null = null;
  // The budget does not depend on the window: read it alongside the usage.
  const budgetNow = getTeamBudget(team.id, now);
  budgetNow.catch(() => undefined);
  let usage: TeamUsage;
  try {
    usage = await getTeamUsage(actor, { team_id: team.id, ...range }, now);
  } catch (error) {
    if (!(error instanceof AppError) || error.code !== "BAD_REQUEST") throw error;
    windowError = error.userMessage;
    range = {};
    usage = await getTeamUsage(actor, { team_id: team.id }, now);
  }
  const [budget, daily, recent, groups, alerts, keyMasked] = await Promise.all([
    budgetNow,
    getTeamDailyUsage(actor, { team_id: team.id, from: usage.from, to: usage.to }, now),
    getRecentRequests(actor, { team_id: team.id, limit: 50 }),
    modelGroupsOfTeams(db(), [team.id]),
    listTeamAlerts(actor, { team_id: team.id }),
    maskedLiveKey(team.id),
  ]);
  const byDay = new Map<string, PortalOverview["days"][number]>();
  for (const row of daily.days) {
    const day = byDay.get(row.day) ?? { day: row.day, spend: 0, requests: 0, failed_requests: 0, total_tokens: 0 };
    day.spend = Math.round((day.spend + row.spend) * 1e10) / 1e10;
    day.requests += row.requests;
    day.failed_requests += row.failed_requests;
    day.total_tokens += row.total_tokens;
    byDay.set(row.day, day);
  }
  // Every day of the window, with 0 for days without usage (so gaps show in the chart).
  const lastDay = new Date(new Date(usage.to).getTime() - 1).toISOString().slice(0, 10);
  for (let t = Date.parse(`${usage.from.slice(0, 10)}T00:00:00Z`), n = 0; n < 400; t += DAY_MS, n++) {
    const day = new Date(t).toISOString().slice(0, 10);
    if (day > lastDay) break;
    if (!byDay.has(day)) byDay.set(day, { day, spend: 0, requests: 0, failed_requests: 0, total_tokens: 0 });
  }
  const models = [...new Set(groups.flatMap((g) => g.models))].sort();
  const endpoint = env().LITELLM_PROXY_URL;
  const { team_id: _t, organization_id: _o, ...usageView } = usage;
  return {
    team: { name: team.name, rpm_limit: team.rpmLimit, tpm_limit: team.tpmLimit, budget_mode: team.budgetMode },
    signed_in_with: session.method,
    session_expires_at: session.expiresAt,
    budget,
    usage: usageView,
    days: [...byDay.values()].sort((a, b) => a.day.localeCompare(b.day)),
    models_used: Object.entries(usage.models_used)
      .map(([model, m]) => ({ model: model || "(unknown)", cost: m.cost, requests: m.requests, failed_requests: m.failed_requests, total_tokens: m.total_tokens, avg_latency_ms: m.avg_latency_ms }))
      .sort((a, b) => b.cost - a.cost || b.requests - a.requests),
    recent: recent.requests.map((r) => ({
      request_id: r.request_id,
      start_time: r.start_time,
      model: r.model_group ?? r.model,
      status: r.status,
      total_tokens: r.total_tokens,
      spend: r.spend,
      latency_ms: r.latency_ms,
      end_user: r.end_user,
    })),
    model_groups: groups.map((g) => ({ name: g.name, models: g.models })),
    models,
    alerts: alerts.alerts.slice(0, 20),
    api: { endpoint, key_masked: keyMasked, curl: keyMasked ? curlExample(endpoint, keyMasked, models[0] ?? "gpt-3.5-turbo") : null },
    window_error: windowError,
  };
}

export const portalCsvSchema = z.object({
  table: z.enum(["days", "models", "requests"], { errorMap: () => ({ message: "table must be days, models or requests" }) }),
  from: z.string().trim().optional(),
  to: z.string().trim().optional(),
});

/** A portal table as CSV rows (header first), for the session's team only. */
export async function portalUsageTable(session: PortalSession, input: unknown, now = new Date()): Promise<{ table: "days" | "models" | "requests"; teamName: string; header: string[]; rows: Array<Array<string | number | null>> }> {
  const values = parseInput(portalCsvSchema, input);
  const actor = customerActor(session);
  const team = await findTeamById(db(), session.teamId);
  if (!team || team.status !== "active") throw new AppError("UNAUTHORIZED", "Your portal session has ended. Sign in again.");
  const range = { from: values.from || undefined, to: values.to || undefined };
  if (values.table === "requests") {
    const recent = await getRecentRequests(actor, { team_id: team.id, limit: 500 });
    return {
      table: values.table,
      teamName: team.name,
      header: ["start_time", "request_id", "model", "status", "prompt_tokens", "completion_tokens", "total_tokens", "spend_usd", "latency_ms", "end_user"],
      rows: recent.requests.map((r) => [r.start_time, r.request_id, r.model_group ?? r.model, r.status, r.prompt_tokens, r.completion_tokens, r.total_tokens, r.spend, r.latency_ms, r.end_user]),
    };
  }
  if (values.table === "days") {
    const daily = await getTeamDailyUsage(actor, { team_id: team.id, ...range }, now);
    return {
      table: values.table,
      teamName: team.name,
      header: ["day", "model", "spend_usd", "requests", "failed_requests", "prompt_tokens", "completion_tokens", "total_tokens", "avg_latency_ms"],
      rows: daily.days.map((d) => [d.day, d.model_group, d.spend, d.requests, d.failed_requests, d.prompt_tokens, d.completion_tokens, d.total_tokens, d.avg_latency_ms]),
    };
  }
  const usage = await getTeamUsage(actor, { team_id: team.id, ...range }, now);
  return {
    table: values.table,
    teamName: team.name,
    header: ["model", "spend_usd", "requests", "failed_requests", "error_rate", "prompt_tokens", "completion_tokens", "total_tokens", "avg_latency_ms"],
    rows: Object.entries(usage.models_used).map(([model, m]) => [model, m.cost, m.requests, m.failed_requests, m.error_rate, m.prompt_tokens, m.completion_tokens, m.total_tokens, m.avg_latency_ms]),
  };
}
