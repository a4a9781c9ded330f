import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { findIngestionState } from "../../db/queries/usage.ts";
import { liteLLMDouble } from "../../test/factories.ts";
import { startWorker, waitFor } from "../../test/worker-process.ts";
import { hashKey } from "~/integrations/litellm/client.server";
import { sendJob } from "~/jobs/boss.server";
import { db } from "~/lib/db.server";
import { ConfigError, parseEnv } from "~/lib/env.server";
import { ingestUsage, runScheduledIngestion } from "./usage-ingestion.server.ts";

/**
 * Usage ingestion against the LiteLLM double (CONTRACT §3 pull strategy): every request stored
 * once, rollups always equal to the raw rows, the window moved only after it fully committed.
 */

const double = () => liteLLMDouble();
const HOUR = 3_600_000;
const MINUTE = 60_000;

function rows<T>(result: unknown): T[] {
  return Array.from(result as Iterable<T>);
}

async function reset() {
  await db().execute(sql`truncate usage_requests, usage_hourly, usage_daily, ingestion_state`);
}

async function storedIds(): Promise<string[]> {
  return rows<{ id: string }>(await db().execute(sql`select request_id as id from usage_requests order by 1`)).map((r) => r.id);
}

async function storedCount(): Promise<number> {
  return rows<{ n: number }>(await db().execute(sql`select count(*)::int as n from usage_requests`))[0].n;
}

/** The double's request ids with startTime in [from, to]. */
function idsInDouble(from: Date, to: Date): string[] {
  return double()
    .state.spendLogs()
    .filter((l) => Date.parse(l.startTime) >= from.getTime() && Date.parse(l.startTime) <= to.getTime())
    .map((l) => l.request_id)
    .sort();
}

/** Both rollups, next to the same sums computed from the raw rows: they must be equal. */
async function rollupsAndRaw() {
  const hourly = rows(
    await db().execute(sql`select team_id, model_group, hour::text as bucket, requests::text as n, failed_requests::text as failed, prompt_tokens::text as p,
                                  completion_tokens::text as c, spend::text as spend, latency_ms_sum::text as latency
                           from usage_hourly order by 1, 2, 3`),
  );
  const hourlyRaw = rows(
    await db().execute(sql`select team_id, coalesce(model_group, '') as model_group, date_trunc('hour', start_time, 'UTC')::text as bucket, count(*)::text as n,
                                  count(*) filter (where status = 'failure')::text as failed, sum(prompt_tokens)::text as p, sum(completion_tokens)::text as c,
                                  sum(spend)::numeric(24, 10)::text as spend, coalesce(sum(latency_ms), 0)::text as latency
                           from usage_requests where team_id is not null group by 1, 2, 3 order by 1, 2, 3`),
  );
  const daily = rows(
    await db().execute(sql`select team_id, model_group, day as bucket, requests::text as n, failed_requests::text as failed, prompt_tokens::text as p,
                                  completion_tokens::text as c, spend::text as spend, latency_ms_sum::text as latency
                           from usage_daily order by 1, 2, 3`),
  );
  const dailyRaw = rows(
    await db().execute(sql`select team_id, coalesce(model_group, '') as model_group, to_char(start_time at time zone 'UTC', 'YYYY-MM-DD') as bucket, count(*)::text as n,
                                  count(*) filter (where status = 'failure')::text as failed, sum(prompt_tokens)::text as p, sum(completion_tokens)::text as c,
                                  sum(spend)::numeric(24, 10)::text as spend, coalesce(sum(latency_ms), 0)::text as latency
                           from usage_requests where team_id is not null group by 1, 2, 3 order by 1, 2, 3`),
  );
  return { hourly, hourlyRaw, daily, dailyRaw };
}

async function expectRollupsEqualRaw() {
  const { hourly, hourlyRaw, daily, dailyRaw } = await rollupsAndRaw();
  expect(hourly.length).toBeGreaterThan(0);
  expect(hourly).toEqual(hourlyRaw);
  expect(daily).toEqual(dailyRaw);
}

