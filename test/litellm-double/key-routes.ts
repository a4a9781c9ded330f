/**
 * Virtual keys: /key/generate, /key/update, /key/delete, /key/info, /key/block, /key/unblock,
 * /key/regenerate, /key/{key}/regenerate, /key/{key}/reset_spend, /key/list (CONTRACT §1).
 */
import { randomUUID } from "node:crypto";
import { adminOnlyError, type Route, type RouteContext } from "./auth.ts";
import { addDuration, nextBudgetResetAt } from "./durations.ts";
import { enterpriseOnly, handledException, json, proxyException, ReplyError, validationError, type Reply } from "./errors.ts";
import { maskSecret, pyJsonDumps, pyRepr } from "./python.ts";
import { generateRawKey, hashToken, MASTER_USER_ID, MINIMUM_CUSTOM_KEY_LENGTH, toTokenHash, UI_SESSION_TEAM, type DoubleState } from "./state.ts";
import type { BudgetRow, DeletedKeyRow, KeyRow } from "./types.ts";
import { checkLiteral, QueryReader, readJsonBody, type BodySpec } from "./validate.ts";

/** The fields of `GenerateKeyRequest` the double understands (T). */
const KEY_FIELDS: BodySpec = {
  key_alias: "str",
  key: "str",
  user_id: "str",
  team_id: "str",
  organization_id: "str",
  project_id: "str",
  agent_id: "str",
  budget_id: "str",
  duration: "str",
  blocked: "bool",
  spend: "float",
  max_budget: "float",
  soft_budget: "float",
  budget_duration: "str",
  model_max_budget: "dict",
  tpm_limit: "int",
  rpm_limit: "int",
  max_parallel_requests: "int",
  model_rpm_limit: "dict",
  model_tpm_limit: "dict",
  rpm_limit_type: "str",
  tpm_limit_type: "str",
  models: "list",
  aliases: "dict",
  allowed_routes: "list",
  allowed_passthrough_routes: "list",
  key_type: "str",
  permissions: "dict",
  allowed_cache_controls: "list",
  config: "dict",
  object_permission: "dict",
  enforced_params: "list",
  guardrails: "list",
  metadata: "dict",
  tags: "str_list",
  auto_rotate: "bool",
  rotation_interval: "str",
};

const UPDATE_FIELDS: BodySpec = { ...KEY_FIELDS, temp_budget_increase: "float", temp_budget_expiry: "str" };

/** Fields LiteLLM stores inside `metadata` rather than in a column (`LiteLLM_ManagementEndpoint_MetadataFields`). */
const METADATA_FIELDS = ["model_rpm_limit", "model_tpm_limit", "guardrails", "tags", "enforced_params", "temp_budget_increase", "temp_budget_expiry"];

/** Request fields that are not columns of the key row (they are echoed by /key/generate, never stored). */
const NON_COLUMN_FIELDS = new Set(["key", "duration", "soft_budget", "key_type", "object_permission", "allowed_passthrough_routes", "rpm_limit_type", "tpm_limit_type", ...METADATA_FIELDS]);

const KEY_TYPES = ["llm_api", "management", "read_only", "default"] as const;
const KEY_TYPE_ROUTES: Record<string, string[]> = { llm_api: ["llm_api_routes"], management: ["management_routes"], read_only: ["info_routes"] };

export function callerUserId(ctx: RouteContext): string | null {
  return ctx.caller.kind === "key" ? ctx.caller.key.user_id : MASTER_USER_ID;
}

function isNonEmptyObject(v: unknown): boolean {
  return typeof v === "object" && v !== null && Object.keys(v).length > 0;
}

function enterpriseChecks(state: DoubleState, data: Record<string, unknown>, target: "keys" | "teams"): void {
  if (state.premium) return;
  if (isNonEmptyObject(data.model_max_budget)) throw enterpriseOnly("You must have an enterprise license to set model_max_budget.");
  if (Array.isArray(data.tags) && data.tags.length) throw enterpriseOnly(`Only premium users can add tags to ${target}.`);
  if (data.temp_budget_increase !== undefined && data.temp_budget_increase !== null) {
    throw enterpriseOnly("temp_budget_increase and temp_budget_expiry are an Enterprise feature.");
  }
}

