import { beforeAll, describe, expect, it, vi } from "vitest";
import { startLiteLLMDouble } from "./server.ts";
import { COMPATS, GPT35, MASTER, chat, get, post, sha256, teamWithKey, uid, useDouble, v2Date } from "./test-helpers.ts";
import type { LiteLLMDouble } from "./types.ts";

const SPEND_LOG_COLUMNS = [
  "request_id",
  "call_type",
  "api_key",
  "spend",
  "total_tokens",
  "prompt_tokens",
  "completion_tokens",
  "startTime",
  "endTime",
  "completionStartTime",
  "request_duration_ms",
  "model",
  "model_id",
  "model_group",
  "custom_llm_provider",
  "api_base",
  "user",
  "end_user",
  "team_id",
  "organization_id",
  "metadata",
  "cache_hit",
  "cache_key",
  "request_tags",
  "requester_ip_address",
  "messages",
  "response",
  "proxy_server_request",
  "session_id",
  "status",
  "mcp_namespaced_tool_name",
  "agent_id",
];

const ALL_TIME = `start_date=${encodeURIComponent("2000-01-01 00:00:00")}&end_date=${encodeURIComponent("2100-01-01 00:00:00")}`;
const v2 = (double: LiteLLMDouble, query: string) => get(double, `/spend/logs/v2?${query}`);
const window = (from: Date, to: Date) => `start_date=${encodeURIComponent(v2Date(from))}&end_date=${encodeURIComponent(v2Date(to))}`;

describe.each(COMPATS)("CONTRACT §3 spend writes (%s)", (compat) => {
  const d = useDouble({ compat, now: new Date("2025-11-25T10:00:00Z") });

  it("§3 Write path: spend lags until the batch write; flush() writes key spend, team spend and the log row together", async () => {
    const { rawKey, token, teamId } = await teamWithKey(d.current);
    const r = await chat(d.current, rawKey);
    expect(r.status).toBe(200);
    expect((await get(d.current, `/key/info?key=${token}`)).body.info.spend).toBe(0);
    expect((await v2(d.current, `${ALL_TIME}&api_key=${token}`)).body.total).toBe(0);

    await d.current.flush();
    const cost = 5 * GPT35.input + 16 * GPT35.output;
    expect((await get(d.current, `/key/info?key=${token}`)).body.info.spend).toBeCloseTo(cost, 15);
    expect((await get(d.current, `/team/info?team_id=${teamId}`)).body.team_info.spend).toBeCloseTo(cost, 15);
    const logs = await v2(d.current, `${ALL_TIME}&api_key=${token}`);
    expect(logs.body.total).toBe(1);
    expect(logs.body.data[0].request_id).toBe(r.body.id);
  });

  it("§3 spend-log row: the full column set and the documented values", async () => {
    const alias = uid("alias");
    const { rawKey, token, teamId } = await teamWithKey(d.current, { team_alias: "Spenders" }, { key_alias: alias, user_id: "owner-1" });
    const r = await chat(
      d.current,
      rawKey,
      { user: "customer-42", metadata: { tags: ["job:1", "batch"], spend_logs_metadata: { job_id: "j1" } } },
      { "x-litellm-session-id": "session-abc" },
    );
    await d.current.flush();
    const row = (await v2(d.current, `${ALL_TIME}&request_id=${r.body.id}`)).body.data[0];
    expect(Object.keys(row).sort()).toEqual([...SPEND_LOG_COLUMNS].sort());
    expect(row).toMatchObject({
      request_id: r.body.id,
      call_type: "acompletion",
      api_key: token,
      prompt_tokens: 5,
      completion_tokens: 16,
      total_tokens: 21,
      model: "gpt-3.5-turbo",
      model_group: "gpt-3.5-turbo",
      custom_llm_provider: "openai",
      user: "owner-1",
      end_user: "customer-42",
      team_id: teamId,
      cache_hit: "False",
      cache_key: "Cache OFF",
      request_tags: ["job:1", "batch"],
      session_id: "session-abc",
      status: "success",
      messages: {},
      response: {},
    });
    expect(row.spend).toBeCloseTo(5 * GPT35.input + 16 * GPT35.output, 15);
    expect(row.startTime).toBe("2025-11-25T10:00:00.000Z");
    expect(Date.parse(row.endTime) - Date.parse(row.startTime)).toBe(row.request_duration_ms);
    expect(row.metadata).toMatchObject({
      user_api_key: token,
      user_api_key_alias: alias,
      user_api_key_team_id: teamId,
      user_api_key_team_alias: "Spenders",
      user_api_key_user_id: "owner-1",
      spend_logs_metadata: { job_id: "j1" },
      status: "success",
    });
  });

  it("§3 request_tags also come from a top-level `tags`", async () => {
    const { rawKey } = await teamWithKey(d.current);
    const r = await chat(d.current, rawKey, { tags: ["t1"] });
    await d.current.flush();
    expect(d.current.state.spendLogs().find((l) => l.request_id === r.body.id)!.request_tags).toEqual(["t1"]);
  });

  it("§1 /key/delete and §3: deleting a key does not delete its logs", async () => {
    const { rawKey, token } = await teamWithKey(d.current);
    await chat(d.current, rawKey);
    await d.current.flush();
    await post(d.current, "/key/delete", { keys: [token] });
    expect((await v2(d.current, `${ALL_TIME}&api_key=${token}`)).body.total).toBe(1);
  });

  it("§1 /key/regenerate: spend-log rows keep the old hash (with premium)", async () => {
    const double = await startLiteLLMDouble({ masterKey: MASTER, compat, premium: true });
    try {
      const { rawKey, token } = await teamWithKey(double);
      await chat(double, rawKey);
      const regenerated = await post(double, `/key/${rawKey}/regenerate`, {});
      await double.flush();
      expect(double.state.spendLogs()[0].api_key).toBe(token);
      expect((await get(double, `/key/info?key=${regenerated.body.key}`)).body.info.spend).toBeGreaterThan(0);
    } finally {
      await double.close();
    }
  });
});

