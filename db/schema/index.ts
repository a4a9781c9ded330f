export * from "./admin-api-tokens.ts";
export * from "./admin-users.ts";
export * from "./audit-events.ts";
export * from "./model-groups.ts";
export * from "./organizations.ts";
export * from "./teams.ts";
export * from "./worker.ts";
