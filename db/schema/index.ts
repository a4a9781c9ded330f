export * from "./admin-users.ts";
export * from "./audit-events.ts";
export * from "./worker.ts";