describe("CONTRACT §3 the batch timer", () => {
  it("§3 Write path: pending spend is written every batchWriteIntervalMs without flush()", async () => {
    const double = await startLiteLLMDouble({ masterKey: MASTER, batchWriteIntervalMs: 50 });
    try {
      const { rawKey, token } = await teamWithKey(double);
      await chat(double, rawKey);
      await vi.waitFor(async () => expect((await get(double, `/key/info?key=${token}`)).body.info.spend).toBeGreaterThan(0), { timeout: 5_000, interval: 20 });
      expect(double.state.spendLogs()).toHaveLength(1);
    } finally {
      await double.close();
    }
  });
});

describe.each(COMPATS)("CONTRACT §1 GET /spend/logs/v2 (%s)", (compat) => {
  const maxPageSize = compat === "current" ? 1000 : 100;
  const t0 = new Date("2025-11-20T00:00:00Z");
  const d = useDouble({ compat, now: new Date("2025-11-25T10:00:00Z") });
  const keyA = sha256("sk-a");
  const keyB = sha256("sk-b");

  beforeAll(() => {
    const rows = Array.from({ length: 25 }, (_, i) => ({
      request_id: `req-${String(i).padStart(2, "0")}`,
      startTime: new Date(t0.getTime() + i * 1000),
      api_key: i % 2 ? keyA : keyB,
      team_id: i % 2 ? "team-a" : "team-b",
      spend: i / 100,
      prompt_tokens: i,
      completion_tokens: 1,
      model: "gpt-3.5-turbo",
      model_group: "gpt-3.5-turbo",
      end_user: i < 5 ? "cust-1" : null,
      session_id: `sess-${i}-x`,
      status: i === 24 ? "failure" : "success",
      metadata: { user_api_key_alias: i % 2 ? "alias-a" : "alias-b", error_information: i === 24 ? { error_code: "429", error_message: "slow down please" } : null },
    }));
    d.current.seedSpendLogs(rows);
  });

  it("§1 /spend/logs/v2: start_date and end_date are required → 400 'Start date and end date are required'", async () => {
    const r = await v2(d.current, "page=1");
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ message: "Start date and end date are required", code: "400" });
    expect((await v2(d.current, `start_date=${encodeURIComponent("2025-11-20 00:00:00")}`)).status).toBe(400);
  });

  it(`§1 /spend/logs/v2 [VERSION]: page_size above ${maxPageSize} → 422; ${maxPageSize} is fine`, async () => {
    expect((await v2(d.current, `${ALL_TIME}&page_size=${maxPageSize}`)).status).toBe(200);
    const r = await v2(d.current, `${ALL_TIME}&page_size=${maxPageSize + 1}`);
    expect(r.status).toBe(422);
    expect(r.body.detail[0]).toMatchObject({ type: "less_than_equal", loc: ["query", "page_size"] });
  });

  it("§1 /spend/logs/v2: {data,total,page,page_size,total_pages}, default page_size 50, newest first", async () => {
    const r = await v2(d.current, ALL_TIME);
    // total_is_capped arrived with the count cap (v1.93.0); older builds do not send it.
    expect(Object.keys(r.body)).toEqual(["data", "total", "page", "page_size", "total_pages", ...(compat === "current" ? ["total_is_capped"] : [])]);
    expect(r.body).toMatchObject({ total: 25, page: 1, page_size: 50, total_pages: 1 });
    expect(r.body.data[0].request_id).toBe("req-24");
    expect(r.body.data.at(-1).request_id).toBe("req-00");
  });

  it("§1 /spend/logs/v2: paging covers every row once; total_pages = ceil(total/page_size)", async () => {
    const seen: string[] = [];
    for (let page = 1; ; page++) {
      const r = await v2(d.current, `${ALL_TIME}&page_size=10&page=${page}`);
      expect(r.body).toMatchObject({ total: 25, total_pages: 3, page, page_size: 10 });
      seen.push(...r.body.data.map((row: { request_id: string }) => row.request_id));
      if (page >= r.body.total_pages) break;
    }
    expect(seen).toHaveLength(25);
    expect(new Set(seen).size).toBe(25);
  });

  it("§1 /spend/logs/v2: the window is inclusive on startTime", async () => {
    const from = new Date(t0.getTime() + 3000);
    const to = new Date(t0.getTime() + 5000);
    const r = await v2(d.current, window(from, to));
    expect(r.body.data.map((row: { request_id: string }) => row.request_id)).toEqual(["req-05", "req-04", "req-03"]);
    expect((await v2(d.current, window(from, from))).body.total).toBe(1);
  });

  it("§1 /spend/logs/v2: dates must be 'YYYY-MM-DD HH:MM:SS' (a bare date is refused)", async () => {
    const r = await v2(d.current, "start_date=2025-11-20&end_date=2025-11-21");
    expect(r.status).toBe(500);
    expect(r.body.error.message).toContain("does not match format '%Y-%m-%d %H:%M:%S'");
  });

  it("§1 /spend/logs/v2 filters: team_id, api_key, key_alias, model_group, end_user, request_id", async () => {
    expect((await v2(d.current, `${ALL_TIME}&team_id=team-a`)).body.total).toBe(12);
    expect((await v2(d.current, `${ALL_TIME}&api_key=${keyB}`)).body.total).toBe(13);
    expect((await v2(d.current, `${ALL_TIME}&key_alias=alias-a`)).body.total).toBe(12);
    expect((await v2(d.current, `${ALL_TIME}&model_group=gpt-3.5-turbo&end_user=cust-1`)).body.total).toBe(5);
    expect((await v2(d.current, `${ALL_TIME}&request_id=req-07`)).body.data.map((r: { request_id: string }) => r.request_id)).toEqual(["req-07"]);
  });

  it("§1 /spend/logs/v2 filters: min_spend/max_spend, status_filter, session_id (partial), error_code, error_message (partial)", async () => {
    expect((await v2(d.current, `${ALL_TIME}&min_spend=0.1&max_spend=0.2`)).body.total).toBe(11);
    expect((await v2(d.current, `${ALL_TIME}&status_filter=failure`)).body.data.map((r: { request_id: string }) => r.request_id)).toEqual(["req-24"]);
    expect((await v2(d.current, `${ALL_TIME}&session_id=sess-1`)).body.total).toBe(11); // sess-1-x, sess-10-x … sess-19-x
    expect((await v2(d.current, `${ALL_TIME}&error_code=429`)).body.total).toBe(1);
    expect((await v2(d.current, `${ALL_TIME}&error_message=slow`)).body.total).toBe(1);
  });

  it("§1 /spend/logs/v2: sort_by spend asc; filters and sort combine with paging", async () => {
    const r = await v2(d.current, `${ALL_TIME}&sort_by=spend&sort_order=asc&team_id=team-b&page_size=3&page=2`);
    expect(r.body).toMatchObject({ total: 13, total_pages: 5 });
    expect(r.body.data.map((row: { request_id: string }) => row.request_id)).toEqual(["req-06", "req-08", "req-10"]);
  });
});

