import PgBoss from "pg-boss";
import { sql } from "drizzle-orm";
import type { Db } from "../../db/queries/types.ts";
import { env } from "~/lib/env.server";
import { logger } from "~/lib/logger.server";
import { JOB_NAMES, jobs, type JobName, type JobPayload } from "./definitions.ts";

const holder = globalThis as unknown as { __saasBoss?: Promise<PgBoss> };

export function createBoss(databaseUrl: string, options: Partial<PgBoss.ConstructorOptions> = {}): PgBoss {
  const boss = new PgBoss({ connectionString: databaseUrl, application_name: "saas-litellm-jobs", max: 3, ...options });
  boss.on("error", (error) => logger().error({ err: error }, "job queue error"));
  return boss;
}

/** Creates pg-boss's schema (if new) and every queue. Run by migrations and by the worker at start. */
export async function prepareQueues(boss: PgBoss): Promise<void> {
  for (const name of JOB_NAMES) {
    if (!(await boss.getQueue(name))) await boss.createQueue(name, { name, ...jobs[name].options });
  }
}

/** The web process's sender: no maintenance, no schedules (the worker does those). */
export function boss(): Promise<PgBoss> {
  holder.__saasBoss ??= (async () => {
    const instance = createBoss(env().DATABASE_URL, { supervise: false, schedule: false, migrate: false });
    await instance.start();
    return instance;
  })();
  return holder.__saasBoss;
}

export async function closeBoss(): Promise<void> {
  const pending = holder.__saasBoss;
  holder.__saasBoss = undefined;
  if (pending) await (await pending).stop({ graceful: false, wait: true, close: true });
}

// postgres.js does not serialize plain objects as JSON on its own; pg-boss passes the payload as one.
function toParam(value: unknown): unknown {
  if (value === undefined) return null;
  if (value && typeof value === "object" && !(value instanceof Date) && !Buffer.isBuffer(value)) return JSON.stringify(value);
  return value;
}

/** pg-boss's `db` option over an open drizzle transaction: the job commits or rolls back with it. */
export function jobDb(tx: Db): PgBoss.Db {
  return {
    async executeSql(text, values = []) {
      // pg-boss writes $1, $2, …; rebuild the statement with drizzle parameters in their place.
      const chunks = text.split(/\$(\d+)/);
      const query = sql.join(chunks.map((chunk, i) => (i % 2 === 0 ? sql.raw(chunk) : sql.param(toParam(values[Number(chunk) - 1])))));
      const rows = await tx.execute(query);
      return { rows: Array.from(rows as Iterable<unknown>) };
    },
  };
}

/** Sends a job after validating its payload; pass the transaction to enqueue atomically with its rows. */
export async function sendJob<N extends JobName>(
  name: N,
  payload: JobPayload<N>,
  options: { tx?: Db } & PgBoss.SendOptions = {},
): Promise<string | null> {
  const data = jobs[name].schema.parse(payload);
  const { tx, ...sendOptions } = options;
  const instance = await boss();
  return instance.send(name, data, { ...sendOptions, ...(tx ? { db: jobDb(tx) } : {}) });
}
