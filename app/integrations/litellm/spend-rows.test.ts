import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLiteLLMDouble, type LiteLLMDouble } from "../../../test/litellm-double/server.ts";
import { LiteLLMClient } from "./client.server.ts";
import { LiteLLMError } from "./errors.ts";
import { spendLogsPageReference } from "./schemas.ts";
import { checkSpendLogsPage } from "./spend-rows.ts";

/**
 * The hand-written /spend/logs/v2 checker must accept, refuse and fill in exactly what the zod
 * schema did before it (`spendLogsPageReference`), name the same field in the same words, and
 * leave LiteLLM's numbers as they came.
 */

const MASTER = "sk-master-for-spend-rows-tests";

/** A row as LiteLLM v1.95 sends it (CONTRACT §3), columns the product does not read included. */
function fullRow(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    request_id: "chatcmpl-1",
    call_type: "acompletion",
    api_key: "8f2c6f3a9e1b4d7c0a5e2f8b1c9d4e7a6b3f0c2d5e8a1b4c7d0e3f6a9b2c5d8e",
    spend: 0.000123456789,
    total_tokens: 42,
    prompt_tokens: 12,
    completion_tokens: 30,
    startTime: "2025-01-05T10:15:00.250000",
    endTime: "2025-01-05T10:15:01.500000",
    completionStartTime: null,
    request_duration_ms: 1250,
    model: "gpt-4-turbo-2024-04-09",
    model_id: "d1",
    model_group: "gpt-4-turbo",
    custom_llm_provider: "openai",
    api_base: "",
    user: "default_user_id",
    end_user: "customer-42",
    team_id: "team-1",
    organization_id: null,
    metadata: { user_api_key_team_id: "team-1", spend_logs_metadata: null },
    cache_hit: "False",
    cache_key: "Cache OFF",
    request_tags: ["a"],
    requester_ip_address: null,
    messages: {},
    response: {},
    proxy_server_request: {},
    session_id: null,
    status: "success",
    ...overrides,
  };
}

function pageOf(data: unknown, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const n = Array.isArray(data) ? data.length : 0;
  return { data, total: n, page: 1, page_size: 1000, total_pages: 1, ...overrides };
}

type Outcome = { ok: true; page: unknown } | { ok: false; issues: Array<{ path: Array<string | number>; message: string }> };

/** What zod (the schema the client used before) makes of a page: the same shape as the checker's answer. */
function byZod(value: unknown): Outcome {
  const parsed = spendLogsPageReference.safeParse(structuredClone(value));
  if (parsed.success) return { ok: true, page: parsed.data };
  return { ok: false, issues: parsed.error.issues.slice(0, 3).map((i) => ({ path: i.path, message: i.message })) };
}

function byChecker(value: unknown): Outcome {
  return checkSpendLogsPage(structuredClone(value));
}

const withoutField = (field: string, row = fullRow()) => {
  const copy = { ...row };
  delete copy[field];
  return copy;
};

const STRING_FIELDS = ["request_id", "api_key", "team_id", "model", "model_group", "startTime", "endTime", "end_user", "session_id", "status"];
const NUMBER_FIELDS = ["spend", "prompt_tokens", "completion_tokens", "total_tokens", "request_duration_ms"];
const VALUES: Array<[string, unknown]> = [
  ["a string", "12.5"],
  ["an empty string", ""],
  ["a number", 3],
  ["zero", 0],
  ["a negative number", -1.5],
  ["NaN", Number.NaN],
  ["true", true],
  ["an array", ["x"]],
  ["an object", { value: 1 }],
  ["null", null],
];

