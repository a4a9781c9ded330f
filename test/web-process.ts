import { spawn, type ChildProcess } from "node:child_process";
import { freePort } from "../db/embedded-postgres.ts";
import { waitFor } from "./worker-process.ts";

/** `apiUrl`: the API-only listener (API_PORT), as the seed's http://localhost:8003. */
export type WebProcess = { child: ChildProcess; url: string; apiUrl: string; output: () => string; stop: () => Promise<number | null> };

/**
 * Starts a web process (test/web-server.ts: the app's REST and tRPC routes) with this test file's
 * settings (plus `env`) on ports of its own (PORT and API_PORT, never 8003), and waits until /healthz answers.
 */
export async function startWeb(env: Record<string, string> = {}, options: { script?: string } = {}): Promise<WebProcess> {
  const port = await freePort();
  const apiPort = await freePort();
  let output = "";
  // `script`: scripts/serve.ts for the real web process serving the Remix build (pages, headers).
  const child = spawn(process.execPath, ["--import", "tsx", options.script ?? "test/web-server.ts"], {
    env: { ...process.env, LOG_LEVEL: "info", HOST: "127.0.0.1", PORT: String(port), API_PORT: String(apiPort), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    "the web process to answer /healthz",
    async () => child.exitCode !== null || (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false)),
    30_000,
  );
  if (child.exitCode !== null) throw new Error(`the web process exited at start:\n${output}`);
  return {
    child,
    url,
    apiUrl: `http://127.0.0.1:${apiPort}`,
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once("exit", (code) => resolve(code));
        child.kill("SIGTERM");
      }),
  };
}
