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
  const { settingsOrExit } = await import("~/lib/env.server");
  const url = settingsOrExit().DATABASE_URL;
  if (!url) {
    process.stderr.write("DATABASE_URL is not set: `npm run migrate` needs the database to migrate (npm start migrates its embedded one itself).\n");
    process.exit(1);
  }
  await migrateAll(url);
  process.stdout.write("migrations applied\n");
}
