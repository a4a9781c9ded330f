import { isSameOrigin } from "./lucia.server.ts";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Protection against cross-site form posts: a state-changing request that carries an Origin (every
 * browser sends one on POST) must come from this site. Requests without an Origin and without our
 * session cookies (admin or portal) (curl, scripts with X-Admin-Key) are not browser form posts and pass.
 */
export function isCrossSiteWrite(input: { method: string; origin: string | null; host: string | null; cookie: string | null }): boolean {
  if (SAFE_METHODS.has(input.method.toUpperCase())) return false;
  if (input.origin) return !isSameOrigin(input.origin, input.host);
  return /(?:^|;\s*)(?:saas_session|saas_portal)=/.test(input.cookie ?? "");
}