/** `{'error': 'max_budget cannot be negative. Received: -1'}` (CONTRACT §1 /key/generate). */
export function negativeBudgetProblem(data: Record<string, unknown>): string | null {
  for (const field of ["max_budget", "soft_budget"]) {
    const v = data[field];
    if (typeof v === "number" && v < 0) return `${field} cannot be negative. Received: ${v}`;
  }
  return null;
}

function duplicateAliasError(alias: string): ReplyError {
  return proxyException(400, `Key with alias '${alias}' already exists. Unique key aliases across all keys are required.`, "bad_request_error", "key_alias");
}

function aliasTaken(state: DoubleState, alias: unknown, exceptToken?: string): alias is string {
  if (typeof alias !== "string") return false;
  for (const k of state.keys.values()) if (k.key_alias === alias && k.token !== exceptToken) return true;
  return false;
}

function expiresFrom(state: DoubleState, duration: unknown): string | null {
  if (duration === null || duration === undefined || duration === "-1") return null;
  const at = addDuration(state.clock.now(), String(duration));
  if (!at) throw handledException(500, "Invalid duration format");
  return at.toISOString();
}

function metadataFields(data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of METADATA_FIELDS) if (data[f] !== undefined && data[f] !== null) out[f] = data[f];
  return out;
}

/** A LiteLLM_BudgetTable row (keys' soft budgets, teams' per-member budgets). */
export function newBudgetRow(state: DoubleState, fields: Partial<BudgetRow>, by: string | null): BudgetRow {
  const now = state.nowIso();
  const row: BudgetRow = {
    budget_id: randomUUID(),
    max_budget: null,
    soft_budget: null,
    max_parallel_requests: null,
    tpm_limit: null,
    rpm_limit: null,
    model_max_budget: null,
    budget_duration: null,
    budget_reset_at: null,
    created_at: now,
    created_by: by ?? MASTER_USER_ID,
    updated_at: now,
    updated_by: by ?? MASTER_USER_ID,
    ...fields,
  };
  state.budgets.set(row.budget_id, row);
  return row;
}

/** `/key/info`'s `info`: the row minus `token`, plus the linked budget row and object permission. */
export function keyInfo(state: DoubleState, row: KeyRow): Record<string, unknown> {
  const { token: _token, ...rest } = row;
  return { ...structuredClone(rest), litellm_budget_table: structuredClone(state.budgetOf(row) ?? null), object_permission: null };
}