describe("checking /spend/logs/v2 rows by hand", () => {
  it("accepts a full row and hands it back unchanged, spend the same JSON number LiteLLM sent", () => {
    const text = JSON.stringify(pageOf([fullRow({ spend: 0.30000000000000004 }), fullRow({ request_id: "chatcmpl-2", spend: 1e-7 })]));
    const result = checkSpendLogsPage(JSON.parse(text));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.page.data[0]).toEqual(fullRow({ spend: 0.30000000000000004 }));
    expect(String(result.page.data[0].spend)).toBe("0.30000000000000004");
    expect(String(result.page.data[1].spend)).toBe("1e-7");
    // Columns the product does not read are let through, as LiteLLM adds them between versions.
    expect(result.page.data[0]).toMatchObject({ call_type: "acompletion", cache_key: "Cache OFF", request_tags: ["a"] });
    expect(JSON.stringify(result.page)).toBe(text);
    expect(byChecker(JSON.parse(text))).toEqual(byZod(JSON.parse(text)));
  });

  it("fills in an older LiteLLM's row (no status, duration, end user or model group; nulls) like the zod schema did", () => {
    const old = { request_id: "chatcmpl-old", api_key: null, spend: null, startTime: "2024-06-01 09:00:00", endTime: null, team_id: null, metadata: {} };
    const result = checkSpendLogsPage(pageOf([old]));
    expect(result.ok && result.page.data[0]).toEqual({
      request_id: "chatcmpl-old",
      api_key: "",
      team_id: null,
      model: null,
      model_group: null,
      spend: 0,
      prompt_tokens: 0,
      completion_tokens: 0,
      total_tokens: 0,
      startTime: "2024-06-01 09:00:00",
      endTime: null,
      request_duration_ms: null,
      end_user: null,
      session_id: null,
      status: null,
      metadata: {},
    });
    expect(byChecker(pageOf([old]))).toEqual(byZod(pageOf([old])));
    expect(byChecker(pageOf([{ request_id: "r", startTime: "2024-06-01 09:00:00" }]))).toEqual(byZod(pageOf([{ request_id: "r", startTime: "2024-06-01 09:00:00" }])));
  });

  it("refuses a string where a number belongs instead of converting it: spend and tokens stay LiteLLM's numbers", () => {
    const result = checkSpendLogsPage(pageOf([fullRow(), fullRow({ spend: "0.5" })]));
    expect(result).toEqual({ ok: false, issues: [{ path: ["data", 1, "spend"], message: "Expected number, received string" }] });
    expect(checkSpendLogsPage(pageOf([fullRow({ prompt_tokens: "12" })]))).toEqual({
      ok: false,
      issues: [{ path: ["data", 0, "prompt_tokens"], message: "Expected number, received string" }],
    });
  });

  it("names the missing required fields the way zod did", () => {
    expect(checkSpendLogsPage(pageOf([withoutField("request_id")]))).toEqual({ ok: false, issues: [{ path: ["data", 0, "request_id"], message: "Required" }] });
    expect(checkSpendLogsPage(pageOf([withoutField("startTime")]))).toEqual({ ok: false, issues: [{ path: ["data", 0, "startTime"], message: "Required" }] });
    expect(checkSpendLogsPage(pageOf([fullRow({ startTime: null })]))).toEqual({
      ok: false,
      issues: [{ path: ["data", 0, "startTime"], message: "Expected string, received null" }],
    });
  });

  describe.each(STRING_FIELDS)("the string field %s", (field) => {
    it.each(VALUES)("given %s: accepted, filled in or refused exactly as the zod schema did", (_label, value) => {
      const page = pageOf([fullRow(), fullRow({ request_id: "chatcmpl-2", [field]: value })]);
      const checked = byChecker(page);
      expect(checked).toEqual(byZod(page));
      if (typeof value !== "string" && value !== null) expect(checked).toMatchObject({ ok: false, issues: [{ path: ["data", 1, field] }] });
    });
    it("when absent", () => expect(byChecker(pageOf([withoutField(field)]))).toEqual(byZod(pageOf([withoutField(field)]))));
  });

  describe.each(NUMBER_FIELDS)("the number field %s", (field) => {
    it.each(VALUES)("given %s: accepted, filled in or refused exactly as the zod schema did", (_label, value) => {
      const page = pageOf([fullRow({ [field]: value })]);
      const checked = byChecker(page);
      expect(checked).toEqual(byZod(page));
      if (value !== null && (typeof value !== "number" || Number.isNaN(value))) {
        expect(checked).toMatchObject({ ok: false, issues: [{ path: ["data", 0, field] }] });
      }
    });
    it("when absent", () => expect(byChecker(pageOf([withoutField(field)]))).toEqual(byZod(pageOf([withoutField(field)]))));
  });

  it.each(VALUES)("keeps metadata and request_tags as sent, given %s", (_label, value) => {
    const page = pageOf([fullRow({ metadata: value, request_tags: value })]);
    expect(byChecker(page)).toEqual(byZod(page));
    expect(byChecker(page)).toMatchObject({ ok: true });
  });

  it("refuses a page that is not the paged shape, naming the field", () => {
    const cases: unknown[] = [
      null,
      "Internal Server Error",
      [fullRow()],
      { data: [fullRow()] },
      pageOf({ rows: [] }),
      pageOf([fullRow()], { total_pages: "1" }),
      pageOf([fullRow(), "row", null, [1]]),
      pageOf([{ spend: "1", prompt_tokens: "2", startTime: 3 }]),
      pageOf([fullRow({ spend: "1" }), fullRow({ team_id: 7 })], { total: null }),
    ];
    for (const value of cases) {
      const checked = byChecker(value);
      expect(checked.ok).toBe(false);
      expect(checked).toEqual(byZod(value));
    }
    expect(byChecker({ data: [fullRow()] })).toEqual({
      ok: false,
      issues: [
        { path: ["total"], message: "Required" },
        { path: ["page"], message: "Required" },
        { path: ["page_size"], message: "Required" },
      ],
    });
  });
});

