/**
 * The customers' self-service portal (docs/portal.md), in app/services/portal/: links.server.ts
 * (admins' portal links), sign-in.server.ts (virtual key and link sign-in), overview.server.ts (what
 * the customer sees); sessions in app/auth/portal-session.server.ts. This file only gathers them.
 */
export * from "./portal/links.server.ts";
export * from "./portal/sign-in.server.ts";
export * from "./portal/overview.server.ts";
export { PORTAL_COOKIE, clearPortalCookie, endPortalSession, portalSessionCookie, readPortalSession, type PortalSession, type PortalSignIn } from "~/auth/portal-session.server";