function keyResponse(state: DoubleState, row: KeyRow, rawKey: string, echo: Record<string, unknown>): Record<string, unknown> {
  const budget = state.budgetOf(row);
  const ordered: Record<string, unknown> = {
    key: rawKey,
    token: row.token,
    token_id: row.token,
    key_name: row.key_name,
    key_alias: row.key_alias,
    expires: row.expires,
    models: row.models,
    spend: row.spend,
    max_budget: row.max_budget,
    user_id: row.user_id,
    team_id: row.team_id,
    organization_id: row.organization_id,
    project_id: row.project_id,
    budget_id: row.budget_id,
    max_parallel_requests: row.max_parallel_requests,
    metadata: row.metadata,
    tpm_limit: row.tpm_limit,
    rpm_limit: row.rpm_limit,
    budget_duration: row.budget_duration,
    allowed_cache_controls: row.allowed_cache_controls,
    soft_budget: budget?.soft_budget ?? null,
    duration: echo.duration ?? null,
    aliases: row.aliases,
    config: row.config,
    permissions: row.permissions,
    model_max_budget: row.model_max_budget,
    blocked: row.blocked,
    allowed_routes: row.allowed_routes,
    tags: echo.tags ?? null,
    litellm_budget_table: null,
    created_by: row.created_by,
    updated_by: row.updated_by,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
  for (const [k, v] of Object.entries(echo)) if (!(k in ordered)) ordered[k] = v;
  return structuredClone(ordered);
}

function generateKey(ctx: RouteContext): Reply {
  const state = ctx.state;
  const data = readJsonBody(ctx, KEY_FIELDS);
  checkLiteral(data, "key_type", KEY_TYPES);
  enterpriseChecks(state, data, "keys");
  const negative = negativeBudgetProblem(data);
  if (negative) throw handledException(400, { error: negative });
  let rawKey = generateRawKey();
  if (typeof data.key === "string") {
    if (!data.key.startsWith("sk-")) {
      throw handledException(400, { error: `Invalid key format. LiteLLM Virtual Key must start with 'sk-'. Received: ${maskSecret(data.key)}` });
    }
    if (data.key.length < MINIMUM_CUSTOM_KEY_LENGTH) {
      throw handledException(400, { error: `Invalid key format. LiteLLM Virtual Key must be at least ${MINIMUM_CUSTOM_KEY_LENGTH} characters long.` });
    }
    rawKey = data.key;
  }
  if (aliasTaken(state, data.key_alias)) throw duplicateAliasError(data.key_alias);
  const token = hashToken(rawKey);
  if (state.keys.has(token)) throw handledException(500, "Unique constraint failed on the fields: (`token`)");
  const expires = expiresFrom(state, data.duration);

  const by = callerUserId(ctx);
  const now = state.clock.now();
  let budgetId = (data.budget_id as string | null | undefined) ?? null;
  if (typeof data.soft_budget === "number") budgetId = newBudgetRow(state, { soft_budget: data.soft_budget }, by).budget_id;
  const keyType = (data.key_type as string | undefined) ?? "default";
  const budgetDuration = (data.budget_duration as string | null | undefined) ?? null;
  const row: KeyRow = {
    token,
    key_name: `sk-...${rawKey.slice(-4)}`,
    key_alias: (data.key_alias as string | null | undefined) ?? null,
    soft_budget_cooldown: false,
    spend: (data.spend as number | null | undefined) ?? 0,
    expires,
    models: (data.models as string[] | null | undefined) ?? [],
    aliases: (data.aliases as Record<string, unknown> | null | undefined) ?? {},
    config: (data.config as Record<string, unknown> | null | undefined) ?? {},
    user_id: (data.user_id as string | null | undefined) ?? null,
    team_id: (data.team_id as string | null | undefined) ?? null,
    permissions: (data.permissions as Record<string, unknown> | null | undefined) ?? {},
    max_parallel_requests: (data.max_parallel_requests as number | null | undefined) ?? null,
    metadata: { ...((data.metadata as Record<string, unknown> | null | undefined) ?? {}), ...metadataFields(data) },
    blocked: (data.blocked as boolean | null | undefined) ?? null,
    tpm_limit: (data.tpm_limit as number | null | undefined) ?? null,
    rpm_limit: (data.rpm_limit as number | null | undefined) ?? null,
    max_budget: (data.max_budget as number | null | undefined) ?? null,
    budget_duration: budgetDuration,
    budget_reset_at: budgetDuration ? nextBudgetResetAt(budgetDuration, now).toISOString() : null,
    allowed_cache_controls: (data.allowed_cache_controls as string[] | null | undefined) ?? [],
    allowed_routes: KEY_TYPE_ROUTES[keyType] ?? (data.allowed_routes as string[] | null | undefined) ?? [],
    model_spend: {},
    model_max_budget: (data.model_max_budget as Record<string, unknown> | null | undefined) ?? {},
    budget_id: budgetId,
    organization_id: (data.organization_id as string | null | undefined) ?? null,
    project_id: (data.project_id as string | null | undefined) ?? null,
    agent_id: (data.agent_id as string | null | undefined) ?? null,
    created_at: now.toISOString(),
    created_by: by,
    updated_at: now.toISOString(),
    updated_by: by,
    last_active: null,
    rotation_count: 0,
    last_rotation_at: null,
    auto_rotate: (data.auto_rotate as boolean | null | undefined) ?? false,
    rotation_interval: (data.rotation_interval as string | null | undefined) ?? null,
    key_rotation_at: null,
    object_permission_id: null,
  };
  state.keys.set(token, row);
  // GenerateKeyResponse carries the request's known fields; unknown ones are dropped as Pydantic would.
  const echo = Object.fromEntries(Object.entries(data).filter(([k]) => k in KEY_FIELDS && k !== "key"));
  return json(keyResponse(state, row, rawKey, echo));
}

/**
 * `prepare_key_update_data` + the Prisma write: only the fields sent, `duration` → `expires`,
 * `budget_duration` → `budget_reset_at`, metadata-backed fields merged into `metadata`. Returns the
 * payload as written, for the response.
 */
function applyKeyUpdate(state: DoubleState, row: KeyRow, data: Record<string, unknown>, by: string | null): Record<string, unknown> {
  const payload: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) {
    if (k in KEY_FIELDS && !NON_COLUMN_FIELDS.has(k) && k !== "metadata") payload[k] = v;
  }
  if ("duration" in data) payload.expires = expiresFrom(state, data.duration);
  if ("budget_duration" in data) {
    payload.budget_reset_at = data.budget_duration ? nextBudgetResetAt(String(data.budget_duration), state.clock.now()).toISOString() : null;
  }
  const metaFields = metadataFields(data);
  if ("metadata" in data || Object.keys(metaFields).length) {
    const base = "metadata" in data ? ((data.metadata as Record<string, unknown> | null) ?? {}) : row.metadata;
    payload.metadata = { ...base, ...metaFields };
  }
  if (typeof data.key_type === "string" && KEY_TYPE_ROUTES[data.key_type]) payload.allowed_routes = KEY_TYPE_ROUTES[data.key_type];
  if ("soft_budget" in data) {
    const budget = state.budgetOf(row);
    if (budget) {
      budget.soft_budget = (data.soft_budget as number | null) ?? null;
      budget.updated_at = state.nowIso();
    } else if (typeof data.soft_budget === "number") {
      payload.budget_id = newBudgetRow(state, { soft_budget: data.soft_budget }, by).budget_id;
    }
  }
  for (const [k, v] of Object.entries(payload)) (row as Record<string, unknown>)[k] = v ?? defaultFor(k);
  row.updated_at = state.nowIso();
  row.updated_by = by;
  return payload;
}