describe.each(["current", "legacy"] as const)("the LiteLLM client's spend logs against the double (%s)", (compat) => {
  let double: LiteLLMDouble;
  let client: LiteLLMClient;

  beforeAll(async () => {
    double = await startLiteLLMDouble({ port: 0, masterKey: MASTER, compat, batchWriteIntervalMs: 60_000 });
    client = new LiteLLMClient({ baseUrl: double.url, masterKey: MASTER, maxAttempts: 1 });
  });
  afterAll(() => double.close());

  it("reads every row the double serves, as the zod schema read them", async () => {
    const from = new Date("2025-03-01T00:00:00Z");
    const to = new Date("2025-03-01T01:00:00Z");
    double.seedSpendLogs({ count: 250, teamIds: ["team-a", "team-b"], from, to });
    double.seedSpendLogs([{ request_id: "chatcmpl-bare", startTime: "2025-03-01T00:30:00Z", spend: 0.1 }]);
    const query = new URLSearchParams({ start_date: "2025-03-01 00:00:00", end_date: "2025-03-01 01:00:00", page: "1", page_size: "100" });
    const raw: unknown = await (await fetch(`${double.url}/spend/logs/v2?${query}`, { headers: { authorization: `Bearer ${MASTER}` } })).json();
    expect(byChecker(raw)).toEqual(byZod(raw));

    const rows = [];
    for await (const page of client.spendLogs({ start: from, end: to, pageSize: 100 })) rows.push(...page);
    expect(rows).toHaveLength(251);
    expect(rows.find((r) => r.request_id === "chatcmpl-bare")).toMatchObject({ spend: 0.1, team_id: null, api_key: expect.any(String) });
  });
});

describe("a malformed /spend/logs/v2 answer", () => {
  let server: http.Server;
  let body = "";
  let client: LiteLLMClient;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (!req.url?.startsWith("/spend/logs/v2")) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    client = new LiteLLMClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, masterKey: MASTER, maxAttempts: 3, baseDelayMs: 1 });
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const read = () => client.spendLogsPage({ start: new Date("2025-03-01T00:00:00Z"), end: new Date("2025-03-01T01:00:00Z") }, 1).then(() => undefined, (e: unknown) => e);

  it("fails with a LiteLLM upstream error that names the row and field, and is not retried", async () => {
    body = JSON.stringify(pageOf([fullRow(), fullRow({ request_id: "chatcmpl-2", spend: "0.25" })]));
    const error = await read();
    expect(error).toBeInstanceOf(LiteLLMError);
    expect(error).toMatchObject({ type: "upstream", retryable: false, status: 200, route: "/spend/logs/v2" });
    expect((error as Error).message).toBe("LiteLLM's answer to /spend/logs/v2 did not have the expected shape: data.1.spend Expected number, received string");

    body = JSON.stringify(pageOf([withoutField("request_id")]));
    expect(((await read()) as Error).message).toMatch(/data\.0\.request_id Required$/);
  });

  it("reads a well-formed page from the same server", async () => {
    body = JSON.stringify(pageOf([fullRow({ api_key: null, status: null })]));
    const page = await client.spendLogsPage({ start: new Date("2025-03-01T00:00:00Z"), end: new Date("2025-03-01T01:00:00Z") }, 1);
    expect(page.data[0]).toMatchObject({ request_id: "chatcmpl-1", api_key: "", status: null, spend: 0.000123456789 });
  });
});
