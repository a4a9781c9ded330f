/**
 * `npm start` (and `npm run dev` with --dev): the one-command local start.
 * 1. validates the settings (.env, then the environment), generating local secrets when none are given;
 * 2. without DATABASE_URL, starts an embedded PostgreSQL with its data under .data/pg;
 * 3. applies migrations, then runs the web server and the worker as two child processes;
 * 4. prints how to sign in once the web server answers on its port;
 * 5. on Ctrl-C, SIGTERM, SIGHUP or its parent (npm) going away stops the children, then Postgres, and exits.
 */
import path from "node:path";
import { isPortFree, type EmbeddedDatabase } from "../db/embedded-postgres.ts";
import { rawEnv, settingsOrExit, type Env } from "~/lib/env.server";
import { createSupervisor, spawnWebAndWorker, startLocalPostgres, stopPostgres, waitForOk } from "./local-stack.ts";
import { listenProblem } from "./listeners.ts";
import { loadOrCreateLocalSecrets } from "./local-secrets.ts";
import { migrateAll } from "./migrate.ts";

const dev = process.argv.includes("--dev");
// If whoever reads our output goes away first (a closed pipe), keep stopping cleanly rather than crash.
process.stdout.on("error", () => {});
const say = (line: string) => process.stdout.write(`[start] ${line}\n`);

const settings: Env = settingsOrExit();

const childEnv: Record<string, string> = {};
let embedded: EmbeddedDatabase | undefined;
const supervisor = createSupervisor(say);
supervisor.afterChildren(async () => {
  if (embedded) await stopPostgres(embedded, say);
});
supervisor.handleSignals();
const stopAll = supervisor.stopAll;

try {
  if (!settings.MASTER_KEY || !settings.APP_SECRET) {
    // NODE_ENV=production never gets here: parseEnv refuses to start without both.
    const { secrets, file, created } = loadOrCreateLocalSecrets(settings.DATA_DIR);
    if (!settings.MASTER_KEY) childEnv.MASTER_KEY = secrets.MASTER_KEY;
    if (!settings.APP_SECRET) childEnv.APP_SECRET = secrets.APP_SECRET;
    if (created) {
      say(`generated local secrets in ${file} (readable by you only)`);
      if (!settings.MASTER_KEY) say(`your MASTER_KEY is: ${secrets.MASTER_KEY}   (shown once; it stays in ${file})`);
    }
  }

  // Before anything starts: a taken port is said plainly, never after a banner.
  if (!(await isPortFree(settings.PORT, settings.HOST))) {
    throw new Error(`PORT ${settings.PORT} is already in use: is another \`npm start\` running? Stop it, or set PORT to a free port (for example PORT=3001).`);
  }

  if (settings.API_PORT && !(await isPortFree(settings.API_PORT, settings.HOST))) {
    throw new Error(listenProblem("API_PORT", settings.API_PORT, { code: "EADDRINUSE" } as NodeJS.ErrnoException));
  }

  let databaseUrl = settings.DATABASE_URL;
  if (!databaseUrl) {
    const local = await startLocalPostgres({
      dataDir: path.join(settings.DATA_DIR, "pg"),
      port: settings.PG_PORT,
      say,
      portInUseHint: "is another `npm start` running? Stop it, or set PG_PORT to a free port.",
    });
    embedded = local.embedded;
    databaseUrl = local.url;
  } else {
    say(`using the PostgreSQL at DATABASE_URL (${new URL(databaseUrl).host})`);
  }
  childEnv.DATABASE_URL = databaseUrl;

  say("applying migrations");
  await migrateAll(databaseUrl);

  const env = { ...rawEnv(), ...childEnv } as NodeJS.ProcessEnv;
  const { web, worker } = spawnWebAndWorker(env, { dev });
  // In dev the web child leads its own process group (remix dev + its app server): signal the group.
  supervisor.watch("web server", web, { group: dev });
  supervisor.watch("worker", worker);

  const url = `http://localhost:${settings.PORT}`;
  await waitForOk(`${url}/healthz`, { timeoutMs: 60_000, cancelled: () => supervisor.stopping, what: "the web server" });
  if (!supervisor.stopping) {
    const where = settings.MASTER_KEY ? "the MASTER_KEY you set" : `the MASTER_KEY in ${path.join(settings.DATA_DIR, "secrets.json")}`;
    say("");
    say(`SaaS LiteLLM is running at ${url}`);
    say(`sign in at ${url}/signin with ${where}`);
    if (settings.API_PORT) say(`the API (REST, tRPC, /api/openapi.json) also answers at http://localhost:${settings.API_PORT}/api`);
    else if (settings.API_PORT === 0) say("the API also answers on a free port: the web server's log line says which");
    say("stop with Ctrl-C");
    say("");
  }
} catch (error) {
  say(`could not start: ${error instanceof Error ? error.message : String(error)}`);
  await stopAll(1);
}