/** Prisma columns with defaults: sending null for them writes the default (`[]`, `{}`, 0). */
function defaultFor(column: string): unknown {
  if (["models", "allowed_cache_controls", "allowed_routes"].includes(column)) return [];
  if (["aliases", "config", "permissions", "metadata", "model_max_budget"].includes(column)) return {};
  if (column === "spend") return 0;
  if (column === "auto_rotate") return false;
  return null;
}

/** `{"key": <sent>, ...payload with dicts as JSON strings, "token": <hash>}` (CONTRACT §1 /key/update). */
function jsonifyPayload(payload: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(payload)) out[k] = typeof v === "object" && v !== null && !Array.isArray(v) ? pyJsonDumps(v) : v;
  return out;
}

function updateKey(ctx: RouteContext): Reply {
  const state = ctx.state;
  const data = readJsonBody(ctx, UPDATE_FIELDS, ["key"]);
  checkLiteral(data, "key_type", KEY_TYPES);
  const sentKey = data.key as string;
  const row = state.findKey(sentKey);
  const teamIdText = typeof data.team_id === "string" ? data.team_id : "None";
  if (!row) throw proxyException(404, pyRepr({ error: `Team not found, passed team_id=${teamIdText}` }), "auth_error", "None");
  enterpriseChecks(state, data, "keys");
  const negative = negativeBudgetProblem(data);
  if (negative) throw proxyException(400, pyRepr({ error: negative }), "auth_error", "None");
  if (aliasTaken(state, data.key_alias, row.token)) throw duplicateAliasError(data.key_alias);
  if (typeof data.team_id === "string" && data.team_id !== row.team_id) {
    const team = state.teams.get(data.team_id);
    if (!team) throw proxyException(404, pyRepr({ error: `Team not found, passed team_id=${data.team_id}` }), "auth_error", "None");
    const models = (data.models as string[] | undefined) ?? row.models;
    const outside = team.models.length && !team.models.includes("all-proxy-models") ? models.filter((m) => !team.models.includes(m)) : [];
    if (outside.length) {
      throw proxyException(403, pyRepr({ error: `Key's models ${pyRepr(outside)} are not allowed in team=${team.team_id}.` }), "auth_error", "None");
    }
  }
  const payload = applyKeyUpdate(state, row, data, callerUserId(ctx));
  return json({ key: sentKey, ...jsonifyPayload(payload), token: row.token });
}

