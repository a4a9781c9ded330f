import { spawn, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findWorkerCheck, latestHeartbeat } from "../db/queries/worker.ts";
import { masterActor } from "../test/factories.ts";
import { db } from "~/lib/db.server";
import { requestWorkerCheck } from "~/services/worker-check.server";

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("the worker process", () => {
  let worker: ChildProcess;
  let output = "";

  beforeAll(async () => {
    worker = spawn(process.execPath, ["--import", "tsx", "worker/index.ts"], { env: { ...process.env, LOG_LEVEL: "info" }, stdio: ["ignore", "pipe", "pipe"] });
    worker.stdout!.on("data", (chunk) => (output += chunk));
    worker.stderr!.on("data", (chunk) => (output += chunk));
    await waitFor("the worker to be ready", async () => output.includes("worker ready"), 30_000);
  });

  afterAll(() => {
    if (worker.exitCode === null) worker.kill("SIGKILL");
  });

  it("does a job that the app sent, in its own process", async () => {
    const { checkId } = await requestWorkerCheck(masterActor);
    const done = await waitFor("the check to complete", async () => {
      const check = await findWorkerCheck(db(), checkId);
      return check?.completedAt ? check : undefined;
    });
    expect(done.workerPid).toBe(worker.pid);
    expect(done.workerPid).not.toBe(process.pid);
  });

  it("writes JSON log lines carrying the job id as request id", async () => {
    const { checkId } = await requestWorkerCheck(masterActor);
    await waitFor("the check to complete", async () => (await findWorkerCheck(db(), checkId))?.completedAt);
    const line = await waitFor("a job log line", async () => output.split("\n").find((l) => l.includes('"msg":"job done"')));
    const parsed = JSON.parse(line);
    expect(parsed).toMatchObject({ level: "info", service: "worker", job: "check-worker", requestId: expect.stringMatching(/^job:/) });
  });

  it("reports a heartbeat, and stops cleanly on SIGTERM within seconds", async () => {
    const beat = await latestHeartbeat(db());
    expect(beat?.pid).toBe(worker.pid);
    const started = Date.now();
    const exited = new Promise<number | null>((resolve) => worker.once("exit", (code) => resolve(code)));
    worker.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(output).toContain("worker stopped");
    expect((await latestHeartbeat(db()))?.pid).not.toBe(worker.pid);
  });
});
