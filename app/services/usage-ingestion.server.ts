import { countUsageRows, usageRowsPerSecond } from "../../db/queries/usage-ingest.ts";
import { findIngestionState, insertUsageRows, recordIngestionFailure, recordIngestionSuccess, type UsageRowInput } from "../../db/queries/usage.ts";
import { hashKey, litellm } from "~/integrations/litellm/client.server";
import type { SpendLog } from "~/integrations/litellm/schemas";
import { sendJob } from "~/jobs/boss.server";
import { db } from "~/lib/db.server";
import { env } from "~/lib/env.server";
import { logger, maskSecrets } from "~/lib/logger.server";
import { isJobId } from "~/lib/job-id";
import { litellmProblem } from "./litellm-notice.server.ts";
import { syncBilledBudgets } from "./team-sync.server.ts";
import { evaluateAlertsFor, teamsWithFiringAlerts } from "./alerts.server.ts";

/**
 * Usage ingestion: pulls LiteLLM's spend logs (/spend/logs/v2, CONTRACT §3 "Pull strategy") into
 * usage_requests, exactly once per request, with the hourly and daily rollups updated in the same
 * statement as the rows actually inserted. The worker runs it every USAGE_INGEST_INTERVAL_SECONDS.
 * docs/usage.md explains the window, the overlap and why re-reading is always safe.
 */

const STATE_ID = "spend-logs";
/** The very first run reads this far back. */
export const FIRST_WINDOW_MS = 24 * 3_600_000;
/**
 * Rows per /spend/logs/v2 page. LiteLLM builds before v1.95 refuse more than 100 (422), v1.95 and
 * later accept 1000 (CONTRACT §1). We ask for 1000 and fall back to 100 for the rest of the process
 * when LiteLLM refuses it.
 */
export const PAGE_SIZE = 1000;
const LEGACY_PAGE_SIZE = 100;
/**
 * Pages written at once, each in its own transaction. Two overlap PostgreSQL's work with the next
 * fetch; rollup rows are locked in one order (team, hour, model group) by every write, so
 * concurrent writes wait for each other instead of deadlocking.
 */
const INSERTS_IN_FLIGHT = 2;
let pageSizeCap: number | undefined;

export type IngestResult = {
  windowStart: Date;
  windowEnd: Date;
  /** Pages written (each in its own transaction). */
  pages: number;
  /** Rows LiteLLM returned (after de-duplication across pages and slices). */
  read: number;
  /** Rows that were new to us. */
  inserted: number;
  /** Calls to /spend/logs/v2, count checks included. */
  requests: number;
  /** Rows LiteLLM sent, duplicates included (what the reads cost). */
  fetched: number;
  /** Slices of the already-read past whose count was compared with LiteLLM's. */
  checked: number;
  /** Slices read again because LiteLLM counted more rows than we had stored. */
  reread: number;
  /** Teams that got new usage in this run (their budget alerts were evaluated). */
  teams: string[];
  ms: number;
};

export type IngestOptions = {
  pageSize?: number;
  /** Compare counts over the whole late window in this run (default: when FULL_CHECK_INTERVAL_MS has passed). */
  fullCheck?: boolean;
  /** Called after each page is committed (progress reporting; tests use it to inject faults between pages). */
  onPage?: (progress: { page: number; read: number; inserted: number }) => void | Promise<void>;
};

// ── mapping ─────────────────────────────────────────────────────────────────────────────────────

const NUL = new RegExp(String.fromCharCode(0), "g");

