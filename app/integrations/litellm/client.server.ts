import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import { env } from "~/lib/env.server";
import { logger } from "~/lib/logger.server";
import { metrics } from "~/lib/metrics.server";
import { LiteLLMError, classifyError, isLiteLLMError } from "./errors.ts";
import {
  dailyActivityResponseSchema,
  generateKeyResponseSchema,
  keyDeleteResponseSchema,
  keyInfoResponseSchema,
  keyListResponseSchema,
  keyRowSchema,
  keyUpdateResponseSchema,
  modelInfoResponseSchema,
  modelsResponseSchema,
  readinessSchema,
  teamDeleteResponseSchema,
  teamInfoResponseSchema,
  teamListResponseSchema,
  teamSchema,
  teamUpdateResponseSchema,
  type GeneratedKey,
  type LiteLLMKey,
  type LiteLLMTeam,
  type SpendLog,
} from "./schemas.ts";
import { spendLogsPageSchema } from "./spend-rows.ts";

/**
 * The typed client for LiteLLM's admin API: the only code that knows LiteLLM's URL, master key,
 * routes and wire format (CONTRACT.md). Every call has a timeout and a response schema; failures
 * become LiteLLMError with a `type` to branch on. Retries (network errors, timeouts, 5xx, rate
 * limits; backoff with full jitter) only where repeating cannot do harm: reads, updates, deletes,
 * and creates that name their object, which look it up before trying again.
 */

