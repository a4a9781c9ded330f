import { spawn, type ChildProcess } from "node:child_process";

/** Polls until fn returns something truthy, or fails naming what it waited for. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export type WorkerProcess = { child: ChildProcess; output: () => string; stop: () => Promise<number | null> };

/** Starts the real worker process (worker/index.ts) with this test file's settings (plus `env`), and waits until it is ready. */
export async function startWorker(env: Record<string, string> = {}): Promise<WorkerProcess> {
  let output = "";
  const child = spawn(process.execPath, ["--import", "tsx", "worker/index.ts"], {
    env: { ...process.env, LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  await waitFor("the worker to be ready", async () => output.includes("worker ready") || child.exitCode !== null, 30_000);
  if (child.exitCode !== null) throw new Error(`the worker exited at start:\n${output}`);
  return {
    child,
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once("exit", (code) => resolve(code));
        child.kill("SIGTERM");
      }),
  };
}
