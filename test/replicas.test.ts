import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../db/embedded-postgres.ts";
import { liteLLMDouble } from "./factories.ts";
import { TEST_MASTER_KEY } from "./setup-db.ts";
import { startWeb, type WebProcess } from "./web-process.ts";
import { startWorker, waitFor, type WorkerProcess } from "./worker-process.ts";
import { db } from "~/lib/db.server";

/**
 * Several replicas on one PostgreSQL (docs/deployment.md, "Several replicas"): two web processes and
 * two worker processes share this file's database. Usage ingestion, reconcile, credits and webhooks
 * go through them, and each request, run, credit and delivery happens exactly once.
 */
const WAIT = 45_000;
const asAdmin = { "X-Admin-Key": TEST_MASTER_KEY };
const run = Math.random().toString(36).slice(2, 8);

function rows<T>(result: unknown): T[] {
  return Array.from(result as Iterable<T>);
}

type Answer = { status: number; body: any }; // eslint-disable-line @typescript-eslint/no-explicit-any
async function call(web: WebProcess, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${web.url}${path}`, {
    method,
    headers: { ...asAdmin, ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** A webhook receiver on loopback that counts every POST by path and event id. */
async function receiver() {
  const received: Array<{ path: string; eventId: string; type: string; teamId: string }> = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      const event = JSON.parse(body) as { id: string; type: string; data: { team_id: string } };
      received.push({ path: req.url ?? "", eventId: event.id, type: event.type, teamId: event.data.team_id });
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Spend-log rows of one round: `ours` rows of our team at 0.045 USD each, and `others` rows of teams made outside this app. */
function seedRound(round: number, teamId: string, from: number, to: number, ours: number, others: number) {
  const span = Math.max(1, to - from);
  const at = (i: number, n: number) => new Date(from + Math.floor((span * i) / n));
  const row = (id: string, team: string, startTime: Date, spend: number) => ({
    request_id: id,
    team_id: team,
    model_group: "gpt-3.5-turbo",
    spend,
    prompt_tokens: 100,
    completion_tokens: 50,
    total_tokens: 150,
    startTime,
    endTime: new Date(startTime.getTime() + 200),
  });
  liteLLMDouble().seedSpendLogs([
    ...Array.from({ length: ours }, (_, i) => row(`chatcmpl-replicas-${run}-${round}-ours-${i}`, teamId, at(i, ours), 0.045)),
    ...Array.from({ length: others }, (_, i) => row(`chatcmpl-replicas-${run}-${round}-ext-${i}`, `external-${i % 3}`, at(i, others), 0.001 * (1 + (i % 7)))),
  ]);
}

async function storedIds(): Promise<string[]> {
  return rows<{ id: string }>(await db().execute(sql`select request_id as id from usage_requests order by 1`)).map((r) => r.id);
}

const doubleIds = () =>
  liteLLMDouble()
    .state.spendLogs()
    .map((l) => l.request_id)
    .sort();

/** Both rollups next to the same sums from the raw rows. */
async function rollupsAndRaw() {
  const read = async (query: ReturnType<typeof sql>) => rows(await db().execute(query));
  return {
    hourly: await read(sql`select team_id, model_group, hour::text as bucket, requests::text as n, spend::text as spend, prompt_tokens::text as p from usage_hourly order by 1, 2, 3`),
    hourlyRaw: await read(sql`select team_id, coalesce(model_group, '') as model_group, date_trunc('hour', start_time, 'UTC')::text as bucket, count(*)::text as n,
                                     sum(spend)::numeric(24, 10)::text as spend, sum(prompt_tokens)::text as p
                              from usage_requests where team_id is not null group by 1, 2, 3 order by 1, 2, 3`),
    daily: await read(sql`select team_id, model_group, day as bucket, requests::text as n, spend::text as spend, prompt_tokens::text as p from usage_daily order by 1, 2, 3`),
    dailyRaw: await read(sql`select team_id, coalesce(model_group, '') as model_group, to_char(start_time at time zone 'UTC', 'YYYY-MM-DD') as bucket, count(*)::text as n,
                                    sum(spend)::numeric(24, 10)::text as spend, sum(prompt_tokens)::text as p
                             from usage_requests where team_id is not null group by 1, 2, 3 order by 1, 2, 3`),
  };
}

type JobRow = { id: string; state: string; startedOn: Date | null; completedOn: Date | null };
async function jobsOf(name: string): Promise<JobRow[]> {
  return rows<JobRow>(
    await db().execute(sql`select id::text as id, state::text as state, started_on as "startedOn", completed_on as "completedOn" from pgboss.job where name = ${name}
                           union all
                           select id::text, state::text, started_on, completed_on from pgboss.archive where name = ${name}`),
  );
}

/** The ids of the jobs a worker process says it did, from its JSON log lines. */
function jobsDoneBy(worker: WorkerProcess, job: string): string[] {
  return worker
    .output()
    .split("\n")
    .filter((line) => line.includes('"msg":"job done"') && line.includes(`"job":"${job}"`))
    .map((line) => (JSON.parse(line) as { jobId: string }).jobId);
}

async function counter(port: number, job: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const match = text.match(new RegExp(`saas_litellm_jobs_handled_total\\{job="${job}",outcome="done"\\} (\\d+)`));
  return match ? Number(match[1]) : 0;
}

/** A worker's settings: its own metrics port; ingestion every 5 s so that the rounds go quickly. */
const workerEnv = (metricsPort: number) => ({ WORKER_METRICS_PORT: String(metricsPort), HOST: "127.0.0.1", USAGE_INGEST_INTERVAL_SECONDS: "5" });

describe("two web and two worker processes on one database", () => {
  let webs: WebProcess[] = [];
  let workers: WorkerProcess[] = [];
  let metricsPorts: number[] = [];
  let hook: Awaited<ReturnType<typeof receiver>>;
  let startedAt = 0;

  beforeAll(async () => {
    hook = await receiver();
    metricsPorts = [await freePort(), await freePort()];
    startedAt = Date.now();
    // Every process gets the same DATABASE_URL, APP_SECRET, MASTER_KEY and LiteLLM settings (this
    // file's); only its ports differ.
    [webs, workers] = await Promise.all([
      Promise.all([startWeb(), startWeb()]),
      Promise.all(metricsPorts.map((port) => startWorker(workerEnv(port)))),
    ]);
  });
  afterAll(async () => {
    await Promise.all([...webs, ...workers].map((p) => p.stop()));
    await hook?.close();
  });

  it("ingests every request once, runs one reconcile at a time, applies each credit once and delivers each webhook once", { timeout: 150_000 }, async () => {
    const [webA, webB] = webs as [WebProcess, WebProcess];
    const [workerA, workerB] = workers as [WorkerProcess, WorkerProcess];
    const doneByAny = (job: string) => everyWorker.flatMap((w) => jobsDoneBy(w, job));

    // Set-up, spread over both web processes.
    for (const [web, path] of [[webA, "/hooks/a"], [webB, "/hooks/b"]] as const) {
      expect((await call(web, "POST", "/api/webhooks", { url: `${hook.url}${path}`, description: `replicas ${path}` })).status).toBe(200);
    }
    const org = await call(webA, "POST", "/api/organizations/create", { name: `Replicas Org ${run}`, litellm_organization_id: `replicas-${run}` });
    expect(org.status).toBe(200);
    const group = await call(webB, "POST", "/api/model-groups/create", { name: `replicas-models-${run}`, models: ["gpt-3.5-turbo"] });
    expect(group.status).toBe(200);
    const created = await call(webA, "POST", "/api/teams/create", {
      name: `Replicas ${run}`,
      organization_id: org.body.organization_id,
      model_groups: [group.body.name],
      max_budget: 10,
      budget_mode: "soft",
      budget_duration: "30d",
    });
    expect(created.status).toBe(200);
    const teamId: string = created.body.team_id;
    await waitFor("a worker to provision the team", async () => (await call(webB, "GET", `/api/teams/${teamId}`)).body.sync?.state === "in_sync", WAIT);
    const periodStart = Date.parse((await call(webB, "GET", `/api/teams/${teamId}/budget`)).body.period.start);

    // Ingestion: two rounds of spend logs; whichever worker runs the next ingestion stores them.
    // Round 1: 100 × 0.045 = 4.5 USD of our team's 10 (45 %); round 2 takes it to 9.0 (90 %): the 80 % alert fires.
    const ingestedAll = () => waitFor("every spend-log row to be stored", async () => (await storedIds()).length === doubleIds().length, WAIT);
    seedRound(1, teamId, periodStart + 1000, Date.now() - 500, 100, 900);
    await ingestedAll();
    // A rolling restart between the rounds: the worker that ran most ingestions stops (SIGTERM) and a
    // new one takes its place, so ingestion surely runs in two processes (the chain runs every 5 s,
    // whoever fetches first; left alone, one worker often wins every time).
    // (A run's rows commit a moment before its "job done" line: wait for the line.)
    await waitFor("an ingestion run's log line", async () => jobsDoneBy(workerA, "ingest-usage").length + jobsDoneBy(workerB, "ingest-usage").length > 0, WAIT);
    const busiest = jobsDoneBy(workerB, "ingest-usage").length > jobsDoneBy(workerA, "ingest-usage").length ? 1 : 0;
    const stopped = workers[busiest]!;
    expect(jobsDoneBy(stopped, "ingest-usage").length).toBeGreaterThan(0);
    expect(await stopped.stop()).toBe(0);
    workers[busiest] = await startWorker(workerEnv(metricsPorts[busiest]!));
    seedRound(2, teamId, Date.now() - 2000, Date.now() - 500, 100, 900);
    await ingestedAll();
    const everyWorker = [workerA, workerB, workers[busiest]!];
    await waitFor("ingestion runs logged by two processes", async () => everyWorker.filter((w) => jobsDoneBy(w, "ingest-usage").length > 0).length >= 2, WAIT);
    const ids = await storedIds();
    expect(ids).toHaveLength(2000);
    expect(ids).toEqual(doubleIds());
    const [{ n, distinct }] = rows<{ n: number; distinct: number }>(await db().execute(sql`select count(*)::int as n, count(distinct request_id)::int as distinct from usage_requests`));
    expect(distinct).toBe(n);
    const { hourly, hourlyRaw, daily, dailyRaw } = await rollupsAndRaw();
    expect(hourly.length).toBeGreaterThan(0);
    expect(hourly).toEqual(hourlyRaw);
    expect(daily).toEqual(dailyRaw);
    const budget = await call(webA, "GET", `/api/teams/${teamId}/budget`);
    expect(budget.body.spent_this_period).toBeCloseTo(9, 9);

    const ours = (type: string) => hook.received.filter((r) => r.teamId === teamId && r.type === type);
    await waitFor("the 80 % alert's webhook at both endpoints", async () => ours("budget.threshold_crossed").length >= 2, WAIT);

    // Credits: the same credit with one Idempotency-Key, four times at once through both web
    // processes, and six credits with keys of their own, all concurrently.
    const sameKey = `replicas-same-${run}`;
    const results = await Promise.all([
      ...Array.from({ length: 4 }, (_, i) =>
        call(i % 2 ? webB : webA, "POST", `/api/credits/teams/${teamId}/add`, { amount: 5, reason: "Top-up" }, { "Idempotency-Key": sameKey }),
      ),
      ...Array.from({ length: 6 }, (_, i) =>
        call(i % 2 ? webA : webB, "POST", `/api/credits/teams/${teamId}/add`, { amount: 0.5, reason: `Small top-up ${i}` }, { "Idempotency-Key": `replicas-${run}-${i}` }),
      ),
    ]);
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    const same = results.slice(0, 4).map((r) => r.body);
    expect(new Set(same.map((b) => b.entry.entry_id)).size).toBe(1);
    expect(same.filter((b) => !b.replayed)).toHaveLength(1);
    const distinctKeys = results.slice(4).map((r) => r.body);
    expect(new Set(distinctKeys.map((b) => b.entry.entry_id)).size).toBe(6);
    expect(distinctKeys.every((b) => !b.replayed)).toBe(true);
    const ledger = (await call(webB, "GET", `/api/credits/teams/${teamId}/ledger`)).body as Array<{ kind: string; amount: number }>;
    const credits = ledger.filter((e) => e.kind === "credit");
    expect(credits).toHaveLength(7);
    expect(credits.reduce((sum, e) => sum + Math.round(e.amount * 100), 0)).toBe(800);
    for (const web of webs) expect((await call(web, "GET", `/api/teams/${teamId}/budget`)).body.credit_balance).toBe(8);

    // 9 of 10 + 8 USD is 50 %: back under 80 %, resolved once, delivered once to each endpoint.
    await waitFor("the resolved webhook at both endpoints", async () => ours("budget.threshold_resolved").length >= 2, WAIT);

    // Webhooks: every delivery row sent once, on its first attempt, by one job, handled by one worker.
    // The receiver has the request before the worker records the answer: wait for the records.
    const delivered = async () => rows<{ id: string; status: string; attempts: number }>(await db().execute(sql`select id, status::text as status, attempts from webhook_deliveries`));
    await waitFor("every delivery to be recorded", async () => (await delivered()).every((d) => d.status !== "pending"), WAIT);
    const deliveries = await delivered();
    expect(deliveries).toHaveLength(4);
    expect(deliveries.every((d) => d.status === "delivered" && d.attempts === 1)).toBe(true);
    expect(hook.received).toHaveLength(4);
    expect(new Set(hook.received.map((r) => `${r.path} ${r.eventId}`)).size).toBe(4);
    const deliveryJobs = await jobsOf("deliver-webhook");
    expect(deliveryJobs.map((j) => j.state)).toEqual(Array(4).fill("completed"));
    // A job is completed in the database a moment before its worker's log line is read.
    await waitFor("the workers' delivery log lines", async () => doneByAny("deliver-webhook").length >= deliveryJobs.length, 10_000);
    expect(doneByAny("deliver-webhook").sort()).toEqual(deliveryJobs.map((j) => j.id).sort());
    // Each worker counts its own on its own WORKER_METRICS_PORT.
    expect((await counter(metricsPorts[0]!, "deliver-webhook")) + (await counter(metricsPorts[1]!, "deliver-webhook"))).toBe(4);

    // Reconcile: the per-minute schedule sends one run per minute whatever the number of workers,
    // one worker does each, and runs never overlap (queue policy `singleton`).
    const reconciles = await waitFor("a reconcile run to complete", async () => {
      const list = await jobsOf("reconcile");
      return list.some((j) => j.state === "completed") ? list : undefined;
    }, WAIT);
    const minutesSpanned = Math.floor(Date.now() / 60_000) - Math.floor(startedAt / 60_000) + 1;
    expect(reconciles.length).toBeLessThanOrEqual(minutesSpanned);
    const runs = reconciles.filter((j) => j.startedOn && j.completedOn).sort((a, b) => a.startedOn!.getTime() - b.startedOn!.getTime());
    for (let i = 1; i < runs.length; i++) expect(runs[i]!.startedOn!.getTime()).toBeGreaterThanOrEqual(runs[i - 1]!.completedOn!.getTime());
    // Each completed run was done by one worker (its log line may follow the completion by a moment).
    const completed = reconciles.filter((j) => j.state === "completed").map((j) => j.id).sort();
    await waitFor("the workers' reconcile log lines", async () => doneByAny("reconcile").length >= completed.length, 10_000);
    expect(doneByAny("reconcile").sort()).toEqual(completed);

    for (const p of [...webs, ...workers]) expect(p.child.exitCode).toBeNull();
  });
});