describe("CONTRACT §1 /spend/logs/v2 sorting on a larger window", () => {
  const d = useDouble();

  it("§1 /spend/logs/v2 sort_by: pages of sort_by=spend and sort_by=total_tokens match a full sort of the rows", async () => {
    d.current.seedSpendLogs({ count: 3_000, from: new Date("2025-05-01T00:00:00Z"), to: new Date("2025-05-02T00:00:00Z") });
    const rows = d.current.state.spendLogs();
    for (const [sortBy, pick] of [
      ["spend", (r: { spend: number }) => r.spend],
      ["total_tokens", (r: { total_tokens: number }) => r.total_tokens],
    ] as const) {
      const expected = [...rows].sort((a, b) => pick(b) - pick(a) || Date.parse(b.startTime) - Date.parse(a.startTime)).map((r) => r.request_id);
      const got: string[] = [];
      for (const page of [1, 2, 3]) {
        const r = await v2(d.current, `${ALL_TIME}&sort_by=${sortBy}&page_size=20&page=${page}`);
        got.push(...r.body.data.map((row: { request_id: string }) => row.request_id));
      }
      expect(got).toEqual(expected.slice(0, 60));
    }
  });
});

describe.each(COMPATS)("CONTRACT §1 GET /spend/logs (deprecated) (%s)", (compat) => {
  const d = useDouble({ compat });
  const key = "sk-legacy-key-1";
  const hash = sha256(key);

  beforeAll(() => {
    d.current.seedSpendLogs([
      { request_id: "l1", startTime: "2025-01-01T10:00:00Z", api_key: hash, user: "u1", model: "gpt-3.5-turbo", spend: 1 },
      { request_id: "l2", startTime: "2025-01-01T12:00:00Z", api_key: hash, user: "u2", model: "gpt-4-turbo", spend: 2 },
      { request_id: "l3", startTime: "2025-01-02T09:00:00Z", api_key: "other", user: "u1", model: "gpt-3.5-turbo", spend: 4 },
      { request_id: "l4", startTime: "2025-01-04T09:00:00Z", api_key: hash, user: "u1", model: "gpt-3.5-turbo", spend: 8 },
    ]);
  });

  it("§1 /spend/logs: summarize (default true) → one object per day, zero-filled up to end_date", async () => {
    const r = await get(d.current, "/spend/logs?start_date=2025-01-01&end_date=2025-01-03");
    expect(r.status).toBe(200);
    expect(r.body).toEqual([
      { startTime: "2025-01-01", spend: 3, [hash]: 3, users: { u1: 1, u2: 2 }, models: { "gpt-3.5-turbo": 1, "gpt-4-turbo": 2 } },
      { startTime: "2025-01-02", spend: 4, other: 4, users: { u1: 4 }, models: { "gpt-3.5-turbo": 4 } },
      { startTime: "2025-01-03", spend: 0, users: {}, models: {} },
    ]);
  });

  it("§1 /spend/logs: summarize=false → raw rows in [start, end] newest first; end_date is midnight", async () => {
    const r = await get(d.current, "/spend/logs?start_date=2025-01-01&end_date=2025-01-04&summarize=false");
    expect(r.body.map((row: { request_id: string }) => row.request_id)).toEqual(["l3", "l2", "l1"]);
  });

  it("§1 /spend/logs: with dates only one filter applies, api_key before request_id, and api_key is not hashed", async () => {
    const byHash = await get(d.current, `/spend/logs?start_date=2025-01-01&end_date=2025-01-05&summarize=false&api_key=${hash}&request_id=l3`);
    expect(byHash.body.map((row: { request_id: string }) => row.request_id)).toEqual(["l4", "l2", "l1"]);
    const byRaw = await get(d.current, `/spend/logs?start_date=2025-01-01&end_date=2025-01-05&summarize=false&api_key=${key}`);
    expect(byRaw.body).toEqual([]);
  });

  it("§1 /spend/logs: without dates, api_key (sk- hashed server-side) → all its rows; request_id → [row]; nothing → every row", async () => {
    expect((await get(d.current, `/spend/logs?api_key=${key}`)).body.map((r: { request_id: string }) => r.request_id)).toEqual(["l4", "l2", "l1"]);
    expect((await get(d.current, "/spend/logs?request_id=l3")).body.map((r: { request_id: string }) => r.request_id)).toEqual(["l3"]);
    expect((await get(d.current, "/spend/logs?user_id=u2")).body.map((r: { request_id: string }) => r.request_id)).toEqual(["l2"]);
    expect((await get(d.current, "/spend/logs")).body).toHaveLength(4);
  });
});

