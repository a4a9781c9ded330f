/**
 * Who is calling (CONTRACT §0 "Authentication"), and the route context handlers receive.
 *
 * Access levels: `public` (no key), `admin` (master key only), `self` (master key, or a virtual key
 * reading its own key or team), `llm` (any live key: models lists), `chat` (any key; the chat
 * handler runs the remaining checks of CONTRACT §2 in their documented order).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { proxyException, type Reply } from "./errors.ts";
import { abbreviateKey, maskSecret, maskUserId } from "./python.ts";
import { hashToken, type DoubleState } from "./state.ts";
import type { KeyRow } from "./types.ts";

export type Access = "public" | "admin" | "self" | "llm" | "chat";

export type Caller = { kind: "public" } | { kind: "master" } | { kind: "key"; key: KeyRow; rawKey: string };

export type RouteContext = {
  state: DoubleState;
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  /** Parsed JSON body; undefined when empty. */
  body: unknown;
  /** Set when the body was not valid JSON. */
  bodyInvalid: boolean;
  caller: Caller;
  headers: IncomingHttpHeaders;
};

export type Route = {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  path: string | RegExp;
  access: Access;
  handler: (ctx: RouteContext) => Reply | Promise<Reply>;
};

const authError = (message: string) => proxyException(401, message, "auth_error", "None");

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function stripBearer(value: string): string | null {
  if (value.startsWith("Bearer ") || value.startsWith("bearer ")) return value.slice(7).trim();
  return null;
}

/** `x-litellm-api-key` (bare or with `Bearer `) supersedes `Authorization: Bearer <key>`. */
function presentedKey(headers: IncomingHttpHeaders): string {
  const custom = header(headers, "x-litellm-api-key");
  if (custom) return stripBearer(custom) ?? custom.trim();
  const authorization = header(headers, "authorization");
  if (!authorization) throw authError("Authentication Error, No api key passed in.");
  const key = stripBearer(authorization);
  if (!key) throw authError("Authentication Error, Malformed API Key passed in. Ensure Key has `Bearer ` prefix.");
  return key;
}

/** `secrets.compare_digest`: constant time, over digests so lengths always match. */
export function isMasterKey(state: DoubleState, key: string): boolean {
  const a = createHash("sha256").update(key, "utf8").digest();
  const b = createHash("sha256").update(state.masterKey, "utf8").digest();
  return timingSafeEqual(a, b);
}

export function invalidTokenError(rawKey: string): ReturnType<typeof proxyException> {
  return proxyException(
    401,
    `Authentication Error, Invalid proxy server token passed. Received API Key = ${abbreviateKey(rawKey)}, Key Hash (Token) =${hashToken(rawKey)}. Unable to find token in cache or \`LiteLLM_VerificationTokenTable\``,
    "token_not_found_in_db",
    "key",
  );
}

export function expiryCheck(state: DoubleState, key: KeyRow, rawKey: string): void {
  if (!state.isExpired(key)) return;
  throw proxyException(
    401,
    `Authentication Error - Expired Key. Key Expiry time ${key.expires} and current time ${state.nowIso()}`,
    "expired_key",
    abbreviateKey(rawKey),
  );
}

/** route_checks: a virtual key on an admin route. */
export function adminOnlyError(key: KeyRow, path: string): ReturnType<typeof proxyException> {
  const role = key.user_id ? "internal_user" : "None";
  const userId = key.user_id ? maskUserId(key.user_id) : "None";
  return authError(
    `Authentication Error, Only proxy admin can be used to generate, delete, update info for new keys/users/teams. Route=${path}. Your role=${role}. Your user_id=${userId}`,
  );
}

/** Steps 1–2 of CONTRACT §2 for every authenticated route (lookup, blocked); `admin`/`self`/`llm` add expiry. */
export function authenticate(state: DoubleState, headers: IncomingHttpHeaders, access: Access, path: string): Caller {
  if (access === "public") return { kind: "public" };
  const rawKey = presentedKey(headers);
  if (isMasterKey(state, rawKey)) return { kind: "master" };
  if (!rawKey.startsWith("sk-")) {
    throw authError(`LiteLLM Virtual Key expected. Received=${maskSecret(rawKey)}, expected to start with 'sk-'.`);
  }
  const key = state.findKey(rawKey);
  if (!key) throw invalidTokenError(rawKey);
  if (key.blocked) throw authError("Authentication Error, Key is blocked. Update via `/key/unblock` if you're an admin.");
  if (access === "chat") return { kind: "key", key, rawKey };
  expiryCheck(state, key, rawKey);
  if (access === "admin") throw adminOnlyError(key, path);
  return { kind: "key", key, rawKey };
}
