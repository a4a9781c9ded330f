import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import type { Db } from "../../db/queries/types.ts";
import * as schema from "../../db/schema/index.ts";
import { env } from "./env.server.ts";

export type Database = PostgresJsDatabase<typeof schema>;

type Handle = { db: Database; client: postgres.Sql };

// Kept on globalThis so `remix dev` rebuilds reuse the pool instead of leaking one per rebuild.
const holder = globalThis as unknown as { __saasDb?: Handle };

export function createDatabase(url: string, options: { max?: number } = {}): Handle {
  const client = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    connect_timeout: 5,
    idle_timeout: 30,
    connection: { application_name: "saas-litellm" },
  });
  return { db: drizzle(client, { schema }), client };
}

export function db(): Database {
  holder.__saasDb ??= createDatabase(env().DATABASE_URL);
  return holder.__saasDb.db;
}

export async function closeDatabase(): Promise<void> {
  const handle = holder.__saasDb;
  holder.__saasDb = undefined;
  await handle?.client.end({ timeout: 3 });
}

/** What a transaction hands its callback (an object, so more can be added without touching callers). */
export type Transaction = { tx: Db };

/** Runs fn in one transaction; jobs sent with `{ tx }` commit or roll back with the rows. */
export async function transaction<T>(fn: (t: Transaction) => Promise<T>): Promise<T> {
  return db().transaction((tx) => fn({ tx }));
}

/** The raw client, for health checks. */
export function sqlClient(): postgres.Sql {
  db();
  return holder.__saasDb!.client;
}
