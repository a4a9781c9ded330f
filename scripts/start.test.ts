import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freePort, isPortFree } from "../db/embedded-postgres.ts";
import { waitFor } from "../test/worker-process.ts";

/**
 * `npm start` as a process manager runs it (issue 11 §3, §6): whatever signal reaches npm or its
 * children, or npm dying, every process of the tree stops within 10 s, PostgreSQL last and cleanly,
 * and no port is left held; the console says what a person needs and nothing alarming.
 * These run the real `npm start` (build included) on free ports with a throwaway data folder.
 */

type Launched = {
  npm: ChildProcess;
  output: () => string;
  ports: { PORT: number; API_PORT: number; PG_PORT: number };
  dataDir: string;
  /** Its processes, once started. */
  tree: number[];
};

const launched: Launched[] = [];

afterEach(() => {
  // Whatever a failed test left behind: kill the whole tree, by the process ids it had.
  for (const run of launched.splice(0)) {
    for (const pid of [...run.tree, ...descendants(run.npm.pid!)]) signal(pid, "SIGKILL");
    signal(run.npm.pid!, "SIGKILL");
    fs.rmSync(run.dataDir, { recursive: true, force: true });
  }
});

function signal(pid: number, sig: NodeJS.Signals) {
  try {
    process.kill(pid, sig);
  } catch {
    /* gone */
  }
}

/** Parent pid and state of a live process, from /proc; undefined when it is gone. */
function stat(pid: number): { ppid: number; state: string } | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { state: fields[0]!, ppid: Number(fields[1]) };
  } catch {
    return undefined;
  }
}

/** Every process below `root`, now. */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of fs.readdirSync("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const s = stat(pid);
    if (s) children.set(s.ppid, [...(children.get(s.ppid) ?? []), pid]);
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length) {
    for (const child of children.get(queue.shift()!) ?? []) {
      queue.push(child);
      found.push(child);
    }
  }
  return found;
}

const alive = (pid: number) => {
  const s = stat(pid);
  return s !== undefined && s.state !== "Z";
};

async function npm(script: "start", env: Record<string, string> = {}): Promise<Launched> {
  const ports = { PORT: await freePort(), API_PORT: await freePort(), PG_PORT: await freePort() };
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "saas-start-test-"));
  let output = "";
  const child = spawn("npm", [script], {
    env: {
      ...process.env,
      NODE_ENV: "development",
      DATABASE_URL: "",
      MASTER_KEY: "",
      APP_SECRET: "",
      LITELLM_MASTER_KEY: "",
      LOG_LEVEL: "info",
      LOG_FORMAT: "",
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      PORT: String(ports.PORT),
      API_PORT: String(ports.API_PORT),
      PG_PORT: String(ports.PG_PORT),
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
    // A process group of its own, as a terminal gives a foreground job: Ctrl-C signals all of it.
    detached: true,
  });
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const run: Launched = { npm: child, output: () => output, ports, dataDir, tree: [] };
  launched.push(run);
  return run;
}

async function started(run: Launched): Promise<number[]> {
  await waitFor("the banner of npm start", async () => run.output().includes("SaaS LiteLLM is running at") || run.npm.exitCode !== null, 120_000);
  if (run.npm.exitCode !== null) throw new Error(`npm start exited at start:\n${run.output()}`);
  const tree = descendants(run.npm.pid!);
  // npm, its shell (or what it exec'd), the launcher, the web server, the worker and PostgreSQL's processes.
  expect(tree.length).toBeGreaterThanOrEqual(4);
  run.tree = tree;
  return tree;
}

/** Waits until npm and every process it had are gone (10 s at most) and no port is held. */
async function everythingStopped(run: Launched, tree: number[], since: number) {
  await waitFor("every process of the tree to stop", async () => !alive(run.npm.pid!) && tree.every((pid) => !alive(pid)), 12_000).catch(() => {
    throw new Error(`still running after ${Date.now() - since} ms: ${[run.npm.pid!, ...tree].filter(alive).join(", ")}\n${run.output()}`);
  });
  expect(Date.now() - since).toBeLessThan(10_000);
  for (const [name, port] of Object.entries(run.ports)) expect(await isPortFree(port), `${name} ${port} is still held`).toBe(true);
  // Stopped cleanly: a PostgreSQL that was killed leaves its postmaster.pid behind.
  expect(fs.existsSync(path.join(run.dataDir, "pg", "postmaster.pid"))).toBe(false);
}

