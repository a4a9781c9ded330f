/** Client-safe constants of the Teams list (the browser cannot load team-list.server.ts). */
export const TEAM_STATES = ["active", "near budget", "over budget", "refused", "suspended", "sync failing"] as const;
export const TEAM_PAGE_SIZES = [25, 50, 100] as const;
