import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../db/embedded-postgres.ts";
import { startLiteLLMDouble, type LiteLLMDouble } from "../test/litellm-double/server.ts";
import { TEST_LITELLM_MASTER_KEY } from "../test/setup-db.ts";
import { startWorker, waitFor, type WorkerProcess } from "../test/worker-process.ts";

/**
 * What the worker prints while LiteLLM cannot be used: one line with the fix, not a warning and a
 * stack trace every ingestion run (issue 11 §6), and one line when it answers again.
 */

const INTERVAL_SECONDS = 5;
let worker: WorkerProcess | undefined;
let double: LiteLLMDouble | undefined;

afterEach(async () => {
  await worker?.stop();
  await double?.close();
  worker = double = undefined;
});

const lines = () => worker!.output().split("\n").filter(Boolean);
/** Ingestion runs that failed because LiteLLM could not be used (logged at debug). */
const failedRuns = () => lines().filter((l) => l.includes("usage ingestion failed")).length;

describe("the worker's console while LiteLLM cannot be used", () => {
  it("says once, with the fix, that LITELLM_MASTER_KEY is not set, over several ingestion runs", async () => {
    worker = await startWorker({ LITELLM_MASTER_KEY: "", LOG_LEVEL: "debug", LOG_FORMAT: "json", USAGE_INGEST_INTERVAL_SECONDS: String(INTERVAL_SECONDS) });
    await waitFor("three ingestion runs", async () => failedRuns() >= 3, 40_000);

    const entries = lines().map((l) => JSON.parse(l) as { level: string; msg: string; err?: unknown });
    const said = entries.filter((e) => e.msg.includes("LiteLLM is not configured"));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatchObject({ level: "warn", litellm: "not-configured" });
    expect(said[0]!.msg).toContain("Set LITELLM_MASTER_KEY");
    // Nothing else at warn or above, and no stack trace at all at those levels.
    expect(entries.filter((e) => ["warn", "error", "fatal"].includes(e.level) && e !== said[0])).toEqual([]);
  }, 60_000);

  it("says once in a readable line that LiteLLM is unreachable, and once that it answers again", async () => {
    const port = await freePort();
    worker = await startWorker({
      LITELLM_PROXY_URL: `http://127.0.0.1:${port}`,
      LITELLM_MASTER_KEY: TEST_LITELLM_MASTER_KEY,
      LOG_LEVEL: "info",
      LOG_FORMAT: "pretty",
      USAGE_INGEST_INTERVAL_SECONDS: String(INTERVAL_SECONDS),
    });
    const unreachable = () => lines().filter((l) => l.includes("LiteLLM is unreachable"));
    await waitFor("the unreachable notice", async () => unreachable().length > 0, 30_000);
    // Two more runs' worth of time: still said once.
    await new Promise((r) => setTimeout(r, 2 * INTERVAL_SECONDS * 1000 + 1000));
    expect(unreachable()).toHaveLength(1);
    expect(unreachable()[0]).toMatch(/^\[\d\d:\d\d:\d\d\] WARN \(worker\): LiteLLM is unreachable at http:\/\/127\.0\.0\.1:\d+ .*start the LiteLLM proxy, or set LITELLM_PROXY_URL/);
    expect(worker.output()).not.toMatch(/ERROR|"level"|\n\s+at /);

    double = await startLiteLLMDouble({ port, masterKey: TEST_LITELLM_MASTER_KEY });
    const back = await waitFor("the answers-again line", async () => lines().find((l) => l.includes("LiteLLM answers again")), 30_000);
    expect(back).toMatch(/^\[\d\d:\d\d:\d\d\] INFO \(worker\): LiteLLM answers again at http:\/\/127\.0\.0\.1:\d+/);
    await new Promise((r) => setTimeout(r, INTERVAL_SECONDS * 1000 + 1000));
    expect(lines().filter((l) => l.includes("LiteLLM answers again"))).toHaveLength(1);
    expect(unreachable()).toHaveLength(1);
  }, 90_000);
});
