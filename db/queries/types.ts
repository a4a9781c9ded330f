import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";

/** A database handle or an open transaction: every query function takes one as its first argument. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Db = PgDatabase<PgQueryResultHKT, any, any>;
