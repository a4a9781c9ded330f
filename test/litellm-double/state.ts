/**
 * Everything the double remembers: keys, teams, budget rows, spend logs, the spend that is still
 * waiting for the next batch write, rate-limit windows, and the clock. Handlers in *-routes.ts read
 * and change it; server.ts owns the HTTP side.
 */
import { createHash, randomBytes } from "node:crypto";
import { nextBudgetResetAt } from "./durations.ts";
import { RateLimiter } from "./rate-limiter.ts";
import { DailyTeamSpend, SpendLogStore, StoredLog } from "./spend-log-store.ts";
import type {
  BudgetRow,
  Compat,
  DeletedKeyRow,
  DoubleClock,
  DoubleModel,
  KeyRow,
  LiteLLMDoubleOptions,
  LongCallSpec,
  SoftBudgetAlert,
  SpendLogSeedRow,
  SpendLogSeedSpec,
  TeamRow,
} from "./types.ts";

/** The master key's user (CONTRACT §0 "Master key"). */
export const MASTER_USER_ID = "default_user_id";
/** `LITELLM_PROXY_MASTER_KEY_ALIAS`: the master key's `api_key` in spend logs since v1.84 (current mode). */
export const MASTER_KEY_ALIAS = "litellm_proxy_master_key";
/** Team of LiteLLM UI session keys, which /key/list leaves out (CONTRACT §1 /key/list). */
export const UI_SESSION_TEAM = "litellm-dashboard";

export const LITELLM_VERSION: Record<Compat, string> = { current: "1.108.12", legacy: "1.75.0" };

/** `DEFAULT_MANAGEMENT_OBJECT_IN_MEMORY_CACHE_TTL`: how long a team read at request time stays in memory (CONTRACT §1 /team/block). */
export const DEFAULT_TEAM_CACHE_TTL_MS = 60_000;
/** `MINIMUM_CUSTOM_KEY_LENGTH` (CONTRACT §1 /key/generate). */
export const MINIMUM_CUSTOM_KEY_LENGTH = 16;

export function hashToken(raw: string): string {
  return createHash("sha256").update(raw, "utf8").digest("hex");
}

/** `"sk-" + secrets.token_urlsafe(16)`: 22 URL-safe characters after the prefix. */
export function generateRawKey(): string {
  return `sk-${randomBytes(16).toString("base64url")}`;
}

/** Every `key` parameter takes the raw `sk-…` key or its hash (CONTRACT §0). */
export function toTokenHash(keyOrHash: string): string {
  return keyOrHash.startsWith("sk-") ? hashToken(keyOrHash) : keyOrHash;
}

export type ResolvedModel = Required<DoubleModel> & { id: string };

/** Built-in prices in USD per token (OpenAI/Anthropic list prices); other names get 1/2 USD per 1M tokens. */
const BUILT_IN_PRICES: Record<string, [number, number]> = {
  "gpt-3.5-turbo": [0.5e-6, 1.5e-6],
  "gpt-4-turbo": [10e-6, 30e-6],
  "gpt-4": [30e-6, 60e-6],
  "gpt-4o": [2.5e-6, 10e-6],
  "gpt-4o-mini": [0.15e-6, 0.6e-6],
  "claude-3-5-sonnet": [3e-6, 15e-6],
  "claude-3-haiku": [0.25e-6, 1.25e-6],
  "claude-3-sonnet": [3e-6, 15e-6],
  "claude-3-opus": [15e-6, 75e-6],
};
export const DEFAULT_PRICE: [number, number] = [1e-6, 2e-6];
export const DEFAULT_MODELS = ["gpt-3.5-turbo", "gpt-4-turbo"];
/** What `npm run litellm:double` serves without --models: every model the seed's integration flow names. */
export const SEED_MODELS = ["gpt-3.5-turbo", "gpt-4-turbo", "claude-3-sonnet", "claude-3-opus"];
/** The master key `npm run litellm:double` uses when none is given (printed at start; for local use only). */
export const LOCAL_MASTER_KEY = "sk-litellm-local";

