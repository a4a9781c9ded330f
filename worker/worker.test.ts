import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findWorkerCheck, latestHeartbeat } from "../db/queries/worker.ts";
import { masterActor } from "../test/factories.ts";
import { startWorker, waitFor, type WorkerProcess } from "../test/worker-process.ts";
import { db } from "~/lib/db.server";
import { requestWorkerCheck } from "~/services/worker-check.server";

describe("the worker process", () => {
  let process_: WorkerProcess;
  let worker: WorkerProcess["child"];
  const output = () => process_.output();

  beforeAll(async () => {
    process_ = await startWorker();
    worker = process_.child;
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
    const line = await waitFor("a job log line", async () => output().split("\n").find((l) => l.includes('"msg":"job done"') && l.includes('"job":"check-worker"')));
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
    expect(output()).toContain("worker stopped");
    expect((await latestHeartbeat(db()))?.pid).not.toBe(worker.pid);
  });
});
