/** The admin roles, widest first. Apart from the table (no drizzle import), so browser code may read them too. */
export const ADMIN_ROLES = ["owner", "admin", "viewer"] as const;