/** The console lines of the run, in order. */
const lines = (run: Launched) => run.output().split("\n").filter(Boolean);
const indexOf = (run: Launched, text: string) => lines(run).findIndex((l) => l.includes(text));

describe("npm start under a process manager", () => {
  it("stops every process, PostgreSQL last, within 10 s of SIGTERM to npm; the console has one line per page, none per asset", async () => {
    const run = await npm("start");
    const tree = await started(run);
    const { PORT } = run.ports;

    // The banner comes after the web server is listening.
    expect(indexOf(run, "web server listening")).toBeGreaterThanOrEqual(0);
    expect(indexOf(run, "SaaS LiteLLM is running at")).toBeGreaterThan(indexOf(run, "web server listening"));

    // Not a terminal: JSON lines. A page gets an access-log line; its scripts and the favicon do not.
    const page = await fetch(`http://127.0.0.1:${PORT}/signin`).then((r) => r.text());
    const asset = /\/build\/[^"]+\.js/.exec(page)?.[0];
    expect(asset).toBeDefined();
    expect((await fetch(`http://127.0.0.1:${PORT}${asset}`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${PORT}/favicon.svg`)).status).toBe(200);
    const requests = await waitFor("the page's access-log line", async () => {
      const found = lines(run).filter((l) => l.includes('"msg":"request"'));
      return found.some((l) => l.includes('"path":"/signin"')) && found;
    });
    expect(requests.filter((l) => l.includes("/build/") || l.includes("/favicon.svg"))).toEqual([]);

    const since = Date.now();
    run.npm.kill("SIGTERM");
    await everythingStopped(run, tree, since);
    expect(indexOf(run, "PostgreSQL stopped")).toBeGreaterThan(indexOf(run, "web server stopped"));
    expect(indexOf(run, "PostgreSQL stopped")).toBeGreaterThan(indexOf(run, "worker stopped"));
  }, 180_000);

  it("Ctrl-C (SIGINT to the whole foreground group) stops everything and prints nothing alarming, in readable lines", async () => {
    const run = await npm("start", { LOG_FORMAT: "pretty" });
    const tree = await started(run);
    expect(lines(run).some((l) => /^\[\d\d:\d\d:\d\d\] INFO \(web\): web server listening/.test(l))).toBe(true);
    // Let the worker run a job or two against the database first.
    await new Promise((r) => setTimeout(r, 3000));

    const since = Date.now();
    process.kill(-run.npm.pid!, "SIGINT");
    await everythingStopped(run, tree, since);
    const afterCtrlC = run.output().slice(run.output().indexOf("stopping"));
    expect(afterCtrlC).not.toMatch(/terminating connection|ERROR|FATAL|WARN|\n\s+at /);
    expect(lines(run).filter((l) => l.includes("LiteLLM is not configured"))).toHaveLength(1);
  }, 180_000);

  it("stops everything when npm itself is killed (SIGKILL: nothing is passed on)", async () => {
    const run = await npm("start");
    const tree = await started(run);
    const since = Date.now();
    run.npm.kill("SIGKILL");
    await everythingStopped(run, tree, since);
    expect(run.output()).toContain("the process that started us went away");
  }, 180_000);

  it("SIGHUP (a closed terminal) to the launcher stops everything too", async () => {
    const run = await npm("start");
    const tree = await started(run);
    const launcher = tree.find((pid) => fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("scripts/start.ts"));
    expect(launcher).toBeDefined();
    const since = Date.now();
    process.kill(launcher!, "SIGHUP");
    await everythingStopped(run, tree, since);
  }, 180_000);

  it("says a taken PORT plainly before starting anything, and prints no banner", async () => {
    const taken = net.createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => taken.listen(port, "127.0.0.1", resolve));
    try {
      const run = await npm("start", { PORT: String(port) });
      await waitFor("npm start to exit", async () => run.npm.exitCode !== null, 120_000);
      expect(run.npm.exitCode).not.toBe(0);
      expect(run.output()).toContain(`PORT ${port} is already in use`);
      expect(run.output()).toContain("set PORT to a free port");
      expect(run.output()).not.toContain("is running at");
      expect(run.output()).not.toContain("starting embedded PostgreSQL");
    } finally {
      taken.close();
    }
  }, 180_000);
});