/** Masks anything shaped like a key or token (`sk-…`, `sla_…`, bearer tokens) and drops NUL characters PostgreSQL refuses. */
function clean(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return maskSecrets(value.includes("\u0000") ? value.replace(NUL, "") : value);
  if (depth > 16 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => clean(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k.replace(NUL, "")] = clean(v, depth + 1);
  return out;
}

/**
 * What any string `clean` would change contains (a NUL, or what maskSecrets looks for: `sk-`,
 * `sla_`, `bearer`): one cheap test that clears almost every string without running the masks.
 */
const MAYBE_DIRTY = new RegExp(`sk-|sla_|bearer|${String.fromCharCode(0)}`, "i");

/** Whether `clean` would change anything (most rows: no), so clean rows are stored without copying. */
function needsCleaning(value: unknown, depth = 0): boolean {
  if (typeof value === "string") return MAYBE_DIRTY.test(value) && (value.includes("\u0000") || maskSecrets(value) !== value);
  if (depth > 16 || value === null || typeof value !== "object") return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (needsCleaning(value[i], depth + 1)) return true;
    return false;
  }
  for (const k in value) {
    if (!Object.hasOwn(value, k)) continue;
    if (k.includes("\u0000") || needsCleaning((value as Record<string, unknown>)[k], depth + 1)) return true;
  }
  return false;
}

const text = (value: string | null | undefined): string | null => (value ? (value.includes("\u0000") ? value.replace(NUL, "") : value) : null);

