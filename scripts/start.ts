/**
 * `npm start` (and `npm run dev` with --dev): the one-command local start.
 * 1. validates the settings (.env, then the environment), generating local secrets when none are given;
 * 2. without DATABASE_URL, starts an embedded PostgreSQL with its data under .data/pg;
 * 3. applies migrations, then runs the web server and the worker as two child processes;
 * 4. on Ctrl-C or SIGTERM stops the children, then Postgres, and exits.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import postgres from "postgres";
import { startEmbeddedPostgres, isPortFree, type EmbeddedDatabase } from "../db/embedded-postgres.ts";
import { exitOnConfigError, loadDotEnv, parseEnv, rawEnv, type Env } from "~/lib/env.server";
import { loadOrCreateLocalSecrets } from "./local-secrets.ts";
import { migrateAll } from "./migrate.ts";

const dev = process.argv.includes("--dev");
// If whoever reads our output goes away first (a closed pipe), keep stopping cleanly rather than crash.
process.stdout.on("error", () => {});
const say = (line: string) => process.stdout.write(`[start] ${line}\n`);
const STOP_TIMEOUT_MS = 10_000;

loadDotEnv();
let settings: Env;
try {
  settings = parseEnv(rawEnv());
} catch (error) {
  exitOnConfigError(error);
}

const childEnv: Record<string, string> = {};
let embedded: EmbeddedDatabase | undefined;
const children: ChildProcess[] = [];
let stopping = false;

async function stopAll(code: number): Promise<never> {
  if (stopping) return new Promise<never>(() => {});
  stopping = true;
  say("stopping…");
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const kill = setTimeout(() => {
            say(`process ${child.pid} did not stop in ${STOP_TIMEOUT_MS / 1000} s; killing it`);
            signal(child, "SIGKILL");
          }, STOP_TIMEOUT_MS);
          child.once("exit", () => {
            clearTimeout(kill);
            resolve();
          });
          signal(child, "SIGTERM");
        }),
    ),
  );
  if (embedded) {
    await embedded.stop().catch((error) => say(`could not stop PostgreSQL cleanly: ${String(error)}`));
    say("PostgreSQL stopped");
  }
  say("stopped");
  process.exit(code);
}

function signal(child: ChildProcess, sig: NodeJS.Signals) {
  try {
    // In dev the web child leads its own process group (remix dev + its app server): signal the group.
    if (dev && child.spawnargs.some((a) => a.includes("remix"))) process.kill(-child.pid!, sig);
    else child.kill(sig);
  } catch {
    /* already gone */
  }
}

process.on("SIGINT", () => void stopAll(130));
process.on("SIGTERM", () => void stopAll(143));

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

  let databaseUrl = settings.DATABASE_URL;
  if (!databaseUrl) {
    const dataDir = path.join(settings.DATA_DIR, "pg");
    if (!(await isPortFree(settings.PG_PORT))) {
      throw new Error(
        `port ${settings.PG_PORT} for the embedded PostgreSQL is in use: is another \`npm start\` running? Stop it, or set PG_PORT to a free port.`,
      );
    }
    say(`starting embedded PostgreSQL (data in ${dataDir}, port ${settings.PG_PORT})`);
    embedded = await startEmbeddedPostgres({ dataDir, port: settings.PG_PORT });
    const admin = postgres(embedded.url("postgres"), { max: 1, onnotice: () => {} });
    const [exists] = await admin`select 1 from pg_database where datname = 'saas_litellm'`;
    if (!exists) await admin.unsafe("create database saas_litellm");
    await admin.end();
    databaseUrl = embedded.url("saas_litellm");
  } else {
    say(`using the PostgreSQL at DATABASE_URL (${new URL(databaseUrl).host})`);
  }
  childEnv.DATABASE_URL = databaseUrl;

  say("applying migrations");
  await migrateAll(databaseUrl);

  const env = { ...rawEnv(), ...childEnv } as NodeJS.ProcessEnv;
  const tsx = ["--import", "tsx"];
  const web = dev
    ? spawn(process.execPath, ["node_modules/@remix-run/dev/dist/cli.js", "dev", "-c", "node --import tsx scripts/serve.ts"], {
        env,
        stdio: "inherit",
        detached: true,
      })
    : spawn(process.execPath, [...tsx, "scripts/serve.ts"], { env, stdio: "inherit" });
  const worker = spawn(
    process.execPath,
    [...(dev ? ["--watch-path=app", "--watch-path=worker", "--watch-path=db"] : []), ...tsx, "worker/index.ts"],
    { env, stdio: "inherit" },
  );
  children.push(web, worker);
  for (const [name, child] of [["web server", web], ["worker", worker]] as const) {
    child.on("exit", (code, sig) => {
      if (stopping) return;
      say(`the ${name} exited (${sig ?? `code ${code}`}); stopping everything`);
      void stopAll(1);
    });
  }

  const url = `http://localhost:${settings.PORT}`;
  const deadline = Date.now() + 60_000;
  while (!stopping) {
    const ok = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`the web server did not answer on ${url}/healthz within 60 s`);
    await new Promise((r) => setTimeout(r, 250));
  }
  if (!stopping) {
    const where = settings.MASTER_KEY ? "the MASTER_KEY you set" : `the MASTER_KEY in ${path.join(settings.DATA_DIR, "secrets.json")}`;
    say("");
    say(`SaaS LiteLLM is running at ${url}`);
    say(`sign in at ${url}/signin with ${where}`);
    say("stop with Ctrl-C");
    say("");
  }
} catch (error) {
  say(`could not start: ${error instanceof Error ? error.message : String(error)}`);
  await stopAll(1);
}