export function resolveModel(m: string | DoubleModel): ResolvedModel {
  const spec: DoubleModel =
    typeof m === "string" ? { name: m, inputCostPerToken: (BUILT_IN_PRICES[m] ?? DEFAULT_PRICE)[0], outputCostPerToken: (BUILT_IN_PRICES[m] ?? DEFAULT_PRICE)[1] } : m;
  const provider = spec.provider ?? (spec.name.startsWith("claude") ? "anthropic" : "openai");
  const providerModel = spec.providerModel ?? spec.name;
  return {
    name: spec.name,
    provider,
    providerModel,
    inputCostPerToken: spec.inputCostPerToken,
    outputCostPerToken: spec.outputCostPerToken,
    id: hashToken(`${spec.name}|${provider}/${providerModel}`),
  };
}

/**
 * The double's clock. `set()` freezes it at a date, `advance()` moves it (a frozen clock stays
 * frozen, a real one keeps ticking from the new offset), `useRealTime()` goes back to real time.
 */
export class Clock implements DoubleClock {
  private frozenAt: number | null = null;
  private offset = 0;

  constructor(start?: Date) {
    if (start) this.frozenAt = start.getTime();
  }

  ms(): number {
    return this.frozenAt ?? Date.now() + this.offset;
  }

  now(): Date {
    return new Date(this.ms());
  }

  set(d: Date): void {
    this.frozenAt = d.getTime();
  }

  advance(ms: number): void {
    if (this.frozenAt !== null) this.frozenAt += ms;
    else this.offset += ms;
  }

  useRealTime(): void {
    this.frozenAt = null;
    this.offset = 0;
  }
}

type Pending = { log: StoredLog; keyToken: string | null };