describe("usage ingestion", () => {
  beforeEach(reset);
  afterEach(() => double().clearFaults());

  it("stores every field of a spend-log row, LiteLLM's spend exactly, and never a raw key", async () => {
    const raw = "sk-abcdefghijklmnopqrstuv";
    double().seedSpendLogs([
      {
        request_id: "chatcmpl-map-1",
        api_key: hashKey(raw),
        team_id: "team-map",
        model_group: "gpt-4-turbo",
        model: "gpt-4-turbo-2024-04-09",
        spend: 0.000123456789,
        prompt_tokens: 12,
        completion_tokens: 30,
        total_tokens: 42,
        startTime: "2025-01-05T10:15:00.250Z",
        endTime: "2025-01-05T10:15:01.500Z",
        end_user: "customer-42",
        status: "success",
        metadata: { user_api_key: hashKey(raw), user_api_key_team_id: "team-map", spend_logs_metadata: { note: `called with ${raw}` } },
      },
      {
        request_id: "chatcmpl-map-2",
        api_key: raw,
        team_id: "team-map",
        model_group: "gpt-4-turbo",
        model: "gpt-4-turbo-2024-04-09",
        spend: 0,
        prompt_tokens: 5,
        completion_tokens: 0,
        startTime: "2025-01-05T10:45:00.000Z",
        endTime: "2025-01-05T10:45:00.300Z",
        status: "failure",
        metadata: { error_information: { error_code: "429", error_message: "Authorization: Bearer sk-secretsecretsecret" } },
      },
      { request_id: "chatcmpl-map-3", api_key: "litellm_proxy_master_key", team_id: null, model_group: "gpt-3.5-turbo", spend: 12.5, startTime: "2025-01-05T11:00:00.000Z" },
    ]);

    const result = await ingestUsage(new Date("2025-01-05T12:00:00Z"));
    expect(result).toMatchObject({ read: 3, inserted: 3 });

    const stored = rows<Record<string, unknown>>(
      await db().execute(sql`select request_id, team_id, key_hash, model_group, model, prompt_tokens, completion_tokens, total_tokens, spend::text as spend,
                                    to_char(start_time at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS') as start_time, latency_ms, status, end_user, metadata::text as metadata
                             from usage_requests order by request_id`),
    );
    expect(stored[0]).toMatchObject({
      request_id: "chatcmpl-map-1",
      team_id: "team-map",
      key_hash: hashKey(raw),
      model_group: "gpt-4-turbo",
      model: "gpt-4-turbo-2024-04-09",
      prompt_tokens: 12,
      completion_tokens: 30,
      total_tokens: 42,
      spend: "0.0001234568",
      start_time: "2025-01-05T10:15:00.250",
      latency_ms: 1250,
      status: "success",
      end_user: "customer-42",
    });
    expect(stored[1]).toMatchObject({ request_id: "chatcmpl-map-2", key_hash: hashKey(raw), status: "failure", latency_ms: 300, spend: "0.0000000000" });
    expect(stored[2]).toMatchObject({ request_id: "chatcmpl-map-3", team_id: null, key_hash: "litellm_proxy_master_key", spend: "12.5000000000" });
    // LiteLLM's metadata is kept, with anything shaped like a key or a bearer token masked.
    expect(JSON.parse(String(stored[0].metadata))).toMatchObject({ user_api_key: hashKey(raw), user_api_key_team_id: "team-map" });
    for (const row of stored) {
      expect(String(row.metadata)).not.toContain(raw);
      expect(String(row.metadata)).not.toContain("sk-secretsecretsecret");
    }
    expect(String(stored[0].metadata)).toContain("sk-ab…");

    // Rollups: the team's two requests (one failed) in one hour and one day; the master-key call has no team.
    const { hourly, daily } = await rollupsAndRaw();
    expect(hourly).toEqual([
      { team_id: "team-map", model_group: "gpt-4-turbo", bucket: "2025-01-05 10:00:00+00", n: "2", failed: "1", p: "17", c: "30", spend: "0.0001234568", latency: "1550" },
    ]);
    expect(daily).toEqual([{ team_id: "team-map", model_group: "gpt-4-turbo", bucket: "2025-01-05", n: "2", failed: "1", p: "17", c: "30", spend: "0.0001234568", latency: "1550" }]);
    await expectRollupsEqualRaw();

    const state = await findIngestionState(db(), "spend-logs");
    expect(state).toMatchObject({ windowStart: new Date("2025-01-05T12:00:00Z"), lastError: null, rowsIngested: 3 });
  });

  it("stores text with quotes, backslashes, commas, braces and non-ASCII exactly, and metadata that is not an object as none", async () => {
    const awkward = `cust "o'mer", {a\\b} ünïcødé 🚀 NULL`;
    double().seedSpendLogs([
      {
        request_id: `chatcmpl-"quoted"\\1`,
        team_id: "team-{odd},\\name",
        model_group: 'group "x"',
        end_user: awkward,
        spend: 0.5,
        startTime: "2025-01-06T10:00:00.000Z",
        metadata: { note: awkward, nested: { list: ["a\\\"b", "tab\there", "line\nbreak"] } },
      },
      // Metadata that is not an object is not kept.
      { request_id: "chatcmpl-no-metadata", team_id: "team-{odd},\\name", spend: 0.25, startTime: "2025-01-06T10:30:00.000Z", metadata: "not an object" as unknown as Record<string, unknown> },
    ]);

    expect(await ingestUsage(new Date("2025-01-06T12:00:00Z"))).toMatchObject({ read: 2, inserted: 2 });
    const stored = rows<Record<string, unknown>>(
      await db().execute(sql`select request_id, team_id, model_group, end_user, spend::text as spend, metadata, metadata is null as no_metadata from usage_requests order by start_time`),
    );
    expect(stored).toEqual([
      {
        request_id: `chatcmpl-"quoted"\\1`,
        team_id: "team-{odd},\\name",
        model_group: 'group "x"',
        end_user: awkward,
        spend: "0.5000000000",
        metadata: { note: awkward, nested: { list: ["a\\\"b", "tab\there", "line\nbreak"] } },
        no_metadata: false,
      },
      { request_id: "chatcmpl-no-metadata", team_id: "team-{odd},\\name", model_group: null, end_user: null, spend: "0.2500000000", metadata: null, no_metadata: true },
    ]);
    await expectRollupsEqualRaw();
  });

  it("re-reading a window adds no rows and leaves the rollups unchanged", async () => {
    const now = new Date("2025-01-10T12:00:00Z");
    double().seedSpendLogs({ count: 2500, teamIds: ["team-a", "team-b", "team-c"], from: new Date(now.getTime() - 3 * HOUR), to: new Date(now.getTime() - HOUR) });
    const first = await ingestUsage(now);
    expect(first).toMatchObject({ read: 2500, inserted: 2500, pages: 3 });
    const before = await rollupsAndRaw();
    await expectRollupsEqualRaw();

    // The same window again (as after a crash before the window moved): everything read, nothing added.
    await db().execute(sql`truncate ingestion_state`);
    const again = await ingestUsage(now);
    expect(again).toMatchObject({ read: 2500, inserted: 0 });
    // And the usual next run, which re-reads the last five minutes.
    expect(await ingestUsage(new Date(now.getTime() + MINUTE))).toMatchObject({ inserted: 0 });

    expect(await storedIds()).toEqual(idsInDouble(new Date(now.getTime() - 24 * HOUR), now));
    expect(await rollupsAndRaw()).toEqual(before);
  });

  it("each run reaches back USAGE_LATE_ROWS_SECONDS (630 s), so rows LiteLLM writes late are picked up, once", async () => {
    const t1 = new Date("2025-01-15T12:00:00Z");
    double().seedSpendLogs({ count: 600, teamIds: ["team-a", "team-b"], from: new Date(t1.getTime() - 2 * HOUR), to: new Date(t1.getTime() - MINUTE) });
    expect(await ingestUsage(t1)).toMatchObject({ read: 600, inserted: 600 });

    // LiteLLM's batch writer adds rows that started before the last run ended, and new ones.
    double().seedSpendLogs({ count: 40, teamIds: ["team-a", "team-b"], from: new Date(t1.getTime() - 4 * MINUTE), to: new Date(t1.getTime() - 2 * MINUTE) });
    double().seedSpendLogs({ count: 200, teamIds: ["team-a", "team-c"], from: t1, to: new Date(t1.getTime() + 9 * MINUTE) });
    const t2 = new Date(t1.getTime() + 10 * MINUTE);
    const second = await ingestUsage(t2);
    expect(second.windowStart).toEqual(new Date(t1.getTime() - 630_000));
    expect(second.inserted).toBe(240);
    expect(second.checked).toBeGreaterThan(0); // the part read before was checked against LiteLLM's counts

    expect(await storedIds()).toEqual(idsInDouble(new Date(t1.getTime() - 24 * HOUR), t2));
    await expectRollupsEqualRaw();
  });

  it("a LiteLLM failure mid-window fails the run without moving the window; the next run stores each request once", async () => {
    const now = new Date("2025-01-20T12:00:00Z");
    double().seedSpendLogs({ count: 2000, teamIds: ["team-a", "team-b", "team-c"], from: new Date(now.getTime() - 2 * HOUR), to: new Date(now.getTime() - HOUR) });

    const failed = await ingestUsage(now, {
      pageSize: 100,
      // After a few pages LiteLLM starts answering 500, beyond the client's retries.
      onPage: ({ page }) => {
        if (page === 3) double().fault("/spend/logs/v2", { kind: "error500", count: 10 });
      },
    }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(failed?.message).toMatch(/500/);

    const state = await findIngestionState(db(), "spend-logs");
    // Not advanced: a first run records where its window started, and the error.
    expect(state?.windowStart).toEqual(new Date(now.getTime() - 24 * HOUR));
    expect(state?.lastError).toMatch(/500/);
    const partial = (await storedIds()).length;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(2000);
    expect(state?.rowsIngested).toBe(partial);
    await expectRollupsEqualRaw();

    double().clearFaults();
    const retried = await ingestUsage(now, { pageSize: 100 });
    expect(retried.inserted).toBe(2000 - partial);
    expect(await storedIds()).toEqual(idsInDouble(new Date(now.getTime() - 24 * HOUR), now));
    await expectRollupsEqualRaw();
    expect(await findIngestionState(db(), "spend-logs")).toMatchObject({ windowStart: now, lastError: null, rowsIngested: 2000 });
  });

  it("the scheduled run ingests only when due and queues the next run", async () => {
    const now = new Date("2025-01-25T12:00:00Z");
    double().seedSpendLogs({ count: 30, teamIds: ["team-a"], from: new Date(now.getTime() - HOUR), to: new Date(now.getTime() - MINUTE) });
    const first = await runScheduledIngestion(now);
    expect(first.ran).toBe(true);
    expect(first.result?.inserted).toBe(30);
    expect(first.nextRunAt).toEqual(new Date(now.getTime() + 15_000));

    const early = await runScheduledIngestion(new Date(now.getTime() + 5_000));
    expect(early).toMatchObject({ ran: false, nextRunAt: new Date(now.getTime() + 15_000) });

    // One run waits in the queue at most (stately), whoever sends it.
    const queued = rows<{ n: number }>(await db().execute(sql`select count(*)::int as n from pgboss.job where name = 'ingest-usage' and state = 'created'`));
    expect(queued[0].n).toBe(1);
  });

  it("a worker killed mid-ingestion loses nothing and counts nothing twice", { timeout: 180_000 }, async () => {
    const now = new Date();
    const from = new Date(now.getTime() - 3 * HOUR);
    const to = new Date(now.getTime() - HOUR);
    const count = 60_000;
    double().seedSpendLogs({ count, teamIds: ["team-k1", "team-k2", "team-k3", "team-k4"], from, to });

    const worker = await startWorker();
    try {
      // The queued run (or this one) starts at once: nothing has run against this database yet.
      await sendJob("ingest-usage", {});
      await waitFor("the worker to start storing rows", async () => (await storedCount()) > 0, 60_000);
      worker.child.kill("SIGKILL");
      await new Promise((resolve) => worker.child.once("exit", resolve));
    } finally {
      if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill("SIGKILL");
    }
    // A statement PostgreSQL was already running for the dead worker may still commit: wait until the count settles.
    let partial = -1;
    await waitFor("the killed worker's last writes to settle", async () => {
      const before = partial;
      await new Promise((r) => setTimeout(r, 300));
      partial = await storedCount();
      return partial === before;
    });
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(count);
    // The killed run never finished its window, so the window did not move.
    expect((await findIngestionState(db(), "spend-logs"))?.lastRunAt ?? null).toBeNull();
    await expectRollupsEqualRaw();

    const resumed = await ingestUsage();
    expect(resumed.read).toBe(count);
    expect(resumed.inserted).toBe(count - partial);
    const ids = await storedIds();
    expect(ids).toHaveLength(count);
    expect(ids).toEqual(idsInDouble(from, to));
    await expectRollupsEqualRaw();
  });

  it("falls back to 100-row pages when LiteLLM refuses a larger page size (LiteLLM before v1.95)", async () => {
    const now = new Date("2025-02-01T12:00:00Z");
    double().seedSpendLogs({ count: 250, teamIds: ["team-a"], from: new Date(now.getTime() - HOUR), to: new Date(now.getTime() - MINUTE) });
    // The double (current) allows 1000; more is refused with 422, like 2025 builds refuse more than 100.
    const result = await ingestUsage(now, { pageSize: 5000 });
    expect(result).toMatchObject({ read: 250, inserted: 250, pages: 3 });
  });
});

describe("usage ingestion against the real /spend/logs/v2 (CONTRACT §1 /spend/logs/v2, §3 When a row appears)", () => {
  beforeEach(reset);
  afterEach(() => {
    double().clearFaults();
    double().onSpendLogsRead(null);
  });

  it("stores all 25,000 rows of one window, though LiteLLM's total stops at 10,000 (total_is_capped)", { timeout: 120_000 }, async () => {
    const now = new Date("2025-03-01T12:00:00Z");
    double().seedSpendLogs({ count: 25_000, teamIds: ["team-cap-a", "team-cap-b"], from: new Date(now.getTime() - 2 * HOUR), to: new Date(now.getTime() - HOUR) });
    const result = await ingestUsage(now);
    expect(result.inserted).toBe(25_000);
    expect(await storedIds()).toEqual(idsInDouble(new Date(now.getTime() - 24 * HOUR), now));
    await expectRollupsEqualRaw();
  });

  it("stores, once, a long call whose row LiteLLM writes 9 minutes after its startTime", async () => {
    const t1 = new Date("2025-03-05T12:00:00Z");
    double().seedSpendLogs({ count: 200, teamIds: ["team-long"], from: new Date(t1.getTime() - HOUR), to: new Date(t1.getTime() - MINUTE) });
    expect(await ingestUsage(t1)).toMatchObject({ inserted: 200 });

    // Written after that run: a streaming call that started 9 minutes before the next run and has just ended.
    const t2 = new Date(t1.getTime() + 30_000);
    const startTime = new Date(t2.getTime() - 9 * MINUTE);
    double().seedSpendLogs([
      { request_id: "chatcmpl-long-9min", team_id: "team-long", model_group: "gpt-3.5-turbo", spend: 1.25, prompt_tokens: 4000, completion_tokens: 16000, startTime, endTime: new Date(t2.getTime() - 15_000) },
    ]);
    // Found by the run's look for calls that ended since the last run (no full count check: not due).
    expect(await ingestUsage(t2, { fullCheck: false })).toMatchObject({ inserted: 1 });
    expect(await ingestUsage(new Date(t2.getTime() + 15_000))).toMatchObject({ inserted: 0 });
    expect(await storedIds()).toEqual(idsInDouble(new Date(t1.getTime() - 24 * HOUR), t2));
    await expectRollupsEqualRaw();
  });

  it("stores a row a slow LiteLLM database wrote long after its call ended, at the next full count check", async () => {
    const t1 = new Date("2025-03-07T12:00:00Z");
    double().seedSpendLogs({ count: 500, teamIds: ["team-slow"], from: new Date(t1.getTime() - 20 * MINUTE), to: new Date(t1.getTime() - MINUTE) });
    expect(await ingestUsage(t1)).toMatchObject({ inserted: 500 });
    // Ended 5 minutes before t1, but written only after t1: LiteLLM's database was slow.
    double().seedSpendLogs([
      { request_id: "chatcmpl-slow-db", team_id: "team-slow", model_group: "gpt-3.5-turbo", spend: 0.5, startTime: new Date(t1.getTime() - 6 * MINUTE), endTime: new Date(t1.getTime() - 5 * MINUTE) },
    ]);
    expect(await ingestUsage(new Date(t1.getTime() + 15_000), { fullCheck: false })).toMatchObject({ inserted: 0 });
    const full = await ingestUsage(new Date(t1.getTime() + 75_000), { fullCheck: true });
    expect(full.inserted).toBe(1);
    expect(full.fetched).toBeLessThan(500); // only the slice LiteLLM counted more rows in was read again
    expect(await storedIds()).toEqual(idsInDouble(new Date(t1.getTime() - 24 * HOUR), t1));
  });

  it("stores rows LiteLLM writes between two page reads, which shift the pages under offset paging", async () => {
    const now = new Date("2025-03-10T12:00:00Z");
    double().seedSpendLogs({ count: 3000, teamIds: ["team-shift"], from: new Date(now.getTime() - 9 * MINUTE), to: new Date(now.getTime() - MINUTE) });
    let reads = 0;
    double().onSpendLogsRead(() => {
      reads++;
      if (reads !== 2 && reads !== 3) return;
      // Late rows of calls that started before the page being read: behind the reader's offset.
      double().seedSpendLogs(
        Array.from({ length: 25 }, (_, i) => ({
          request_id: `chatcmpl-shift-${reads}-${i}`,
          team_id: "team-shift",
          model_group: "gpt-3.5-turbo",
          spend: 0.01,
          startTime: new Date(now.getTime() - 8 * MINUTE + i * 1000 + reads),
        })),
      );
    });
    await ingestUsage(now);
    double().onSpendLogsRead(null);
    await ingestUsage(new Date(now.getTime() + 15_000));
    expect(reads).toBeGreaterThan(3);
    const ids = await storedIds();
    expect(ids).toHaveLength(3050);
    expect(ids).toEqual(idsInDouble(new Date(now.getTime() - 24 * HOUR), now));
    await expectRollupsEqualRaw();
  });

  it("stores every row of a group that shares one startTime across a page edge, though LiteLLM orders ties anew on each query", async () => {
    const now = new Date("2025-03-15T12:00:00Z");
    const base = now.getTime() - 2 * HOUR;
    // 3,000 rows, 60 to each startTime (a burst of calls per second): page edges at 1000 and 2000 cut groups.
    double().seedSpendLogs(
      Array.from({ length: 3000 }, (_, i) => ({
        request_id: `chatcmpl-tie-${i}`,
        team_id: "team-ties",
        model_group: "gpt-3.5-turbo",
        spend: 0.001,
        startTime: new Date(base + Math.floor(i / 60) * 1000 + 250),
      })),
    );
    const result = await ingestUsage(now);
    expect(result.inserted).toBe(3000);
    expect(await storedIds()).toEqual(idsInDouble(new Date(now.getTime() - 24 * HOUR), now));
  });
});

describe("USAGE_LATE_ROWS_SECONDS", () => {
  it("defaults to 630 (request_timeout 600 plus two batch writes) and accepts 60 to 86400 seconds", () => {
    expect(parseEnv({}).USAGE_LATE_ROWS_SECONDS).toBe(630);
    expect(parseEnv({ USAGE_LATE_ROWS_SECONDS: "60" }).USAGE_LATE_ROWS_SECONDS).toBe(60);
    expect(parseEnv({ USAGE_LATE_ROWS_SECONDS: "86400" }).USAGE_LATE_ROWS_SECONDS).toBe(86400);
    for (const bad of ["59", "86401", "1.5", "late"]) {
      expect(() => parseEnv({ USAGE_LATE_ROWS_SECONDS: bad })).toThrow(/USAGE_LATE_ROWS_SECONDS/);
    }
  });
});

describe("USAGE_INGEST_INTERVAL_SECONDS", () => {
  it("defaults to 15 and accepts 5 to 3600 seconds", () => {
    expect(parseEnv({}).USAGE_INGEST_INTERVAL_SECONDS).toBe(15);
    expect(parseEnv({ USAGE_INGEST_INTERVAL_SECONDS: "5" }).USAGE_INGEST_INTERVAL_SECONDS).toBe(5);
    expect(parseEnv({ USAGE_INGEST_INTERVAL_SECONDS: "3600" }).USAGE_INGEST_INTERVAL_SECONDS).toBe(3600);
    for (const bad of ["4", "3601", "1.5", "often"]) {
      expect(() => parseEnv({ USAGE_INGEST_INTERVAL_SECONDS: bad })).toThrow(ConfigError);
      expect(() => parseEnv({ USAGE_INGEST_INTERVAL_SECONDS: bad })).toThrow(/USAGE_INGEST_INTERVAL_SECONDS/);
    }
  });
});