function archiveKey(state: DoubleState, row: KeyRow, by: string | null): void {
  state.keys.delete(row.token);
  const deleted: DeletedKeyRow = { ...structuredClone(row), deleted_at: state.nowIso(), deleted_by: by };
  state.deletedKeys.push(deleted);
}

export function deleteKeysOfTeam(state: DoubleState, teamId: string, by: string | null): void {
  for (const row of [...state.keys.values()]) if (row.team_id === teamId) archiveKey(state, row, by);
}

function deleteKey(ctx: RouteContext): Reply {
  const state = ctx.state;
  const data = readJsonBody(ctx, { keys: "str_list", key_aliases: "str_list" });
  const keys = data.keys as string[] | null | undefined;
  const aliases = data.key_aliases as string[] | null | undefined;
  if (!keys?.length && !aliases?.length) {
    throw validationError([{ type: "value_error", loc: ["body"], msg: "Value error, At least one of 'keys' or 'key_aliases' must be provided.", input: ctx.body }]);
  }
  const rows: KeyRow[] = [];
  for (const k of keys ?? []) {
    const row = state.keys.get(toTokenHash(k));
    if (!row) throw handledException(404, { error: "No keys found" });
    rows.push(row);
  }
  for (const alias of aliases ?? []) {
    const row = [...state.keys.values()].find((r) => r.key_alias === alias);
    if (!row) throw handledException(404, { error: "No keys found" });
    rows.push(row);
  }
  const by = callerUserId(ctx);
  for (const row of new Set(rows)) archiveKey(state, row, by);
  return json({ deleted_keys: keys?.length ? keys : aliases });
}

function keyInfoRoute(ctx: RouteContext): Reply {
  const state = ctx.state;
  const passed = ctx.query.get("key");
  const caller = ctx.caller;
  // With no `key`, LiteLLM reports on the caller's own key, named by its hash.
  const target = passed ?? (caller.kind === "key" ? caller.key.token : state.masterKeyHash);
  if (caller.kind === "key" && passed !== null && toTokenHash(passed) !== caller.key.token) throw adminOnlyError(caller.key, ctx.path);
  const row = state.findKey(target);
  if (!row) throw proxyException(404, "Key not found in database", "not_found_error", "key");
  return json({ key: passed ?? target, info: keyInfo(state, row) });
}

function blockRoute(blocked: boolean) {
  return (ctx: RouteContext): Reply => {
    const state = ctx.state;
    const data = readJsonBody(ctx, { key: "str" }, ["key"]);
    const key = data.key as string;
    if (!key.startsWith("sk-") && !/^[0-9a-f]{64}$/.test(key)) throw proxyException(400, "Invalid key format.", "bad_request_error", "key");
    const token = toTokenHash(key);
    const row = state.keys.get(token);
    if (!row) {
      // Current builds: 404 "Key not found."; older builds raised the auth layer's 401 (CONTRACT §1 /key/block).
      if (state.compat === "current") throw proxyException(404, "Key not found.", "not_found_error", "key");
      throw proxyException(
        401,
        `Authentication Error, Invalid proxy server token passed. key=${token}, not found in db. Create key via \`/key/generate\` call.`,
        "token_not_found_in_db",
        "key",
      );
    }
    row.blocked = blocked;
    row.updated_at = state.nowIso();
    row.updated_by = callerUserId(ctx);
    return json(structuredClone(row));
  };
}