describe.each(COMPATS)("CONTRACT §1 GET /team/daily/activity (%s)", (compat) => {
  const d = useDouble({ compat, now: new Date("2025-11-25T10:00:00Z") });

  it("§1 /team/daily/activity: {results:[{date, metrics, breakdown}], metadata}; fed by the same batch write", async () => {
    const { rawKey, token, teamId } = await teamWithKey(d.current, { team_alias: "Daily" }, { key_alias: "daily-key" });
    await chat(d.current, rawKey);
    await chat(d.current, rawKey, { model: "gpt-4-turbo" });
    expect((await get(d.current, `/team/daily/activity?start_date=2025-11-25&end_date=2025-11-25&team_ids=${teamId}`)).body.results).toEqual([]);
    await d.current.flush();
    const r = await get(d.current, `/team/daily/activity?start_date=2025-11-25&end_date=2025-11-25&team_ids=${teamId}`);
    expect(r.status).toBe(200);
    expect(r.body.results).toHaveLength(1);
    const day = r.body.results[0];
    expect(day.date).toBe("2025-11-25");
    expect(day.metrics).toMatchObject({ prompt_tokens: 10, completion_tokens: 32, total_tokens: 42, successful_requests: 2, failed_requests: 0, api_requests: 2 });
    expect(Object.keys(day.breakdown.models).sort()).toEqual(["gpt-3.5-turbo", "gpt-4-turbo"]);
    expect(day.breakdown.api_keys[token].metadata).toEqual({ key_alias: "daily-key", team_id: teamId });
    expect(day.breakdown.entities[teamId].metadata).toEqual({ team_alias: "Daily" });
    expect(r.body.metadata).toMatchObject({ total_api_requests: 2, total_tokens: 42, page: 1, total_pages: 1, has_more: false });
    expect(r.body.metadata.total_spend).toBeCloseTo(day.metrics.spend, 15);
  });

  it("§1 /team/daily/activity: page_size defaults to 10 (aggregate rows per page)", async () => {
    const from = new Date("2025-10-01T00:00:00Z");
    d.current.seedSpendLogs({ count: 2_000, teamIds: ["daily-a"], keyHashes: [sha256("sk-d1")], from, to: new Date("2025-10-30T23:59:59Z"), models: ["gpt-3.5-turbo"] });
    const r = await get(d.current, "/team/daily/activity?start_date=2025-10-01&end_date=2025-10-30&team_ids=daily-a");
    expect(r.body.results).toHaveLength(10);
    expect(r.body.results[0].date).toBe("2025-10-30");
    expect(r.body.metadata).toMatchObject({ page: 1, total_pages: 3, has_more: true });
  });
});

