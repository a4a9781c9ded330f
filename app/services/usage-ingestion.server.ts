import { findIngestionState, insertUsageRows, recordIngestionFailure, recordIngestionSuccess, type UsageRowInput } from "../../db/queries/usage.ts";
import { hashKey, litellm } from "~/integrations/litellm/client.server";
import type { SpendLog } from "~/integrations/litellm/schemas";
import { sendJob } from "~/jobs/boss.server";
import { db } from "~/lib/db.server";
import { env } from "~/lib/env.server";
import { logger, maskSecrets } from "~/lib/logger.server";
import { evaluateAlertsFor, teamsWithFiringAlerts } from "./alerts.server.ts";

/**
 * Usage ingestion: pulls LiteLLM's spend logs (/spend/logs/v2, CONTRACT §3 "Pull strategy") into
 * usage_requests, exactly once per request, with the hourly and daily rollups updated in the same
 * statement as the rows actually inserted. The worker runs it every USAGE_INGEST_INTERVAL_SECONDS.
 * docs/usage.md explains the window, the overlap and why re-reading is always safe.
 */

const STATE_ID = "spend-logs";
/** LiteLLM writes spend in batches (proxy_batch_write_at, 10 s by default) and late: every window re-reads this much before its start. */
export const INGEST_OVERLAP_MS = 5 * 60_000;
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
  pages: number;
  /** Rows LiteLLM returned (after de-duplication across pages). */
  read: number;
  /** Rows that were new to us. */
  inserted: number;
  /** Teams that got new usage in this run (their budget alerts were evaluated). */
  teams: string[];
  ms: number;
};

export type IngestOptions = {
  pageSize?: number;
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

/**
 * Reads LiteLLM's spend logs from (where the last run got to − 5 minutes) to `now`, page by page to
 * the end, and stores every row not stored yet. The window start moves to `now` only when every page
 * has committed; a run that fails (LiteLLM down after the client's retries, a crash) leaves it, and
 * the next run reads the whole window again: rows already stored are skipped, so each request is
 * stored and counted once. The first run starts 24 hours back.
 */
export async function ingestUsage(now = new Date(), options: IngestOptions = {}): Promise<IngestResult> {
  const started = performance.now();
  const state = await findIngestionState(db(), STATE_ID);
  const windowStart = state ? new Date(state.windowStart.getTime() - INGEST_OVERLAP_MS) : new Date(now.getTime() - FIRST_WINDOW_MS);
  // LiteLLM compares whole seconds (inclusive): round the end up so nothing from this second is left out.
  const windowEnd = new Date(Math.ceil(now.getTime() / 1000) * 1000);
  let pageSize = Math.min(options.pageSize ?? PAGE_SIZE, pageSizeCap ?? Infinity);
  let pages = 0;
  let read = 0;
  let inserted = 0;
  const touched = new Set<string>();
  const log = logger().child({ job: "ingest-usage" });

  const readWindow = async () => {
    const it = litellm().spendLogs({ start: windowStart, end: windowEnd, pageSize, sortOrder: "asc" });
    // Pages are written on up to INSERTS_IN_FLIGHT connections while the next page is fetched.
    const inFlight = new Set<Promise<void>>();
    let next = it.next();
    try {
      for (;;) {
        const result = await next;
        if (result.done) break;
        next = it.next();
        next.catch(() => {}); // awaited on the next turn; a failure there ends the run
        const rows = result.value.map(toUsageRow);
        const write: Promise<void> = insertUsageRows(db(), rows).then(async (fresh) => {
          pages++;
          read += rows.length;
          inserted += fresh;
          if (fresh) for (const row of rows) if (row.team_id) touched.add(row.team_id);
          await options.onPage?.({ page: pages, read, inserted });
        });
        const tracked = write.finally(() => inFlight.delete(tracked));
        tracked.catch(() => {});
        inFlight.add(tracked);
        if (inFlight.size >= INSERTS_IN_FLIGHT) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
    } finally {
      // Never report before every write has settled (committed or rolled back).
      await Promise.allSettled(inFlight);
      void it.return(undefined).catch(() => {});
    }
  };

  try {
    try {
      await readWindow();
    } catch (error) {
      if (pages === 0 && pageSize > LEGACY_PAGE_SIZE && isPageSizeRefusal(error)) {
        log.info({ pageSize }, "LiteLLM refused the page size; using 100 (LiteLLM before v1.95)");
        pageSizeCap = pageSize = LEGACY_PAGE_SIZE;
        await readWindow();
      } else {
        throw error;
      }
    }
  } catch (error) {
    const message = describe(error);
    await recordIngestionFailure(db(), STATE_ID, { windowStart: state?.windowStart ?? windowStart, ranAt: now, error: message, inserted }).catch((e: unknown) =>
      log.error({ err: e }, "could not record the ingestion failure"),
    );
    log.warn({ err: error, windowStart, windowEnd, pages, read, inserted }, "usage ingestion failed; the next run reads the window again");
    throw error;
  }
  await recordIngestionSuccess(db(), STATE_ID, { windowEnd, ranAt: now, inserted });
  // Budget alerts: teams with new usage, and teams with a firing alert (a new period resolves it).
  await evaluateAlertsFor([...touched, ...(await teamsWithFiringAlerts().catch(() => []))], now);
  const result = { windowStart, windowEnd, pages, read, inserted, teams: [...touched], ms: Math.round(performance.now() - started) };
  // Every 15 s: only runs that found something new are worth an info line.
  log[inserted ? "info" : "debug"]({ ...result, rowsPerSecond: result.ms ? Math.round((read * 1000) / result.ms) : null }, "usage ingested");
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
