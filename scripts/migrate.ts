/** Applies database migrations and prepares the job queues. `npm run migrate`; the launcher and Docker's migrate service run it too. */
import { runMigrations } from "../db/migrate.ts";
import { createBoss, prepareQueues } from "~/jobs/boss.server";

export async function migrateAll(databaseUrl: string): Promise<void> {
  await runMigrations(databaseUrl);
  const boss = createBoss(databaseUrl, { max: 2, supervise: false, schedule: false, migrate: true });
  await boss.start();
  try {
    await prepareQueues(boss);
  } finally {
    await boss.stop({ graceful: false, wait: true, close: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { exitOnConfigError, loadDotEnv, parseEnv, rawEnv } = await import("~/lib/env.server");
  loadDotEnv();
  let url: string | undefined;
  try {
    url = parseEnv(rawEnv()).DATABASE_URL;
  } catch (error) {
    exitOnConfigError(error);
  }
  if (!url) {
    process.stderr.write("DATABASE_URL is not set: `npm run migrate` needs the database to migrate (npm start migrates its embedded one itself).\n");
    process.exit(1);
  }
  await migrateAll(url);
  process.stdout.write("migrations applied\n");
}
