/**
 * The usage read model: a team's, an organization's and everyone's usage over a window, as the REST
 * API, the admin dashboards, their CSV exports and the portal read it. Import from here only.
 */
export * from "./team.server.ts";
export * from "./dashboards.server.ts";