describe("CONTRACT §4 pain points 1–7: a million spend-log rows", () => {
  it("seedSpendLogs takes 1,000,000 rows and /spend/logs/v2 pages a window of them", async () => {
    const double = await startLiteLLMDouble({ masterKey: MASTER });
    try {
      const from = new Date("2025-01-01T00:00:00Z");
      const to = new Date("2025-03-31T23:59:59Z");
      const teams = Array.from({ length: 50 }, (_, i) => `bench-team-${i}`);
      const keys = Array.from({ length: 200 }, (_, i) => sha256(`sk-bench-${i}`));
      double.seedSpendLogs({ count: 1_000_000, teamIds: teams, keyHashes: keys, from, to });

      const day = window(new Date("2025-02-10T00:00:00Z"), new Date("2025-02-10T23:59:59Z"));
      const first = await v2(double, `${day}&page_size=1000`);
      expect(first.status).toBe(200);
      // About 11,000 rows that day: the count stops at the cap (CONTRACT §1 /spend/logs/v2).
      expect(first.body).toMatchObject({ total: 10_000, total_is_capped: true, total_pages: 10 });
      expect(first.body.data).toHaveLength(1000);
      const rowsThatDay = double.state.spendLogs().filter((r) => r.startTime.startsWith("2025-02-10")).length;
      expect(rowsThatDay).toBeGreaterThan(10_000);
      const past = await v2(double, `${day}&page_size=1000&page=${Math.ceil(rowsThatDay / 1000)}`);
      expect(past.body.data.length).toBe(rowsThatDay - (Math.ceil(rowsThatDay / 1000) - 1) * 1000);
      const times = first.body.data.map((r: { startTime: string }) => Date.parse(r.startTime));
      expect(times).toEqual([...times].sort((a, b) => b - a));

      const team = await v2(double, `${day}&team_id=bench-team-7&page_size=100`);
      expect(team.body.total).toBeGreaterThan(0);
      expect(team.body.data.every((r: { team_id: string }) => r.team_id === "bench-team-7")).toBe(true);
      const hs = await post(double, "/_double/seed-spend-logs", { count: 10, from: "2025-04-01T00:00:00Z", to: "2025-04-01T01:00:00Z" });
      expect(hs.body).toMatchObject({ inserted: 10, total: 1_000_010 });
    } finally {
      await double.close();
    }
  }, 60_000);
});