function regenerate(ctx: RouteContext): Reply {
  const state = ctx.state;
  if (!state.premium) throw enterpriseOnly("Regenerating Virtual Keys is an Enterprise feature,");
  const fromPath = ctx.params.key;
  const data = ctx.body === undefined && fromPath ? {} : readJsonBody(ctx, { ...UPDATE_FIELDS, new_key: "str", grace_period: "str", new_master_key: "str" });
  const passed = fromPath ?? (data.key as string | undefined);
  if (!passed) throw validationError([{ type: "missing", loc: ["body", "key"], msg: "Field required", input: ctx.body ?? null }]);
  const row = state.keys.get(toTokenHash(passed));
  if (!row) throw handledException(404, { error: `Key ${passed} not found.` });
  const newRaw = typeof data.new_key === "string" ? data.new_key : generateRawKey();
  if (!newRaw.startsWith("sk-")) {
    throw handledException(400, { error: `New key must start with 'sk-'. This is to distinguish a key hash (used for DB lookup) from a virtual key. Received: ${maskSecret(newRaw)}` });
  }
  const newToken = hashToken(newRaw);
  if (state.keys.has(newToken)) throw handledException(500, "Unique constraint failed on the fields: (`token`)");
  const by = callerUserId(ctx);
  const { key: _k, new_key: _n, grace_period: _g, new_master_key: _m, ...changes } = data;
  if (aliasTaken(state, changes.key_alias, row.token)) throw duplicateAliasError(changes.key_alias);
  applyKeyUpdate(state, row, changes, by);

  const oldToken = row.token;
  state.deletedKeys.push({ ...structuredClone(row), deleted_at: state.nowIso(), deleted_by: by });
  state.keys.delete(oldToken);
  const now = state.nowIso();
  const rotated: KeyRow = {
    ...row,
    token: newToken,
    key_name: `sk-...${newRaw.slice(-4)}`,
    rotation_count: row.rotation_count + 1,
    last_rotation_at: now,
    updated_at: now,
    updated_by: by,
  };
  state.keys.set(newToken, rotated);
  state.rotatedTo.set(oldToken, newToken);
  for (const grace of state.gracePeriodKeys.values()) if (grace.token === oldToken) grace.token = newToken;
  const graceUntil = typeof data.grace_period === "string" ? addDuration(state.clock.now(), data.grace_period) : null;
  if (graceUntil) state.gracePeriodKeys.set(oldToken, { token: newToken, revokeAtMs: graceUntil.getTime() });
  return json(keyResponse(state, rotated, newRaw, {}));
}

function resetSpend(ctx: RouteContext): Reply {
  const state = ctx.state;
  const data = readJsonBody(ctx, { reset_to: "float" }, ["reset_to"]);
  const row = state.keys.get(toTokenHash(ctx.params.key));
  if (!row) throw handledException(404, { error: `Key ${ctx.params.key} not found.` });
  const resetTo = data.reset_to as number;
  if (resetTo < 0) throw handledException(400, { error: `reset_to must be >= 0. Received: ${resetTo}` });
  if (resetTo > row.spend) throw handledException(400, { error: `reset_to (${resetTo}) must be <= current spend (${row.spend})` });
  const previous = row.spend;
  row.spend = resetTo;
  row.updated_at = state.nowIso();
  return json({ key_hash: row.token, spend: row.spend, previous_spend: previous, max_budget: row.max_budget, budget_reset_at: row.budget_reset_at });
}

const KEY_SORTS = ["spend", "max_budget", "created_at", "updated_at", "token", "key_alias"] as const;

/** Postgres order: NULLs sort as larger than any value (first in DESC, last in ASC). */
export function compareNullable(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  return (a as number | string) < (b as number | string) ? -1 : 1;
}

