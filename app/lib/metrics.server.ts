import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * Prometheus metrics. Counters and histograms are per process (the LiteLLM client's calls, jobs
 * handled); the web process's /metrics adds gauges read from the database at scrape time
 * (ingestion lag, queue depth, job failures and durations), so the worker's work shows there too.
 */
type Metrics = {
  registry: Registry;
  litellmCalls: Counter<"route" | "outcome">;
  litellmLatency: Histogram<"route">;
  jobsHandled: Counter<"job" | "outcome">;
  jobDuration: Histogram<"job">;
};

const holder = globalThis as unknown as { __saasMetrics?: Metrics };

export function metrics(): Metrics {
  if (holder.__saasMetrics) return holder.__saasMetrics;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "saas_litellm_" });
  holder.__saasMetrics = {
    registry,
    litellmCalls: new Counter({
      name: "saas_litellm_litellm_calls_total",
      help: "Calls to LiteLLM's API by route and outcome (ok, or the error type).",
      labelNames: ["route", "outcome"],
      registers: [registry],
    }),
    litellmLatency: new Histogram({
      name: "saas_litellm_litellm_call_duration_seconds",
      help: "Latency of calls to LiteLLM's API, per attempt.",
      labelNames: ["route"],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    jobsHandled: new Counter({
      name: "saas_litellm_jobs_handled_total",
      help: "Jobs handled by this worker process, by job and outcome.",
      labelNames: ["job", "outcome"],
      registers: [registry],
    }),
    jobDuration: new Histogram({
      name: "saas_litellm_job_duration_seconds",
      help: "How long jobs took in this worker process.",
      labelNames: ["job"],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 2, 5, 15, 60],
      registers: [registry],
    }),
  };
  return holder.__saasMetrics;
}

/** Gauges whose values come from the database when scraped. */
export function databaseGauges(read: () => Promise<{
  ingestionLagSeconds: number | null;
  rowsIngested: number;
  queueDepth: Array<{ queue: string; count: number }>;
  failedJobs: Array<{ queue: string; count: number }>;
  jobDurationSeconds: Array<{ queue: string; avg: number }>;
}>): void {
  const { registry } = metrics();
  if (registry.getSingleMetric("saas_litellm_ingestion_lag_seconds")) return;
  let snapshot: Awaited<ReturnType<typeof read>> | undefined;
  let pending: Promise<void> | undefined;
  // One database read per scrape, shared by every gauge.
  const refresh = () => (pending ??= read().then((s) => void (snapshot = s)).finally(() => setTimeout(() => (pending = undefined), 0)));
  new Gauge({
    name: "saas_litellm_ingestion_lag_seconds",
    help: "Seconds between now and the end of the last usage window fully ingested from LiteLLM.",
    registers: [registry],
    async collect() {
      await refresh();
      if (snapshot?.ingestionLagSeconds != null) this.set(snapshot.ingestionLagSeconds);
    },
  });
  new Gauge({
    name: "saas_litellm_usage_rows_ingested",
    help: "Spend-log rows ingested from LiteLLM (all time).",
    registers: [registry],
    async collect() {
      await refresh();
      this.set(snapshot?.rowsIngested ?? 0);
    },
  });
  const labelled = (name: string, help: string, pick: (s: NonNullable<typeof snapshot>) => Array<{ queue: string; value: number }>) =>
    new Gauge({
      name,
      help,
      labelNames: ["queue"],
      registers: [registry],
      async collect() {
        await refresh();
        this.reset();
        for (const { queue, value } of snapshot ? pick(snapshot) : []) this.set({ queue }, value);
      },
    });
  labelled("saas_litellm_queue_depth", "Jobs waiting in each queue.", (s) => s.queueDepth.map((q) => ({ queue: q.queue, value: q.count })));
  labelled("saas_litellm_jobs_failed", "Failed jobs kept by the queue, per queue.", (s) => s.failedJobs.map((q) => ({ queue: q.queue, value: q.count })));
  labelled("saas_litellm_job_duration_seconds_avg", "Average duration of jobs completed in the last hour, per queue.", (s) =>
    s.jobDurationSeconds.map((q) => ({ queue: q.queue, value: q.avg })),
  );
}