/** mulberry32: a small deterministic PRNG for the spend-log seeder. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function toMs(d: string | Date | undefined, fallback: number): number {
  if (d === undefined) return fallback;
  const ms = d instanceof Date ? d.getTime() : Date.parse(d);
  return Number.isFinite(ms) ? ms : fallback;
}

export class DoubleState {
  readonly compat: Compat;
  readonly premium: boolean;
  readonly masterKey: string;
  readonly masterKeyHash: string;
  readonly clock: Clock;
  readonly models: ResolvedModel[];

  readonly keys = new Map<string, KeyRow>();
  readonly deletedKeys: DeletedKeyRow[] = [];
  readonly teams = new Map<string, TeamRow>();
  readonly deletedTeams: Array<TeamRow & { deleted_at: string }> = [];
  readonly budgets = new Map<string, BudgetRow>();
  /** Old token → new token and when the old one stops working (regenerate with grace_period). */
  readonly gracePeriodKeys = new Map<string, { token: string; revokeAtMs: number }>();
  /** Old token → new token, so spend recorded under a rotated key still reaches its row. */
  readonly rotatedTo = new Map<string, string>();
  readonly logs = new SpendLogStore();
  readonly daily = new DailyTeamSpend();
  readonly alerts: SoftBudgetAlert[] = [];
  readonly teamSoftBudgetAlerted = new Set<string>();
  readonly limiter = new RateLimiter();
  /**
   * The in-memory team cache that /chat/completions reads (CONTRACT §1 /team/block): the team's
   * `blocked` as last read, until `expiresAtMs` on the double's clock. /team/update refreshes it;
   * /team/block and /team/unblock leave it alone.
   */
  readonly teamCache = new Map<string, { blocked: boolean; expiresAtMs: number }>();
  readonly teamCacheTtlMs: number;
  /** Method and URL (path + query) of the latest requests, oldest first (hooks not included). */
  readonly requestLog: Array<{ method: string; url: string }> = [];
  /** Set while close() drains: /health/liveliness answers 503. */
  draining = false;
  /** Order of /spend/logs/v2 rows that share a startTime, across page edges (CONTRACT §1: no tie-breaker). */
  spendLogsTies: "stable" | "unstable";
  /** Called before each /spend/logs/v2 page is read (tests write rows here: pages that shift between reads). */
  spendLogsReadHook: ((read: { page: number; pageSize: number }) => void) | null = null;
  private pending: Pending[] = [];
  private seedRuns = 0;
  private seededRows = 0;

  constructor(options: LiteLLMDoubleOptions) {
    this.compat = options.compat ?? "current";
    this.premium = options.premium ?? false;
    this.masterKey = options.masterKey;
    this.masterKeyHash = hashToken(options.masterKey);
    this.clock = new Clock(options.now);
    this.models = (options.models ?? DEFAULT_MODELS).map(resolveModel);
    this.spendLogsTies = options.spendLogsTies ?? "unstable";
    this.teamCacheTtlMs = options.teamCacheTtlMs ?? DEFAULT_TEAM_CACHE_TTL_MS;
  }

  /** Whether a request sees the team as blocked: the cached value while it is fresh, else the row (which is then cached). */
  teamBlockedAtRequest(team: TeamRow): boolean {
    const cached = this.teamCache.get(team.team_id);
    if (cached && cached.expiresAtMs > this.clock.ms()) return cached.blocked;
    this.cacheTeam(team);
    return team.blocked;
  }

  /** Puts the team's current row in the request-time cache (what /team/update does). */
  cacheTeam(team: TeamRow): void {
    if (this.teamCacheTtlMs <= 0) return;
    this.teamCache.set(team.team_id, { blocked: team.blocked, expiresAtMs: this.clock.ms() + this.teamCacheTtlMs });
  }

  nowIso(): string {
    return this.clock.now().toISOString();
  }

  model(name: string): ResolvedModel | undefined {
    return this.models.find((m) => m.name === name);
  }

  /** A live key by raw key or hash; an old key inside its regenerate grace period resolves to the new row. */
  findKey(keyOrHash: string): KeyRow | undefined {
    const token = toTokenHash(keyOrHash);
    const row = this.keys.get(token);
    if (row) return row;
    const grace = this.gracePeriodKeys.get(token);
    if (grace && grace.revokeAtMs > this.clock.ms()) return this.keys.get(grace.token);
    return undefined;
  }

  budgetOf(key: KeyRow): BudgetRow | undefined {
    return key.budget_id ? this.budgets.get(key.budget_id) : undefined;
  }

  isExpired(key: KeyRow, nowMs = this.clock.ms()): boolean {
    return key.expires !== null && Date.parse(key.expires) < nowMs;
  }

  /** Queues a spend-log row and its spend; both land at the next batch write (CONTRACT §3 "Write path"). */
  record(log: StoredLog, keyToken: string | null): void {
    this.pending.push({ log, keyToken });
  }

  pendingCount(): number {
    return this.pending.length;
  }

  /** The batch write: spend-log rows, daily aggregates, key and team `spend` in one go. */
  flush(): void {
    const batch = this.pending;
    this.pending = [];
    for (const { log, keyToken } of batch) {
      if (!this.logs.insert(log)) continue;
      this.daily.add(log);
      if (log.spend === 0) continue;
      let token = keyToken;
      for (let hops = 0; token && this.rotatedTo.has(token) && hops < 100; hops++) token = this.rotatedTo.get(token)!;
      const key = token ? this.keys.get(token) : undefined;
      if (key) {
        key.spend += log.spend;
        key.model_spend[log.model_group] = (key.model_spend[log.model_group] ?? 0) + log.spend;
      }
      const team = log.team_id ? this.teams.get(log.team_id) : undefined;
      if (team) {
        team.spend += log.spend;
        team.model_spend[log.model_group] = (team.model_spend[log.model_group] ?? 0) + log.spend;
      }
    }
  }

  /**
   * ResetBudgetJob (CONTRACT §2): keys (skipping expired ones) and teams whose `budget_reset_at` is
   * before now get `spend = 0` and the next calendar-aligned reset time. Spend logs stay.
   */
  runBudgetReset(): void {
    const now = this.clock.now();
    const nowMs = now.getTime();
    const nowIso = now.toISOString();
    const due = (resetAt: string | null) => resetAt !== null && Date.parse(resetAt) < nowMs;
    for (const key of this.keys.values()) {
      if (!due(key.budget_reset_at) || this.isExpired(key, nowMs)) continue;
      key.spend = 0;
      key.soft_budget_cooldown = false;
      key.budget_reset_at = nextBudgetResetAt(key.budget_duration ?? "", now).toISOString();
      key.updated_at = nowIso;
    }
    for (const team of this.teams.values()) {
      if (!due(team.budget_reset_at)) continue;
      team.spend = 0;
      this.teamSoftBudgetAlerted.delete(team.team_id);
      team.budget_reset_at = nextBudgetResetAt(team.budget_duration ?? "", now).toISOString();
      team.updated_at = nowIso;
    }
    for (const budget of this.budgets.values()) {
      if (!due(budget.budget_reset_at)) continue;
      budget.budget_reset_at = nextBudgetResetAt(budget.budget_duration ?? "", now).toISOString();
      budget.updated_at = nowIso;
    }
  }

  /**
   * A long call that has just finished (CONTRACT §3 "When a row appears"): its row starts
   * `durationMs` before now and, like every row, reaches the table (and its spend the key and the
   * team) only at the next batch write.
   */
  finishLongCall(spec: LongCallSpec): string {
    const key = this.findKey(spec.key);
    if (!key) throw new Error(`finishLongCall: no live key ${spec.key.slice(0, 6)}…`);
    const model = this.model(spec.model) ?? resolveModel(spec.model);
    const endMs = this.clock.ms();
    const startMs = endMs - Math.max(0, Math.round(spec.durationMs));
    const prompt = spec.promptTokens ?? 1000;
    const completion = spec.completionTokens ?? 4000;
    const team = key.team_id ? this.teams.get(key.team_id) : undefined;
    const requestId = spec.requestId ?? `chatcmpl-long-${randomBytes(8).toString("hex")}`;
    const metadata = {
      user_api_key: key.token,
      user_api_key_alias: key.key_alias,
      user_api_key_team_id: key.team_id,
      user_api_key_team_alias: team?.team_alias ?? null,
      user_api_key_user_id: key.user_id,
      user_api_key_org_id: key.organization_id,
      spend_logs_metadata: null,
      status: "success",
    };
    const log = new StoredLog(
      requestId,
      startMs,
      endMs,
      startMs + Math.min(2000, endMs - startMs),
      key.token,
      key.team_id,
      key.user_id,
      null,
      model.providerModel,
      model.name,
      model.id,
      model.provider,
      prompt * model.inputCostPerToken + completion * model.outputCostPerToken,
      prompt,
      completion,
      "success",
      metadata,
      [],
      null,
      null,
    );
    this.record(log, key.token);
    return requestId;
  }

  /** Bulk insert for benchmarks: straight into the table (no batch, no key/team spend), daily aggregates included. */
  seedSpendLogs(input: SpendLogSeedRow[] | SpendLogSeedSpec): number {
    const logs = Array.isArray(input) ? this.seedRows(input) : this.generateRows(input);
    this.logs.insertSorted(logs, Array.isArray(input));
    for (const log of logs) this.daily.add(log);
    return logs.length;
  }

  private seedRows(rows: SpendLogSeedRow[]): StoredLog[] {
    const now = this.clock.ms();
    const logs = rows.map((r) => {
      const start = toMs(r.startTime, now);
      const end = toMs(r.endTime, start + (r.request_duration_ms ?? 0));
      const model = r.model_group ? this.model(r.model_group) : undefined;
      const prompt = r.prompt_tokens ?? 0;
      const completion = r.completion_tokens ?? Math.max(0, (r.total_tokens ?? prompt) - prompt);
      return new StoredLog(
        r.request_id ?? `chatcmpl-seed-${++this.seededRows}`,
        start,
        end,
        r.completionStartTime ? toMs(r.completionStartTime, end) : end,
        r.api_key ?? "",
        r.team_id ?? null,
        r.user ?? null,
        r.end_user ?? null,
        r.model ?? model?.providerModel ?? "",
        r.model_group ?? "",
        r.model_id ?? model?.id ?? "",
        r.custom_llm_provider ?? model?.provider ?? "",
        r.spend ?? 0,
        prompt,
        completion,
        r.status ?? "success",
        r.metadata ?? {},
        r.request_tags ?? [],
        r.session_id ?? null,
        {
          call_type: r.call_type,
          api_base: r.api_base ?? undefined,
          organization_id: r.organization_id,
          cache_hit: r.cache_hit,
          cache_key: r.cache_key,
          requester_ip_address: r.requester_ip_address,
          messages: r.messages,
          response: r.response,
          proxy_server_request: r.proxy_server_request,
          mcp_namespaced_tool_name: r.mcp_namespaced_tool_name,
          agent_id: r.agent_id,
        },
      );
    });
    return logs.sort((a, b) => a.startMs - b.startMs);
  }

  /**
   * `count` rows with startTime spread evenly (with jitter) over [from, to], in order. Each row picks
   * a key (given hashes, or 20 synthetic ones) and a model (given names, or the double's models)
   * at random from a fixed seed; key i always belongs to teamIds[i % teamIds.length], or to its
   * live team when teamIds is absent. Tokens are random, spend follows the model's prices.
   */
  private generateRows(spec: SpendLogSeedSpec): StoredLog[] {
    const random = prng(0x11e11 + this.seedRuns++);
    const fromMs = spec.from.getTime();
    const span = Math.max(0, spec.to.getTime() - fromMs);
    const keyHashes = spec.keyHashes?.length ? spec.keyHashes : Array.from({ length: 20 }, (_, i) => hashToken(`litellm-double-seed-key-${i}`));
    const models = (spec.models?.length ? spec.models : this.models.map((m) => m.name)).map((name) => this.model(name) ?? resolveModel(name));
    const keyInfo = keyHashes.map((hash, i) => {
      const live = this.keys.get(hash);
      const teamId = spec.teamIds?.length ? spec.teamIds[i % spec.teamIds.length] : (live?.team_id ?? null);
      const team = teamId ? this.teams.get(teamId) : undefined;
      const metadata = {
        user_api_key: hash,
        user_api_key_alias: live?.key_alias ?? null,
        user_api_key_team_id: teamId,
        user_api_key_team_alias: team?.team_alias ?? null,
        user_api_key_user_id: live?.user_id ?? null,
        user_api_key_org_id: live?.organization_id ?? null,
        spend_logs_metadata: null,
        status: "success",
        error_information: null,
      };
      return { hash, teamId, user: live?.user_id ?? null, metadata };
    });
    const noTags: string[] = [];
    const logs: StoredLog[] = new Array(spec.count);
    const run = this.seedRuns;
    for (let i = 0; i < spec.count; i++) {
      const start = fromMs + Math.floor((span * (i + random())) / Math.max(1, spec.count));
      const key = keyInfo[Math.floor(random() * keyInfo.length)];
      const model = models[Math.floor(random() * models.length)];
      const prompt = 20 + Math.floor(random() * 1980);
      const completion = 10 + Math.floor(random() * 790);
      const duration = 200 + Math.floor(random() * 2000);
      logs[i] = new StoredLog(
        `chatcmpl-seed${run}-${i}`,
        Math.min(start, fromMs + span),
        Math.min(start, fromMs + span) + duration,
        Math.min(start, fromMs + span) + Math.floor(duration / 4),
        key.hash,
        key.teamId,
        key.user,
        null,
        model.providerModel,
        model.name,
        model.id,
        model.provider,
        prompt * model.inputCostPerToken + completion * model.outputCostPerToken,
        prompt,
        completion,
        "success",
        key.metadata,
        noTags,
        null,
        null,
      );
    }
    return logs;
  }
}