/** LiteLLM's times are UTC; a time without an offset gets one, so PostgreSQL never reads it in its own time zone. */
function utc(value: string): string {
  return /(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$/.test(value) ? value : `${value}Z`;
}

const whole = (n: number) => (Number.isFinite(n) ? Math.max(0, Math.round(n)) : 0);

/** One spend-log row as we store it. Exported for tests. */
export function toUsageRow(log: SpendLog): UsageRowInput {
  const start = utc(log.startTime);
  const end = log.endTime ? utc(log.endTime) : null;
  const duration = log.request_duration_ms ?? (end ? Date.parse(end) - Date.parse(start) : null);
  const prompt = whole(log.prompt_tokens);
  const completion = whole(log.completion_tokens);
  // The spend log's api_key is the key's sha256 (or LiteLLM's master-key alias); a raw key is never stored.
  const apiKey = log.api_key.startsWith("sk-") ? hashKey(log.api_key) : log.api_key;
  const metadata = log.metadata && typeof log.metadata === "object" ? (needsCleaning(log.metadata) ? clean(log.metadata) : log.metadata) : null;
  return {
    request_id: text(log.request_id) ?? "",
    team_id: text(log.team_id),
    key_hash: text(apiKey) ?? "",
    model_group: text(log.model_group),
    model: text(log.model),
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: log.total_tokens ? whole(log.total_tokens) : prompt + completion,
    // LiteLLM's number, digit for digit (the shortest text that reads back as the same float).
    spend: Number.isFinite(log.spend) ? String(log.spend) : "0",
    start_time: start,
    end_time: end,
    latency_ms: duration === null || !Number.isFinite(duration) ? null : whole(duration),
    status: log.status === "failure" ? "failure" : "success",
    end_user: text(log.end_user),
    session_id: isJobId(log.session_id) ? log.session_id : null,
    metadata,
  };
}

// ── the run ─────────────────────────────────────────────────────────────────────────────────────

function describe(error: unknown): string {
  return maskSecrets(error instanceof Error ? error.message : String(error)).slice(0, 1000);
}

function isPageSizeRefusal(error: unknown): boolean {
  const e = error as { status?: number | null; type?: string };
  return e?.status === 422 || (e?.type === "bad_request" && /page_size/.test(String((error as Error).message)));
}

/** LiteLLM's SPEND_LOGS_PAGINATION_COUNT_CAP (v1.93+): past it `total` reads exactly this (CONTRACT §1). */
export const SPEND_LOGS_COUNT_CAP = 10_000;
/** A slice cut because LiteLLM's count was capped aims at this many rows, well under the cap. */
const SLICE_TARGET_ROWS = 6_000;
/** The full count check (FULL_CHECK_INTERVAL_MS) compares slices of about this many of our rows. */
export const CHECK_SLICE_ROWS = 8_000;
/** A slice whose counts still disagree after this many reads is left to the next run (which re-checks it). */
const MAX_SLICE_ATTEMPTS = 4;
const SECOND = 1000;
/**
 * Every run compares counts over this much of the past before its new part, in slices of
 * RECENT_SLICE_ROWS: rows of calls that ended just before the last run reach LiteLLM's table in the
 * next batch write (10 s plus up to 5 s, CONTRACT §3), after that run had read their second.
 */
export const RECENT_CHECK_MS = 60_000;
const RECENT_SLICE_ROWS = 1_000;
/**
 * Older than that, a row LiteLLM writes now is a long call's (it started long before it ended), so
 * a run asks only for rows that ended since the last run, less this margin (two batch intervals),
 * sorted by endTime, newest first. Every FULL_CHECK_INTERVAL_MS a run compares counts over the whole
 * late window as well, which also finds rows a slow LiteLLM database wrote later than the margin.
 */
export const LATE_WRITE_MARGIN_MS = 30_000;
export const FULL_CHECK_INTERVAL_MS = 60_000;
/** When this process last compared counts over the whole late window (runs are one at a time per queue). */
let lastFullCheckAt: number | undefined;

/**
 * A part of the window, [from, to] in epoch ms on whole seconds, both ends included as LiteLLM
 * compares them (`gte`/`lte` on startTime, second granularity). "read": fetch every page;
 * "check": first compare LiteLLM's count with ours, and read only when LiteLLM has more.
 */
type Slice = { from: number; to: number; mode: "read" | "check"; attempt: number };

/**
 * Reads LiteLLM's spend logs into usage_requests (CONTRACT §1 /spend/logs/v2, §3 "Pull strategy";
 * docs/usage.md "How a run reads"). The window runs from USAGE_LATE_ROWS_SECONDS before where the
 * last run got to, up to `now`:
 *
 * - The new part is read page by page until a page comes back short (never up to `total_pages`:
 *   LiteLLM caps its count at 10,000). When LiteLLM says its count is capped, the slice is cut
 *   where about SLICE_TARGET_ROWS rows end and the rest becomes a slice of its own, so every slice
 *   gets an exact count.
 * - The part read before (rows LiteLLM writes late: a row appears after its request ends, up to
 *   request_timeout after its startTime) is checked slice by slice: LiteLLM's count (a one-row
 *   page) against ours; only slices where LiteLLM has more are read again.
 * - Every slice read ends with the same check. Offset paging over a live table can skip a row (rows
 *   sharing a startTime come back in any order at a page edge; rows written between two reads shift
 *   the pages), so a slice that comes out short is split and checked again, until the counts agree.
 *
 * The window's start moves only when every slice is done; a slice still short after
 * MAX_SLICE_ATTEMPTS keeps it within reach of the next run. A run that fails (LiteLLM down after
 * the client's retries, a crash) leaves it, and the next run reads again: rows already stored are
 * skipped, so each request is stored and counted once. The first run starts 24 hours back.
 */
export async function ingestUsage(now = new Date(), options: IngestOptions = {}): Promise<IngestResult> {
  const started = performance.now();
  const state = await findIngestionState(db(), STATE_ID);
  const lateMs = env().USAGE_LATE_ROWS_SECONDS * SECOND;
  const floorSecond = (ms: number) => Math.floor(ms / SECOND) * SECOND;
  // LiteLLM compares whole seconds (inclusive): round the end up so nothing from this second is left out.
  const endMs = Math.ceil(now.getTime() / SECOND) * SECOND;
  const newFrom = state ? Math.min(floorSecond(state.windowStart.getTime()), endMs) : floorSecond(now.getTime() - FIRST_WINDOW_MS);
  const checkFrom = state ? Math.min(newFrom, floorSecond(newFrom - lateMs)) : newFrom;
  const windowStart = new Date(checkFrom);
  const windowEnd = new Date(endMs);
  let pageSize = Math.min(options.pageSize ?? PAGE_SIZE, pageSizeCap ?? Infinity);
  const stats = { pages: 0, read: 0, inserted: 0, requests: 0, fetched: 0, checked: 0, reread: 0 };
  const touched = new Set<string>();
  const log = logger().child({ job: "ingest-usage" });
  const client = litellm();
  /** The first slice (earliest `from`) left short after MAX_SLICE_ATTEMPTS, if any. */
  let unsettledFrom: number | undefined;

  const fetchPage = async (from: number, to: number, page: number, size: number) => {
    stats.requests++;
    const result = await client.spendLogsPage({ start: new Date(from), end: new Date(to), pageSize: size, sortOrder: "asc" }, page);
    stats.fetched += result.data.length;
    return result;
  };
  const isCapped = (result: { total: number; total_is_capped?: boolean }) => result.total_is_capped === true || result.total >= SPEND_LOGS_COUNT_CAP;

  // Pages are written on up to INSERTS_IN_FLIGHT connections while the next page is fetched.
  const inFlight = new Set<Promise<void>>();
  const seen = new Set<string>();
  const write = async (rowsIn: SpendLog[]) => {
    const fresh = rowsIn.filter((row) => !seen.has(row.request_id));
    for (const row of fresh) seen.add(row.request_id);
    stats.read += fresh.length;
    if (!fresh.length) return;
    const rows = fresh.map(toUsageRow);
    const done: Promise<void> = insertUsageRows(db(), rows).then(async (inserted) => {
      stats.pages++;
      stats.inserted += inserted;
      if (inserted) for (const row of rows) if (row.team_id) touched.add(row.team_id);
      await options.onPage?.({ page: stats.pages, read: stats.read, inserted: stats.inserted });
    });
    const tracked = done.finally(() => inFlight.delete(tracked));
    tracked.catch(() => {});
    inFlight.add(tracked);
    if (inFlight.size >= INSERTS_IN_FLIGHT) await Promise.race(inFlight);
  };
  const settle = async () => {
    await Promise.all(inFlight);
  };

  /** The already-read part of the window, cut into slices of about `sliceRows` of our rows each. */
  const checkSlices = async (from: number, to: number, sliceRows = CHECK_SLICE_ROWS): Promise<Slice[]> => {
    if (to <= from) return [];
    const perSecond = await usageRowsPerSecond(db(), new Date(from), new Date(to));
    const slices: Slice[] = [];
    let sliceFrom = from;
    let rows = 0;
    for (const { second, n } of perSecond) {
      if (rows > 0 && rows + n > sliceRows && second > sliceFrom) {
        slices.push({ from: sliceFrom, to: second, mode: "check", attempt: 0 });
        sliceFrom = second;
        rows = 0;
      }
      rows += n;
    }
    slices.push({ from: sliceFrom, to, mode: "check", attempt: 0 });
    return slices;
  };

  /** Reads one slice to its end and checks it; returns the slices still to do in its place. */
  const readSlice = async (slice: Slice): Promise<Slice[]> => {
    const after: Slice[] = [];
    let to = slice.to;
    // A re-read uses other page edges, so rows that share a startTime fall elsewhere.
    const size = Math.max(50, Math.floor(pageSize / 2 ** slice.attempt));
    let lastTotal = 0;
    let verifiable = true;
    /** startTime of the last row of each full page: where a row sharing it can be skipped. */
    const edges: number[] = [];
    for (let page = 1; ; page++) {
      const result = await fetchPage(slice.from, to, page, size);
      await write(result.data);
      lastTotal = result.total;
      if (result.data.length === size) edges.push(Date.parse(utc(result.data[size - 1].startTime)));
      let cutNow = false;
      if (isCapped(result)) {
        // More than the cap in [from, to]: keep the rows up to about SLICE_TARGET_ROWS here and
        // make the rest a slice of its own. Rows up to the new end keep their offsets (same start,
        // same order), so paging simply goes on in the shorter window.
        const lastMs = result.data.length ? Date.parse(utc(result.data[result.data.length - 1].startTime)) : slice.from;
        const readSoFar = page * size;
        const spanMs = Math.max(SECOND, lastMs - slice.from);
        const target = slice.from + Math.ceil(((spanMs * SLICE_TARGET_ROWS) / readSoFar) / SECOND) * SECOND;
        const cut = Math.min(to - SECOND, Math.max(floorSecond(lastMs) + SECOND, target));
        if (cut > slice.from && cut < to) {
          after.push({ from: cut, to, mode: "read", attempt: 0 });
          to = cut;
          cutNow = true;
        } else {
          // More than 10,000 rows inside one second: read to a short page, no count to check against.
          verifiable = false;
        }
      }
      // After a cut, one more page: it brings the shorter window's own count to check against.
      if (result.data.length < size && !cutNow) break;
    }
    await settle();
    if (verifiable) {
      const ours = await countUsageRows(db(), new Date(slice.from), new Date(to));
      if (ours < lastTotal) after.unshift(...(await retry({ ...slice, to }, edges)));
    }
    return after;
  };

  /**
   * A slice LiteLLM counts more rows in than we hold: first the seconds at its page edges (where
   * rows sharing a startTime can be skipped; each fits in one page, which cannot skip), then the
   * slice again in parts of about RECENT_SLICE_ROWS, each compared and read only where still short
   * (rows written behind the reader while it paged). After MAX_SLICE_ATTEMPTS, left to the next run.
   */
  const retry = async (slice: Slice, edges: number[]): Promise<Slice[]> => {
    const attempt = slice.attempt + 1;
    if (attempt >= MAX_SLICE_ATTEMPTS) {
      log.warn({ from: new Date(slice.from), to: new Date(slice.to) }, "LiteLLM still counts more rows than were read in this slice; the next run checks it again");
      unsettledFrom = Math.min(unsettledFrom ?? Infinity, slice.from);
      return [];
    }
    stats.reread++;
    const seconds = [...new Set(edges.map(floorSecond))].filter((sec) => sec >= slice.from && sec < slice.to);
    const parts = (await checkSlices(slice.from, slice.to, RECENT_SLICE_ROWS)).map((part) => ({ ...part, attempt }));
    return [...seconds.map((sec): Slice => ({ from: sec, to: Math.min(sec + SECOND, slice.to), mode: "check", attempt })), ...parts];
  };

  /** Compares LiteLLM's count for the slice (a one-row page) with ours; reads it when LiteLLM has more. */
  const checkSlice = async (slice: Slice): Promise<Slice[]> => {
    stats.checked++;
    const probe = await fetchPage(slice.from, slice.to, 1, 1);
    if (!isCapped(probe)) {
      if (probe.total === 0) return [];
      const ours = await countUsageRows(db(), new Date(slice.from), new Date(slice.to));
      if (ours >= probe.total) return [];
    }
    return readSlice({ ...slice, mode: "read" });
  };

  /**
   * Rows of [from, to] (by startTime) that ended at or after `endedSince`, newest end first, until a
   * page ends before it or comes back short: the long calls LiteLLM wrote since the last run.
   */
  const lateCalls = async (from: number, to: number, endedSince: number) => {
    for (let page = 1; ; page++) {
      stats.requests++;
      const result = await client.spendLogsPage({ start: new Date(from), end: new Date(to), pageSize, sortBy: "endTime", sortOrder: "desc" }, page);
      stats.fetched += result.data.length;
      const last = result.data[result.data.length - 1];
      await write(result.data.filter((row) => !row.endTime || Date.parse(utc(row.endTime)) >= endedSince));
      if (result.data.length < pageSize || !last?.endTime || Date.parse(utc(last.endTime)) < endedSince) break;
    }
  };

  const fullCheck = options.fullCheck ?? (lastFullCheckAt === undefined || now.getTime() < lastFullCheckAt || now.getTime() - lastFullCheckAt >= FULL_CHECK_INTERVAL_MS);
  const readWindow = async () => {
    const recentFrom = Math.max(checkFrom, floorSecond(newFrom - RECENT_CHECK_MS));
    // First the long calls (cheap), so that a full count check finds nothing left to read.
    if (checkFrom < recentFrom) {
      stats.checked++;
      await lateCalls(checkFrom, recentFrom, newFrom - LATE_WRITE_MARGIN_MS);
    }
    const queue: Slice[] = [
      ...(fullCheck ? await checkSlices(checkFrom, recentFrom) : []),
      ...(await checkSlices(recentFrom, newFrom, RECENT_SLICE_ROWS)),
      { from: newFrom, to: endMs, mode: "read", attempt: 0 },
    ];
    try {
      while (queue.length) {
        const slice = queue.shift()!;
        queue.unshift(...(slice.mode === "check" ? await checkSlice(slice) : await readSlice(slice)));
      }
      await settle();
    } finally {
      // Never report before every write has settled (committed or rolled back).
      await Promise.allSettled(inFlight);
    }
  };

  try {
    try {
      await readWindow();
    } catch (error) {
      if (stats.pages === 0 && pageSize > LEGACY_PAGE_SIZE && isPageSizeRefusal(error)) {
        log.info({ pageSize }, "LiteLLM refused the page size; using 100 (LiteLLM before v1.95)");
        pageSizeCap = pageSize = LEGACY_PAGE_SIZE;
        await readWindow();
      } else {
        throw error;
      }
    }
  } catch (error) {
    const message = describe(error);
    await recordIngestionFailure(db(), STATE_ID, { windowStart: state?.windowStart ?? new Date(newFrom), ranAt: now, error: message, inserted: stats.inserted }).catch((e: unknown) =>
      log.error({ err: e }, "could not record the ingestion failure"),
    );
    // LiteLLM unconfigured or unreachable: the worker says so once (litellm-notice), not every run.
    log[litellmProblem(error) ? "debug" : "warn"]({ err: error, windowStart, windowEnd, ...stats }, "usage ingestion failed; the next run reads the window again");
    throw error;
  }
  if (fullCheck) lastFullCheckAt = now.getTime();
  // A slice left short keeps the next run's checks reaching back to it.
  const completeUntil = unsettledFrom === undefined ? endMs : Math.min(endMs, Math.max(newFrom, unsettledFrom + lateMs));
  await recordIngestionSuccess(db(), STATE_ID, { windowEnd: new Date(completeUntil), ranAt: now, inserted: stats.inserted });
  // Budget alerts: teams with new usage, and teams with a firing alert (a new period resolves it).
  await evaluateAlertsFor([...touched, ...(await teamsWithFiringAlerts().catch(() => []))], now);
  // Budgets in billed dollars: LiteLLM's limit is re-derived from what was billed (docs/budgets.md).
  await syncBilledBudgets([...touched], now);
  const result: IngestResult = { windowStart, windowEnd, ...stats, teams: [...touched], ms: Math.round(performance.now() - started) };
  // Every 15 s: only runs that found something new are worth an info line.
  log[stats.inserted ? "info" : "debug"]({ ...result, teams: touched.size, rowsPerSecond: result.ms ? Math.round((stats.read * 1000) / result.ms) : null }, "usage ingested");
  return result;
}

export type IngestionStatus = {
  /** Usage is complete up to here (less the overlap LiteLLM may still fill in). */
  windowStart: Date | null;
  lastRunAt: Date | null;
  lastError: string | null;
  rowsIngested: number;
};

export async function ingestionStatus(): Promise<IngestionStatus> {
  const state = await findIngestionState(db(), STATE_ID);
  return { windowStart: state?.windowStart ?? null, lastRunAt: state?.lastRunAt ?? null, lastError: state?.lastError ?? null, rowsIngested: state?.rowsIngested ?? 0 };
}

/**
 * The worker's scheduled run: ingests when USAGE_INGEST_INTERVAL_SECONDS have passed since the last
 * run, then sends the next `ingest-usage` job to start when the next run is due. The queue keeps one
 * running and one waiting at most, and a per-minute schedule restarts the chain if it is ever lost
 * (a worker killed mid-run). docs/usage.md.
 */
export async function runScheduledIngestion(now = new Date()): Promise<{ ran: boolean; result?: IngestResult; nextRunAt: Date }> {
  const intervalMs = env().USAGE_INGEST_INTERVAL_SECONDS * 1000;
  const state = await findIngestionState(db(), STATE_ID);
  // A job that starts up to a second early (queue polling) still counts as on time.
  const due = !state?.lastRunAt || now.getTime() - state.lastRunAt.getTime() >= intervalMs - 1000;
  let result: IngestResult | undefined;
  let failure: unknown;
  if (due) {
    try {
      result = await ingestUsage(now);
    } catch (error) {
      failure = error;
    }
  }
  const nextRunAt = new Date((due ? now : state!.lastRunAt!).getTime() + intervalMs);
  await sendJob("ingest-usage", {}, { startAfter: nextRunAt });
  if (failure) throw failure;
  return { ran: due, result, nextRunAt };
}
