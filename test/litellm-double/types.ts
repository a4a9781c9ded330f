/**
 * Public types of the LiteLLM double. Rows use LiteLLM's wire names (snake_case, `startTime`
 * camelCase in spend logs) and ISO-8601 UTC strings for dates, exactly as the HTTP API returns them.
 */

export type Compat = "current" | "legacy";

export type DoubleModel = {
  /** The public model name (`model_name`, the spend-log `model_group`). */
  name: string;
  /** `custom_llm_provider`; default "openai". */
  provider?: string;
  /** The provider's model (the spend-log `model`); default = name. */
  providerModel?: string;
  inputCostPerToken: number;
  outputCostPerToken: number;
};

export type FaultKind = "error500" | "hang" | "drop";
export type Fault = { kind: FaultKind; count?: number; hangMs?: number };

export type LiteLLMDoubleOptions = {
  port?: number;
  host?: string;
  masterKey: string;
  compat?: Compat;
  models?: Array<string | DoubleModel>;
  /** LiteLLM's `proxy_batch_write_at`: how often pending spend is written (default 10 000 ms). */
  batchWriteIntervalMs?: number;
  /** Enterprise licence: regenerate, model_max_budget and tags answer 500 unless true. */
  premium?: boolean;
  /** Starting clock (frozen there until advanced); default real time. */
  now?: Date;
  /**
   * Run the budget-reset job on its own every this many real milliseconds (LiteLLM: ~600 s).
   * Default: never; call `runBudgetReset()` instead.
   */
  budgetResetIntervalMs?: number;
  /**
   * Order of /spend/logs/v2 rows sharing a startTime across page edges: "unstable" (default, as
   * LiteLLM's `ORDER BY "startTime"` without a tie-breaker) or "stable".
   */
  spendLogsTies?: "stable" | "unstable";
  /**
   * LiteLLM's in-memory team cache (`DEFAULT_MANAGEMENT_OBJECT_IN_MEMORY_CACHE_TTL`, default 60 000
   * ms on the double's clock; 0 = no cache): /team/block and /team/unblock reach /chat/completions
   * only once a cached read has expired, /team/update at once (CONTRACT §1 /team/block).
   */
  teamCacheTtlMs?: number;
};

/**
 * A call that ran `durationMs` and has just finished (CONTRACT §3 "When a row appears"): its row,
 * with startTime `durationMs` before the double's now, is written at the next batch write.
 */
export type LongCallSpec = {
  /** The virtual key (raw `sk-…` or its hash) that made the call. */
  key: string;
  model: string;
  durationMs: number;
  promptTokens?: number;
  completionTokens?: number;
  requestId?: string;
};

export type Member = { user_id: string | null; user_email: string | null; role: "admin" | "user" };

export type BudgetRow = {
  budget_id: string;
  max_budget: number | null;
  soft_budget: number | null;
  max_parallel_requests: number | null;
  tpm_limit: number | null;
  rpm_limit: number | null;
  model_max_budget: Record<string, unknown> | null;
  budget_duration: string | null;
  budget_reset_at: string | null;
  created_at: string;
  created_by: string;
  updated_at: string;
  updated_by: string;
};

/** `LiteLLM_VerificationToken` (CONTRACT §1 /key/info, schema S). `token` is the sha256 hex. */
export type KeyRow = {
  token: string;
  key_name: string;
  key_alias: string | null;
  soft_budget_cooldown: boolean;
  spend: number;
  expires: string | null;
  models: string[];
  aliases: Record<string, unknown>;
  config: Record<string, unknown>;
  user_id: string | null;
  team_id: string | null;
  permissions: Record<string, unknown>;
  max_parallel_requests: number | null;
  metadata: Record<string, unknown>;
  blocked: boolean | null;
  tpm_limit: number | null;
  rpm_limit: number | null;
  max_budget: number | null;
  budget_duration: string | null;
  budget_reset_at: string | null;
  allowed_cache_controls: string[];
  allowed_routes: string[];
  model_spend: Record<string, number>;
  model_max_budget: Record<string, unknown>;
  budget_id: string | null;
  organization_id: string | null;
  project_id: string | null;
  agent_id: string | null;
  created_at: string;
  created_by: string | null;
  updated_at: string;
  updated_by: string | null;
  last_active: string | null;
  rotation_count: number;
  last_rotation_at: string | null;
  auto_rotate: boolean;
  rotation_interval: string | null;
  key_rotation_at: string | null;
  object_permission_id: string | null;
};