describe("CONTRACT §1 /spend/logs/v2: the count cap, ties and rows written between reads (current)", () => {
  const d = useDouble({ now: new Date("2025-12-01T12:00:00Z") });
  const from = new Date("2025-06-01T00:00:00Z");
  const to = new Date("2025-06-01T00:10:00Z");
  beforeAll(() => d.current.seedSpendLogs({ count: 12_500, from, to }));
  const ids = (r: { body: { data: Array<{ request_id: string }> } }) => r.body.data.map((row) => row.request_id);

  it("§1 /spend/logs/v2 count cap: past 10,000 rows total = 10,000, total_is_capped, total_pages = ceil(10000/page_size)", async () => {
    const r = await v2(d.current, `${window(from, to)}&page_size=1000&sort_order=asc`);
    expect(r.body).toMatchObject({ total: 10_000, total_is_capped: true, total_pages: 10, page_size: 1000 });
    const under = await v2(d.current, `${window(from, new Date(from.getTime() + 60_000))}&page_size=1000`);
    expect(under.body.total).toBeLessThan(10_000);
    expect(under.body.total_is_capped).toBe(false);
  });

  it("§1 /spend/logs/v2 count cap: pages after total_pages still return rows, to the last one", async () => {
    const seen = new Set<string>();
    let page = 1;
    for (; ; page++) {
      const r = await v2(d.current, `${window(from, to)}&page_size=1000&sort_order=asc&page=${page}`);
      for (const id of ids(r)) seen.add(id);
      if (r.body.data.length < 1000) break;
    }
    expect(page).toBe(13); // total_pages says 10
    expect(seen.size).toBe(12_500);
  });

  it("§1 /spend/logs/v2 ties: rows sharing a startTime across a page edge come back in a new order on each query", async () => {
    const double = await startLiteLLMDouble({ masterKey: MASTER });
    try {
      const t = new Date("2025-07-01T00:00:00.500Z");
      double.seedSpendLogs(Array.from({ length: 40 }, (_, i) => ({ request_id: `tie-${i}`, startTime: t })));
      const day = window(new Date("2025-07-01T00:00:00Z"), new Date("2025-07-01T00:00:01Z"));
      const firstPages = new Set<string>();
      let skipped = 0;
      for (let run = 0; run < 20; run++) {
        const p1 = ids(await v2(double, `${day}&page_size=20&page=1`));
        const p2 = ids(await v2(double, `${day}&page_size=20&page=2`));
        firstPages.add(p1.join(","));
        skipped += 40 - new Set([...p1, ...p2]).size;
      }
      expect(firstPages.size).toBeGreaterThan(1);
      expect(skipped).toBeGreaterThan(0); // offset paging lost rows at the edge
      // One page holding the whole group always has all of it.
      expect(new Set(ids(await v2(double, `${day}&page_size=50`))).size).toBe(40);
    } finally {
      await double.close();
    }
  });

  it("§1 /spend/logs/v2: rows written between two page reads shift the offsets (a row moves past the edge unseen)", async () => {
    const double = await startLiteLLMDouble({ masterKey: MASTER, spendLogsTies: "stable" });
    try {
      const base = Date.parse("2025-08-01T00:00:00Z");
      double.seedSpendLogs(Array.from({ length: 20 }, (_, i) => ({ request_id: `row-${String(i).padStart(2, "0")}`, startTime: new Date(base + i * 1000) })));
      const span = window(new Date(base), new Date(base + 60_000));
      let reads = 0;
      double.onSpendLogsRead(() => {
        // Before the second read, LiteLLM writes a row that started before the first page's edge.
        if (++reads === 2) double.seedSpendLogs([{ request_id: "late-row", startTime: new Date(base + 2500) }]);
      });
      const p1 = ids(await v2(double, `${span}&page_size=10&sort_order=asc`));
      const p2 = ids(await v2(double, `${span}&page_size=10&sort_order=asc&page=2`));
      const p3 = ids(await v2(double, `${span}&page_size=10&sort_order=asc&page=3`));
      expect(p2[0]).toBe(p1.at(-1)); // the edge row again
      expect([...p1, ...p2, ...p3]).not.toContain("late-row");
      expect(new Set([...p1, ...p2, ...p3]).size).toBe(20);
    } finally {
      await double.close();
    }
  });
});

