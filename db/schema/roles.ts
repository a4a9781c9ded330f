/** The admin roles, widest first. Apart from the table (no drizzle import), so browser code may read them too. */
export const ADMIN_ROLES = ["owner", "admin", "viewer"] as const;

/** A job's states (db/schema/jobs.ts): open while pending (no call yet) or running; closed once completed, failed or abandoned. */
export const JOB_STATUSES = ["pending", "running", "completed", "failed", "abandoned"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** Kinds of price-list version (docs/billing.md); client-safe, like the roles. */
export const PRICE_LIST_KINDS = ["markup", "per_model", "inherit"] as const;
export type PriceListKind = (typeof PRICE_LIST_KINDS)[number];
