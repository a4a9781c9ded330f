/**
 * Every call into lucia lives in this file (lucia v3 is frozen upstream; replacing it later
 * touches only here). Sessions are rows in admin_sessions; the cookie is httpOnly and SameSite=Lax.
 */
import { DrizzlePostgreSQLAdapter } from "@lucia-auth/adapter-drizzle";
import { Lucia, TimeSpan, verifyRequestOrigin } from "lucia";
import { adminSessions, adminUsers, type AdminRole } from "../../db/schema/index.ts";
import { db } from "~/lib/db.server";
import { env } from "~/lib/env.server";

export const SESSION_COOKIE = "saas_session";

function createLucia() {
  const settings = env();
  return new Lucia(new DrizzlePostgreSQLAdapter(db(), adminSessions, adminUsers), {
    sessionExpiresIn: new TimeSpan(settings.SESSION_TTL_HOURS * 60, "m"),
    sessionCookie: {
      name: SESSION_COOKIE,
      expires: true,
      attributes: { secure: settings.NODE_ENV === "production", sameSite: "lax", path: "/" },
    },
    getUserAttributes: (attributes) => ({
      email: attributes.email,
      name: attributes.name,
      role: attributes.role,
      disabledAt: attributes.disabledAt,
    }),
  });
}

type LuciaInstance = ReturnType<typeof createLucia>;
let instance: LuciaInstance | undefined;
function lucia(): LuciaInstance {
  instance ??= createLucia();
  return instance;
}

declare module "lucia" {
  interface Register {
    Lucia: LuciaInstance;
    DatabaseUserAttributes: {
      email: string | null;
      name: string;
      role: AdminRole;
      disabledAt: Date | null;
    };
  }
}

export type SessionUser = { id: string; email: string | null; name: string; role: AdminRole };
export type ValidatedSession = { user: SessionUser; sessionId: string; setCookie?: string };

/** Starts a session for the user and returns the Set-Cookie header value. */
export async function startSession(userId: string): Promise<string> {
  const session = await lucia().createSession(userId, {});
  return lucia().createSessionCookie(session.id).serialize();
}

/** Reads the session cookie; returns the user (with a refreshed cookie when it was extended) or a cookie that clears a stale one. */
export async function readSession(cookieHeader: string | null): Promise<ValidatedSession | { clearCookie?: string }> {
  const sessionId = lucia().readSessionCookie(cookieHeader ?? "");
  if (!sessionId) return {};
  const { session, user } = await lucia().validateSession(sessionId);
  if (!session || !user || user.disabledAt) {
    if (session) await lucia().invalidateSession(session.id);
    return { clearCookie: lucia().createBlankSessionCookie().serialize() };
  }
  return {
    user: { id: user.id, email: user.email, name: user.name, role: user.role },
    sessionId: session.id,
    setCookie: session.fresh ? lucia().createSessionCookie(session.id).serialize() : undefined,
  };
}

/** Ends the session and returns the Set-Cookie header that removes it from the browser. */
export async function endSession(sessionId: string): Promise<string> {
  await lucia().invalidateSession(sessionId);
  return lucia().createBlankSessionCookie().serialize();
}

export async function endAllSessions(userId: string): Promise<void> {
  await lucia().invalidateUserSessions(userId);
}

export function blankSessionCookie(): string {
  return lucia().createBlankSessionCookie().serialize();
}

/** True when a state-changing request comes from our own origin (protection against cross-site form posts). */
export function isSameOrigin(origin: string | null, host: string | null): boolean {
  if (!origin || !host) return false;
  return verifyRequestOrigin(origin, [host]);
}