describe("CONTRACT §3 When a row appears: a long call that just finished", () => {
  const d = useDouble({ now: new Date("2025-12-02T12:00:00Z") });

  it("§3 When a row appears: finishLongCall writes, at the next batch, a row that started minutes ago", async () => {
    const { rawKey, token, teamId } = await teamWithKey(d.current);
    const id = d.current.finishLongCall({ key: rawKey, model: "gpt-3.5-turbo", durationMs: 9 * 60_000, promptTokens: 100, completionTokens: 200 });
    const nineMinutesAgo = new Date(d.current.clock.now().getTime() - 9 * 60_000);
    const recent = window(new Date(nineMinutesAgo.getTime() - 1000), d.current.clock.now());
    expect((await v2(d.current, `${recent}&request_id=${id}`)).body.total).toBe(0); // not yet written
    await d.current.flush();
    const r = await v2(d.current, `${recent}&request_id=${id}`);
    expect(r.body.data[0]).toMatchObject({ api_key: token, team_id: teamId, startTime: nineMinutesAgo.toISOString(), endTime: d.current.clock.now().toISOString() });
    const cost = 100 * GPT35.input + 200 * GPT35.output;
    expect(r.body.data[0].spend).toBeCloseTo(cost, 15);
    expect((await get(d.current, `/team/info?team_id=${teamId}`)).body.team_info.spend).toBeCloseTo(cost, 15);

    const viaHttp = await post(d.current, "/_double/long-call", { key: token, model: "gpt-3.5-turbo", duration_ms: 600_000 });
    expect(viaHttp.body).toMatchObject({ ok: true });
    await d.current.flush();
    const row = (await v2(d.current, `${ALL_TIME}&request_id=${viaHttp.body.request_id}`)).body.data[0];
    expect(Date.parse(row.endTime) - Date.parse(row.startTime)).toBe(600_000);
  });
});
