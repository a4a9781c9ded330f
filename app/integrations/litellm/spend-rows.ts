import { z } from "zod";
import type { SpendLog } from "./schemas.ts";

/**
 * The /spend/logs/v2 answer, checked by hand. Usage ingestion reads a million of these rows in a
 * run, and running `spendLogSchema` (zod) on each cost about 20 µs a row and most of the garbage
 * the run made. This checker accepts, refuses and fills in exactly what `spendLogSchema` and the
 * page schema in schemas.ts do (spend-rows.test.ts holds it to that, field by field), with the same
 * issue paths and messages, so a malformed row still becomes the same LiteLLMError naming the field
 * (`data.3.spend Expected number, received string`). `spendLogSchema` stays the documentation of
 * the row and the source of the `SpendLog` type.
 *
 * Rows are filled in where they are: the checked page is the object JSON.parse made, with null or
 * missing fields set to their defaults (as zod's `transform`s do). Spend stays the JSON number
 * LiteLLM sent, as before (ingestion stores its shortest decimal text, digit for digit).
 */

export type SpendRowIssue = { path: Array<string | number>; message: string };

export type SpendLogsPage = {
  data: SpendLog[];
  total: number;
  page: number;
  page_size: number;
  total_pages: number;
  /**
   * LiteLLM v1.93+: `total` stopped at SPEND_LOGS_PAGINATION_COUNT_CAP (10,000), so `total` and
   * `total_pages` undercount and later pages still hold rows (CONTRACT §1). Absent before v1.93.
   */
  total_is_capped?: boolean;
  [extra: string]: unknown;
};

/** zod stops listing after this many in the error message (client.server.ts shows 3); we stop looking. */
const MAX_ISSUES = 3;

/** zod's name for a value's type (ZodParsedType), for the same "Expected x, received y" messages. */
function received(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number" && Number.isNaN(value)) return "nan";
  return typeof value;
}

function expected(type: string, value: unknown): string {
  return value === undefined ? "Required" : `Expected ${type}, received ${received(value)}`;
}

const isNumber = (value: unknown): value is number => typeof value === "number" && !Number.isNaN(value);
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

function bad(issues: SpendRowIssue[], index: number, field: string, type: string, value: unknown): void {
  issues.push({ path: ["data", index, field], message: expected(type, value) });
}

/**
 * Checks one row (`data[index]`) and fills in its defaults; pushes what is wrong to `issues`.
 * The fields, in `spendLogSchema`'s order (zod reports in that order too).
 */
function checkRow(row: Record<string, unknown>, index: number, issues: SpendRowIssue[]): void {
  let v: unknown;

  v = row.request_id;
  if (typeof v !== "string") bad(issues, index, "request_id", "string", v);
  v = row.api_key;
  if (typeof v !== "string") {
    if (v === null || v === undefined) row.api_key = "";
    else bad(issues, index, "api_key", "string", v);
  }
  v = row.team_id;
  if (typeof v !== "string") {
    if (v === null || v === undefined) row.team_id = null;
    else bad(issues, index, "team_id", "string", v);
  }
  v = row.model;
  if (typeof v !== "string") {
    if (v === null || v === undefined) row.model = null;
    else bad(issues, index, "model", "string", v);
  }
  v = row.model_group;
  if (typeof v !== "string") {
    if (v === null || v === undefined) row.model_group = null;
    else bad(issues, index, "model_group", "string", v);
  }
  v = row.spend;
  if (!isNumber(v)) {
    if (v === null || v === undefined) row.spend = 0;
    else bad(issues, index, "spend", "number", v);
  }
  v = row.prompt_tokens;
  if (!isNumber(v)) {
    if (v === null || v === undefined) row.prompt_tokens = 0;
    else bad(issues, index, "prompt_tokens", "number", v);
  }
  v = row.completion_tokens;
  if (!isNumber(v)) {
    if (v === null || v === undefined) row.completion_tokens = 0;
    else bad(issues, index, "completion_tokens", "number", v);
  }
  v = row.total_tokens;
  if (!isNumber(v)) {
    if (v === null || v === undefined) row.total_tokens = 0;
    else bad(issues, index, "total_tokens", "number", v);
  }
  v = row.startTime;
  if (typeof v !== "string") bad(issues, index, "startTime", "string", v);
  v = row.endTime;
  if (typeof v !== "string") {
    if (v === null || v === undefined) row.endTime = null;
    else bad(issues, index, "endTime", "string", v);
  }
  v = row.request_duration_ms;
  if (!isNumber(v)) {
    if (v === null || v === undefined) row.request_duration_ms = null;
    else bad(issues, index, "request_duration_ms", "number", v);
  }
  v = row.end_user;
  if (typeof v !== "string") {
    if (v === null || v === undefined) row.end_user = null;
    else bad(issues, index, "end_user", "string", v);
  }
  v = row.session_id;
  if (typeof v !== "string") {
    if (v === null || v === undefined) row.session_id = null;
    else bad(issues, index, "session_id", "string", v);
  }
  v = row.status;
  if (typeof v !== "string") {
    if (v === null || v === undefined) row.status = null;
    else bad(issues, index, "status", "string", v);
  }
  // request_tags and metadata: anything, kept as sent (absent stays absent).
}

/**
 * Checks a /spend/logs/v2 answer: `{data: [rows], total, page, page_size, total_pages}`, other
 * fields let through. Returns the page (the same object, rows filled in) or the issues, at most 3.
 */
export function checkSpendLogsPage(value: unknown): { ok: true; page: SpendLogsPage } | { ok: false; issues: SpendRowIssue[] } {
  const issues: SpendRowIssue[] = [];
  if (!isObject(value)) return { ok: false, issues: [{ path: [], message: expected("object", value) }] };
  const data = value.data;
  if (!Array.isArray(data)) {
    issues.push({ path: ["data"], message: expected("array", data) });
  } else {
    for (let i = 0; i < data.length && issues.length < MAX_ISSUES; i++) {
      const row: unknown = data[i];
      if (isObject(row)) checkRow(row, i, issues);
      else issues.push({ path: ["data", i], message: expected("object", row) });
    }
  }
  for (const field of ["total", "page", "page_size", "total_pages"] as const) {
    if (!isNumber(value[field])) issues.push({ path: [field], message: expected("number", value[field]) });
  }
  if (issues.length) return { ok: false, issues: issues.slice(0, MAX_ISSUES) };
  return { ok: true, page: value as SpendLogsPage };
}

/**
 * The checker as the client's response schema: one zod step per page (not per row), whose issues
 * carry the checker's paths and messages into the client's usual "did not have the expected shape".
 */
export const spendLogsPageSchema = z.unknown().transform((value, ctx): SpendLogsPage => {
  const result = checkSpendLogsPage(value);
  if (result.ok) return result.page;
  for (const issue of result.issues) ctx.addIssue({ code: z.ZodIssueCode.custom, path: issue.path, message: issue.message });
  return z.NEVER;
});