function listKeys(ctx: RouteContext): Reply {
  const state = ctx.state;
  const q = new QueryReader(ctx.query);
  const page = q.int("page", { ge: 1 }) ?? 1;
  const size = q.int("size", { ge: 1, le: 100 }) ?? 10;
  const full = q.bool("return_full_object") ?? false;
  q.bool("include_team_keys");
  const status = q.literal("status", ["deleted"] as const);
  q.done();
  const sortBy = ctx.query.get("sort_by");
  const sortOrder = (ctx.query.get("sort_order") ?? "desc").toLowerCase();
  if (sortBy !== null && !(KEY_SORTS as readonly string[]).includes(sortBy)) {
    throw proxyException(400, `Invalid sort column: ${sortBy}. Must be one of ${pyRepr(KEY_SORTS)}`, "internal_server_error", "None");
  }
  if (sortOrder !== "asc" && sortOrder !== "desc") {
    throw proxyException(400, `Invalid sort order: ${sortOrder}. Must be 'asc' or 'desc'`, "internal_server_error", "None");
  }
  const filters: Array<[keyof KeyRow, string | null]> = [
    ["user_id", ctx.query.get("user_id")],
    ["team_id", ctx.query.get("team_id")],
    ["organization_id", ctx.query.get("organization_id")],
    ["key_alias", ctx.query.get("key_alias")],
  ];
  const keyHash = ctx.query.get("key_hash");
  const source: KeyRow[] = status === "deleted" ? state.deletedKeys : [...state.keys.values()];
  const rows = source.filter(
    (r) => r.team_id !== UI_SESSION_TEAM && filters.every(([f, v]) => v === null || r[f] === v) && (keyHash === null || r.token === toTokenHash(keyHash)),
  );
  const dir = sortOrder === "asc" ? 1 : -1;
  const by = (sortBy ?? "created_at") as keyof KeyRow;
  rows.sort((a, b) => dir * compareNullable(a[by], b[by]) || (sortBy ? 0 : -compareNullable(a.token, b.token)));
  const pageRows = rows.slice((page - 1) * size, page * size);
  const keys = full
    ? pageRows.map((r) => {
        const team = r.team_id ? state.teams.get(r.team_id) : undefined;
        return structuredClone({
          ...r,
          litellm_budget_table: state.budgetOf(r) ?? null,
          team_alias: team?.team_alias ?? null,
          team_spend: team?.spend ?? null,
          team_max_budget: team?.max_budget ?? null,
          team_models: team?.models ?? [],
          team_tpm_limit: team?.tpm_limit ?? null,
          team_rpm_limit: team?.rpm_limit ?? null,
          team_blocked: team?.blocked ?? false,
          team_metadata: team?.metadata ?? null,
          user_role: null,
          user_email: null,
        });
      })
    : pageRows.map((r) => r.token);
  return json({ keys, total_count: rows.length, current_page: page, total_pages: Math.ceil(rows.length / size) });
}

export const keyRoutes: Route[] = [
  { method: "POST", path: "/key/generate", access: "admin", handler: generateKey },
  { method: "POST", path: "/key/update", access: "admin", handler: updateKey },
  { method: "POST", path: "/key/delete", access: "admin", handler: deleteKey },
  { method: "GET", path: "/key/info", access: "self", handler: keyInfoRoute },
  { method: "POST", path: "/key/block", access: "admin", handler: blockRoute(true) },
  { method: "POST", path: "/key/unblock", access: "admin", handler: blockRoute(false) },
  { method: "GET", path: "/key/list", access: "admin", handler: listKeys },
  { method: "POST", path: "/key/regenerate", access: "admin", handler: regenerate },
  { method: "POST", path: /^\/key\/(?<key>[^/]+)\/regenerate$/, access: "admin", handler: regenerate },
  { method: "POST", path: /^\/key\/(?<key>[^/]+)\/reset_spend$/, access: "admin", handler: resetSpend },
];