export type DeletedKeyRow = KeyRow & { deleted_at: string; deleted_by: string | null };

/** `LiteLLM_TeamTable` (CONTRACT §1 /team/new response). */
export type TeamRow = {
  team_id: string;
  team_alias: string | null;
  organization_id: string | null;
  admins: string[];
  members: string[];
  members_with_roles: Member[];
  team_member_permissions: string[];
  metadata: Record<string, unknown>;
  tpm_limit: number | null;
  rpm_limit: number | null;
  max_budget: number | null;
  soft_budget: number | null;
  budget_duration: string | null;
  budget_reset_at: string | null;
  models: string[];
  blocked: boolean;
  spend: number;
  model_spend: Record<string, number>;
  model_max_budget: Record<string, unknown>;
  max_parallel_requests: number | null;
  model_id: string | null;
  litellm_model_table: { model_aliases: Record<string, unknown> } | null;
  object_permission_id: string | null;
  created_at: string;
  updated_at: string;
};

/** `LiteLLM_SpendLogs` (CONTRACT §3), as `/spend/logs/v2` returns it. */
export type SpendLogRow = {
  request_id: string;
  call_type: string;
  api_key: string;
  spend: number;
  total_tokens: number;
  prompt_tokens: number;
  completion_tokens: number;
  startTime: string;
  endTime: string;
  completionStartTime: string | null;
  request_duration_ms: number | null;
  model: string;
  model_id: string | null;
  model_group: string | null;
  custom_llm_provider: string | null;
  api_base: string | null;
  user: string | null;
  end_user: string | null;
  team_id: string | null;
  organization_id: string | null;
  metadata: Record<string, unknown>;
  cache_hit: string | null;
  cache_key: string | null;
  request_tags: string[];
  requester_ip_address: string | null;
  messages: unknown;
  response: unknown;
  proxy_server_request: unknown;
  session_id: string | null;
  status: string | null;
  mcp_namespaced_tool_name: string | null;
  agent_id: string | null;
};

/** One row for `seedSpendLogs`; every missing column gets a default. Dates may be Date objects. */
export type SpendLogSeedRow = Partial<Omit<SpendLogRow, "startTime" | "endTime">> & { startTime?: string | Date; endTime?: string | Date };

/** Generated rows for benchmarks: `count` rows spread over [from, to], deterministic. */
export type SpendLogSeedSpec = { count: number; teamIds?: string[]; keyHashes?: string[]; from: Date; to: Date; models?: string[] };

/** A soft-budget crossing: LiteLLM would alert (Slack/email); the double only records it (CONTRACT §2 "Soft budget"). */
export type SoftBudgetAlert = { kind: "key" | "team"; id: string; spend: number; softBudget: number; at: string };

export type DoubleClock = { now(): Date; set(d: Date): void; advance(ms: number): void; useRealTime(): void };

export type LiteLLMDouble = {
  url: string;
  port: number;
  compat: Compat;
  /** Write pending spend to key/team spend and spend-log rows now. */
  flush(): Promise<void>;
  clock: DoubleClock;
  /** LiteLLM's ResetBudgetJob, once, at the double's clock. */
  runBudgetReset(): Promise<void>;
  fault(route: string, f: Fault): void;
  clearFaults(): void;
  state: {
    teams(): TeamRow[];
    keys(): KeyRow[];
    deletedKeys(): DeletedKeyRow[];
    spendLogs(): SpendLogRow[];
    /** Requests received on that path (any method), or in all when omitted; faulted ones included. */
    requestCount(route?: string): number;
    softBudgetAlerts(): SoftBudgetAlert[];
    /** Method and URL (path + query string) of the latest requests (up to 10 000), oldest first; `/_double/*` left out. */
    requests(route?: string): Array<{ method: string; url: string }>;
  };
  seedSpendLogs(rows: SpendLogSeedRow[] | SpendLogSeedSpec): void;
  /** Queues a long call's row (startTime in the past) and its spend for the next batch write; returns its request_id. */
  finishLongCall(spec: LongCallSpec): string;
  /** Runs `hook` before every /spend/logs/v2 page is read (null removes it): rows written between two reads. */
  onSpendLogsRead(hook: ((read: { page: number; pageSize: number }) => void) | null): void;
  close(): Promise<void>;
};
