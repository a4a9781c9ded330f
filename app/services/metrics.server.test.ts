import { describe, expect, it } from "vitest";
import { liteLLMDouble, masterActor } from "../../test/factories.ts";
import { loader } from "~/routes/metrics";
import { listServedModels } from "./models.server.ts";
import { ingestUsage } from "./usage-ingestion.server.ts";
import { requestWorkerCheck } from "./worker-check.server.ts";

describe("GET /metrics", () => {
  it("serves Prometheus text with LiteLLM call counts, ingestion lag, rows ingested and queue depth", async () => {
    await listServedModels(masterActor);
    liteLLMDouble().fault("/model/info", { kind: "error500", count: 10 });
    await listServedModels(masterActor).catch(() => undefined);
    liteLLMDouble().clearFaults();
    await ingestUsage();
    await requestWorkerCheck(masterActor); // no worker runs here: the job waits in its queue

    const response = await loader();
    expect(response.headers.get("content-type")).toContain("text/plain");
    const text = await response.text();
    expect(text).toMatch(/saas_litellm_litellm_calls_total\{route="\/model\/info",outcome="ok"\} [1-9]/);
    expect(text).toMatch(/saas_litellm_litellm_calls_total\{route="\/model\/info",outcome="upstream"\} [1-9]/);
    expect(text).toMatch(/saas_litellm_litellm_call_duration_seconds_count\{route="\/model\/info"\} [1-9]/);
    expect(text).toMatch(/saas_litellm_ingestion_lag_seconds \d/);
    expect(text).toMatch(/saas_litellm_usage_rows_ingested \d/);
    expect(text).toMatch(/saas_litellm_queue_depth\{queue="check-worker"\} [1-9]/);
    expect(text).toContain("saas_litellm_process_cpu_seconds_total");
  });
});