export type LiteLLMClientOptions = {
  baseUrl: string;
  masterKey: string | undefined;
  /** Per attempt. */
  timeoutMs?: number;
  /** Attempts in all, including the first. */
  maxAttempts?: number;
  /** First backoff step; doubles each retry, with full jitter, capped at maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
};

type Query = Record<string, string | number | boolean | null | undefined>;
type Method = "GET" | "POST" | "PATCH";

/** sha256 hex of a raw key: LiteLLM's `token`, the spend logs' `api_key`, and what /key/list returns. */
export function hashKey(rawKey: string): string {
  return createHash("sha256").update(rawKey, "utf8").digest("hex");
}

/** A new virtual key in LiteLLM's own format: `sk-` + 22 URL-safe characters. */
export function newVirtualKey(): string {
  return `sk-${randomBytes(16).toString("base64url")}`;
}

/** `YYYY-MM-DD HH:MM:SS` in UTC, the format /spend/logs/v2 wants. */
export function spendLogsDate(date: Date): string {
  return date.toISOString().slice(0, 19).replace("T", " ");
}

/** The result, or undefined when LiteLLM says the object does not exist. */
async function unlessNotFound<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if (isLiteLLMError(error, "not_found")) return undefined;
    throw error;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export type TeamFields = {
  team_alias?: string | null;
  organization_id?: string | null;
  models?: string[];
  max_budget?: number | null;
  soft_budget?: number | null;
  budget_duration?: string | null;
  rpm_limit?: number | null;
  tpm_limit?: number | null;
  blocked?: boolean;
  metadata?: Record<string, unknown>;
};

export type KeyFields = {
  key_alias?: string | null;
  team_id?: string | null;
  models?: string[];
  max_budget?: number | null;
  budget_duration?: string | null;
  rpm_limit?: number | null;
  tpm_limit?: number | null;
  duration?: string | null;
  blocked?: boolean | null;
  metadata?: Record<string, unknown>;
};

export type SpendLogsQuery = {
  start: Date;
  end: Date;
  teamId?: string;
  apiKeyHash?: string;
  requestId?: string;
  modelGroup?: string;
  endUser?: string;
  status?: "success" | "failure";
  pageSize?: number;
  /** startTime (LiteLLM's default) or endTime; neither has a tie-breaker (CONTRACT §1). */
  sortBy?: "startTime" | "endTime";
  sortOrder?: "asc" | "desc";
};

export class LiteLLMClient {
  readonly baseUrl: string;
  private readonly masterKey: string | undefined;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(options: LiteLLMClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.masterKey = options.masterKey;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 3);
    this.baseDelayMs = options.baseDelayMs ?? 250;
    this.maxDelayMs = options.maxDelayMs ?? 4000;
  }

  // ── transport ──────────────────────────────────────────────────────────────────────────────

  /** One HTTP exchange, measured (calls and latency by route and outcome, for /metrics). */
  private async once<S extends z.ZodTypeAny>(method: Method, path: string, schema: S, query?: Query, body?: unknown, auth = true): Promise<z.output<S>> {
    const { litellmCalls, litellmLatency } = metrics();
    const stop = litellmLatency.startTimer({ route: path });
    try {
      const result = await this.exchange(method, path, schema, query, body, auth);
      litellmCalls.inc({ route: path, outcome: "ok" });
      return result;
    } catch (error) {
      litellmCalls.inc({ route: path, outcome: isLiteLLMError(error) ? error.type : "error" });
      throw error;
    } finally {
      stop();
    }
  }

  /** One HTTP exchange: no retries. Throws LiteLLMError for anything but a 2xx that fits the schema. */
  private async exchange<S extends z.ZodTypeAny>(method: Method, path: string, schema: S, query?: Query, body?: unknown, auth = true): Promise<z.output<S>> {
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null) url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (auth) {
      if (!this.masterKey) {
        throw new LiteLLMError({
          type: "unauthorized",
          message: "LITELLM_MASTER_KEY is not set, so LiteLLM's admin API cannot be called. Set it to the proxy's master key.",
          status: null,
          route: path,
        });
      }
      headers.authorization = `Bearer ${this.masterKey}`;
    }
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
      throw new LiteLLMError({
        type: "upstream",
        message: timedOut
          ? `LiteLLM did not answer ${path} within ${this.timeoutMs} ms`
          : `Could not reach LiteLLM at ${this.baseUrl} (${(error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message})`,
        status: null,
        retryable: true,
        route: path,
        cause: error,
      });
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw new LiteLLMError({ type: "upstream", message: `LiteLLM's answer to ${path} was cut off`, status: response.status, retryable: true, route: path, cause: error });
    }
    let json: unknown = text;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON: kept as text */
    }
    if (!response.ok) throw classifyError(path, response.status, json, response.headers);
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new LiteLLMError({
        type: "upstream",
        message: `LiteLLM's answer to ${path} did not have the expected shape: ${parsed.error.issues
          .slice(0, 3)
          .map((i) => `${i.path.join(".")} ${i.message}`)
          .join("; ")}`,
        status: response.status,
        retryable: false,
        route: path,
      });
    }
    return parsed.data;
  }

  private backoff(attempt: number, error: LiteLLMError): number {
    const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
    const jittered = Math.random() * ceiling;
    return error.retryAfterSeconds ? Math.min(this.maxDelayMs, Math.max(jittered, error.retryAfterSeconds * 1000)) : jittered;
  }

  /**
   * Runs `attempt` until it succeeds, fails in a way retrying cannot fix, or runs out of attempts.
   * `beforeRetry` (for creates) looks for the object a lost response may already have created.
   */
  private async withRetries<T>(route: string, attempt: (n: number) => Promise<T>, beforeRetry?: () => Promise<T | undefined>): Promise<T> {
    for (let n = 1; ; n++) {
      try {
        return await attempt(n);
      } catch (error) {
        if (!isLiteLLMError(error) || !error.retryable || n >= this.maxAttempts) throw error;
        // No answer at all (LiteLLM down): the worker says that once (litellm-notice), not per attempt.
        logger()[error.status === null ? "debug" : "warn"]({ route, attempt: n, type: error.type, status: error.status, err: error.message }, "LiteLLM call failed; retrying");
        await sleep(this.backoff(n, error));
        if (beforeRetry) {
          const existing = await beforeRetry();
          if (existing !== undefined) return existing;
        }
      }
    }
  }

  /** Safe to repeat: reads and writes that set state rather than add to it. */
  private idempotent<S extends z.ZodTypeAny>(method: Method, path: string, schema: S, query?: Query, body?: unknown, auth = true) {
    return this.withRetries(path, () => this.once(method, path, schema, query, body, auth));
  }

  /** Deletes: a not-found on a retry means an earlier attempt did the work and its answer was lost. */
  private deletion<S extends z.ZodTypeAny>(path: string, schema: S, body: unknown, onGone: () => z.output<S>) {
    return this.withRetries(path, async (n) => {
      try {
        return await this.once("POST", path, schema, undefined, body);
      } catch (error) {
        if (n > 1 && isLiteLLMError(error, "not_found")) return onGone();
        throw error;
      }
    });
  }

  // ── health (public routes) ─────────────────────────────────────────────────────────────────

  liveliness(): Promise<unknown> {
    // Answers the bare JSON string "I'm alive!".
    return this.once("GET", "/health/liveliness", z.unknown(), undefined, undefined, false);
  }

  /** Current builds answer only `{"status":"healthy"}` here; older ones add db, cache and litellm_version (CONTRACT §1 Health). */
  readiness() {
    return this.once("GET", "/health/readiness", readinessSchema, undefined, undefined, false);
  }

  /** The readiness details, version included (current builds; needs the master key; older builds answer 404). */
  readinessDetails() {
    return this.once("GET", "/health/readiness/details", readinessSchema);
  }

  // ── teams ──────────────────────────────────────────────────────────────────────────────────

  /**
   * Creates a team with the given id. If the answer is lost (network error, timeout, 5xx), the
   * team is looked up before trying again, so one call never makes two teams; a duplicate id on a
   * retry means an earlier attempt succeeded, and the existing team is returned.
   */
  async createTeam(teamId: string, fields: TeamFields): Promise<LiteLLMTeam> {
    const lookup = () => this.teamInfo(teamId).then((info) => info.team_info);
    return this.withRetries(
      "/team/new",
      async (n) => {
        try {
          return await this.once("POST", "/team/new", teamSchema, undefined, { team_id: teamId, ...fields });
        } catch (error) {
          if (n > 1 && isLiteLLMError(error, "conflict")) return lookup();
          throw error;
        }
      },
      () => this.teamInfoOrUndefined(teamId).then((info) => info?.team_info),
    );
  }

  async updateTeam(teamId: string, fields: TeamFields): Promise<LiteLLMTeam> {
    const result = await this.idempotent("POST", "/team/update", teamUpdateResponseSchema, undefined, { team_id: teamId, ...fields });
    return result.data;
  }

  teamInfo(teamId: string) {
    return this.idempotent("GET", "/team/info", teamInfoResponseSchema, { team_id: teamId });
  }

  teamInfoOrUndefined(teamId: string) {
    return unlessNotFound(this.teamInfo(teamId));
  }

  /**
   * Every team LiteLLM holds, a page of up to 100 (its maximum) at a time from the paged
   * /v2/team/list, by team_id so a team created meanwhile cannot shift the pages already read.
   * (The unpaged /team/list reads every team's keys, one query per team, inside LiteLLM.)
   */
  async *allTeams(pageSize = 100): AsyncGenerator<LiteLLMTeam[]> {
    for (let page = 1; ; page++) {
      const result = await this.idempotent("GET", "/v2/team/list", teamListResponseSchema, { page, page_size: pageSize, sort_by: "team_id", sort_order: "asc" });
      yield result.teams; // empty past the last team: every page read is yielded, so callers can count them
      if (result.teams.length < pageSize) return;
    }
  }

  /** Deletes teams (LiteLLM also deletes their keys). */
  deleteTeams(teamIds: string[]) {
    return this.deletion("/team/delete", teamDeleteResponseSchema, { team_ids: teamIds }, () => ({ deleted_teams: teamIds }));
  }

  blockTeam(teamId: string) {
    return this.idempotent("POST", "/team/block", teamSchema, undefined, { team_id: teamId });
  }

  unblockTeam(teamId: string) {
    return this.idempotent("POST", "/team/unblock", teamSchema, undefined, { team_id: teamId });
  }

  // ── keys ───────────────────────────────────────────────────────────────────────────────────

  /**
   * Generates a virtual key. We choose the secret ourselves (`key`, as LiteLLM allows), so a lost
   * answer is recoverable: before trying again the key is looked up by its hash, and if it exists
   * we already know its secret. One call never leaves two keys.
   */
  async generateKey(fields: KeyFields & { key?: string }): Promise<GeneratedKey> {
    const rawKey = fields.key ?? newVirtualKey();
    const body = { ...fields, key: rawKey };
    const recover = async (): Promise<GeneratedKey | undefined> => {
      const info = await this.keyInfoOrUndefined(hashKey(rawKey));
      return info ? { ...info.info, key: rawKey, token: hashKey(rawKey) } : undefined;
    };
    return this.withRetries(
      "/key/generate",
      async (n) => {
        try {
          return await this.once("POST", "/key/generate", generateKeyResponseSchema, undefined, body);
        } catch (error) {
          // Our own earlier attempt took the alias: the key is there.
          if (n > 1 && isLiteLLMError(error, "conflict")) {
            const existing = await recover();
            if (existing) return existing;
          }
          throw error;
        }
      },
      recover,
    );
  }

  /** Updates a key. LiteLLM's answer holds dict fields as JSON strings, so read the key back with keyInfo. */
  updateKey(key: string, fields: KeyFields) {
    return this.idempotent("POST", "/key/update", keyUpdateResponseSchema, undefined, { key, ...fields });
  }

  /**
   * A key's row. Takes the raw key or its hash but always sends the hash: a raw key in a URL would
   * land in LiteLLM's and every proxy's access logs.
   */
  keyInfo(keyOrHash: string) {
    return this.idempotent("GET", "/key/info", keyInfoResponseSchema, { key: keyOrHash.startsWith("sk-") ? hashKey(keyOrHash) : keyOrHash });
  }

  keyInfoOrUndefined(keyOrHash: string) {
    return unlessNotFound(this.keyInfo(keyOrHash));
  }

  deleteKeys(keys: string[]) {
    return this.deletion("/key/delete", keyDeleteResponseSchema, { keys }, () => ({ deleted_keys: keys }));
  }

  blockKey(key: string) {
    return this.idempotent("POST", "/key/block", keyRowSchema, undefined, { key });
  }

  unblockKey(key: string) {
    return this.idempotent("POST", "/key/unblock", keyRowSchema, undefined, { key });
  }

  /** One page of keys (hashes by default; full rows with `returnFullObject`). */
  listKeys(query: { teamId?: string; keyAlias?: string; keyHash?: string; page?: number; size?: number; returnFullObject?: boolean } = {}) {
    return this.idempotent("GET", "/key/list", keyListResponseSchema, {
      team_id: query.teamId,
      key_alias: query.keyAlias,
      key_hash: query.keyHash,
      page: query.page ?? 1,
      size: query.size ?? 100,
      return_full_object: query.returnFullObject ? "true" : undefined,
    });
  }

  /** Every key LiteLLM holds as full rows (hash in `token`, `team_id`, `blocked`), 100 (its maximum) a page, by hash. */
  async *allKeys(): AsyncGenerator<Array<LiteLLMKey & { token: string }>> {
    const size = 100;
    for (let page = 1; ; page++) {
      const result = await this.idempotent("GET", "/key/list", keyListResponseSchema, { page, size, return_full_object: "true", sort_by: "token", sort_order: "asc" });
      const rows = result.keys.filter((k): k is LiteLLMKey & { token: string } => typeof k !== "string" && typeof k.token === "string");
      yield rows;
      if (result.keys.length < size) return;
    }
  }

  // ── models ─────────────────────────────────────────────────────────────────────────────────

  async modelInfo() {
    return (await this.idempotent("GET", "/model/info", modelInfoResponseSchema)).data;
  }

  /** Model names (public `model_name`s) the master key may call. */
  async listModels(): Promise<string[]> {
    return (await this.idempotent("GET", "/v1/models", modelsResponseSchema)).data.map((m) => m.id);
  }

  // ── spend ──────────────────────────────────────────────────────────────────────────────────

  spendLogsPage(query: SpendLogsQuery, page: number) {
    return this.idempotent("GET", "/spend/logs/v2", spendLogsPageSchema, {
      start_date: spendLogsDate(query.start),
      end_date: spendLogsDate(query.end),
      team_id: query.teamId,
      api_key: query.apiKeyHash,
      request_id: query.requestId,
      model_group: query.modelGroup,
      end_user: query.endUser,
      status_filter: query.status,
      sort_by: query.sortBy ?? "startTime",
      sort_order: query.sortOrder ?? "asc",
      page,
      page_size: query.pageSize ?? 100,
    });
  }

  /**
   * Every spend-log row in the window, page by page, until a page comes back short: never up to
   * `total_pages`, which LiteLLM v1.93+ caps at ceil(10,000 / page_size) while later pages still
   * hold rows (CONTRACT §1). Rows can shift between pages while LiteLLM writes (offset paging over a
   * live table), so rows are de-duplicated by request_id; a row can still be missed at a page edge,
   * which is why ingestion (usage-ingestion.server.ts) checks every slice's count instead.
   */
  async *spendLogs(query: SpendLogsQuery): AsyncGenerator<SpendLog[]> {
    const seen = new Set<string>();
    const size = query.pageSize ?? 100;
    for (let page = 1; ; page++) {
      const result = await this.spendLogsPage(query, page);
      const fresh = result.data.filter((row) => !seen.has(row.request_id));
      for (const row of fresh) seen.add(row.request_id);
      if (fresh.length) yield fresh;
      if (result.data.length < size) return;
    }
  }

  teamDailyActivity(query: { start: string; end: string; teamIds?: string[]; page?: number; pageSize?: number }) {
    return this.idempotent("GET", "/team/daily/activity", dailyActivityResponseSchema, {
      start_date: query.start,
      end_date: query.end,
      team_ids: query.teamIds?.join(","),
      page: query.page ?? 1,
      page_size: query.pageSize,
    });
  }
}

let shared: LiteLLMClient | undefined;

/** The client for the configured proxy (LITELLM_PROXY_URL, LITELLM_MASTER_KEY). */
export function litellm(): LiteLLMClient {
  shared ??= new LiteLLMClient({ baseUrl: env().LITELLM_PROXY_URL, masterKey: env().LITELLM_MASTER_KEY });
  return shared;
}

export { LiteLLMError, isLiteLLMError };
