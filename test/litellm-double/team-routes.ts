/**
 * Teams: /team/new, /team/update, /team/info, /team/delete, /team/block, /team/unblock,
 * /team/model/add, /team/model/delete (CONTRACT §1), and the paged /v2/team/list (LiteLLM's
 * `list_team_v2` in team_endpoints.py). /team/delete, /team/block, /team/unblock,
 * /team/model/* (and /team/update in legacy mode) answer errors as a bare `{"detail": …}`.
 */
import { randomUUID } from "node:crypto";
import { adminOnlyError, type Route, type RouteContext } from "./auth.ts";
import { nextBudgetResetAt } from "./durations.ts";
import { bareDetail, enterpriseOnly, handledException, json, proxyException, validationError, type Reply } from "./errors.ts";
import { callerUserId, compareNullable, deleteKeysOfTeam, newBudgetRow } from "./key-routes.ts";
import { pyRepr } from "./python.ts";
import { MASTER_USER_ID, type DoubleState } from "./state.ts";
import type { BudgetRow, Member, TeamRow } from "./types.ts";
import { QueryReader, readJsonBody, type BodySpec } from "./validate.ts";

const TEAM_FIELDS: BodySpec = {
  team_alias: "str",
  team_id: "str",
  organization_id: "str",
  members_with_roles: "list",
  admins: "list",
  members: "list",
  team_member_permissions: "list",
  max_budget: "float",
  soft_budget: "float",
  budget_duration: "str",
  tpm_limit: "int",
  rpm_limit: "int",
  max_parallel_requests: "int",
  model_rpm_limit: "dict",
  model_tpm_limit: "dict",
  rpm_limit_type: "str",
  tpm_limit_type: "str",
  models: "list",
  blocked: "bool",
  model_aliases: "dict",
  model_max_budget: "dict",
  team_member_budget: "float",
  team_member_budget_duration: "str",
  team_member_rpm_limit: "int",
  team_member_tpm_limit: "int",
  team_member_key_duration: "str",
  metadata: "dict",
  tags: "str_list",
  guardrails: "list",
  object_permission: "dict",
};

/** Stored in `metadata`, not in columns. */
const TEAM_METADATA_FIELDS = ["model_rpm_limit", "model_tpm_limit", "tags", "guardrails"];
const TEAM_MEMBER_FIELDS = ["team_member_budget", "team_member_budget_duration", "team_member_rpm_limit", "team_member_tpm_limit", "team_member_key_duration"];
/** Columns a request may set directly. */
const TEAM_COLUMNS = [
  "team_alias",
  "organization_id",
  "admins",
  "members",
  "team_member_permissions",
  "max_budget",
  "soft_budget",
  "budget_duration",
  "tpm_limit",
  "rpm_limit",
  "max_parallel_requests",
  "models",
  "blocked",
  "model_max_budget",
] as const;

function teamNotFound(teamId: string) {
  return bareDetail(404, { error: `Team not found, passed team_id=${teamId}` });
}

function parseMembers(value: unknown): Member[] {
  if (!Array.isArray(value)) return [];
  return value.map((m, i) => {
    const member = (typeof m === "object" && m !== null ? m : {}) as Record<string, unknown>;
    if (member.role !== "admin" && member.role !== "user") {
      throw validationError([{ type: "literal_error", loc: ["body", "members_with_roles", i, "role"], msg: "Input should be 'admin' or 'user'", input: member.role ?? null }]);
    }
    return { user_id: (member.user_id as string | undefined) ?? null, user_email: (member.user_email as string | undefined) ?? null, role: member.role };
  });
}

function metadataFields(data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of TEAM_METADATA_FIELDS) if (data[f] !== undefined && data[f] !== null) out[f] = data[f];
  return out;
}

/** Per-member defaults become a budget row named in `metadata.team_member_budget_id` (CONTRACT §1 /team/new). */
function memberBudget(state: DoubleState, data: Record<string, unknown>, existingId: unknown, by: string | null): string | null {
  if (!TEAM_MEMBER_FIELDS.some((f) => data[f] !== undefined && data[f] !== null)) return null;
  const now = state.clock.now();
  const fields: Partial<BudgetRow> = {};
  if (data.team_member_budget !== undefined) fields.max_budget = data.team_member_budget as number | null;
  if (data.team_member_rpm_limit !== undefined) fields.rpm_limit = data.team_member_rpm_limit as number | null;
  if (data.team_member_tpm_limit !== undefined) fields.tpm_limit = data.team_member_tpm_limit as number | null;
  if (data.team_member_budget_duration !== undefined) {
    fields.budget_duration = data.team_member_budget_duration as string | null;
    fields.budget_reset_at = fields.budget_duration ? nextBudgetResetAt(fields.budget_duration, now).toISOString() : null;
  }
  const existing = typeof existingId === "string" ? state.budgets.get(existingId) : undefined;
  if (existing) {
    Object.assign(existing, fields, { updated_at: now.toISOString(), updated_by: by ?? MASTER_USER_ID });
    return existing.budget_id;
  }
  return newBudgetRow(state, fields, by).budget_id;
}

function newTeam(ctx: RouteContext): Reply {
  const state = ctx.state;
  const data = readJsonBody(ctx, TEAM_FIELDS);
  if (!state.premium && Array.isArray(data.tags) && data.tags.length) throw enterpriseOnly("Only premium users can add tags to teams.");
  const teamId = (data.team_id as string | null | undefined) ?? randomUUID();
  if (state.teams.has(teamId)) throw handledException(400, { error: `Team id = ${teamId} already exists. Please use a different team id.` });
  const by = callerUserId(ctx);
  const members = parseMembers(data.members_with_roles);
  if (by && !members.some((m) => m.user_id === by)) members.push({ user_id: by, user_email: null, role: "admin" });
  const metadata: Record<string, unknown> = { ...((data.metadata as Record<string, unknown> | null | undefined) ?? {}), ...metadataFields(data) };
  const memberBudgetId = memberBudget(state, data, undefined, by);
  if (memberBudgetId) metadata.team_member_budget_id = memberBudgetId;
  const now = state.clock.now();
  const budgetDuration = (data.budget_duration as string | null | undefined) ?? null;
  const modelAliases = data.model_aliases as Record<string, unknown> | null | undefined;
  const team: TeamRow = {
    team_id: teamId,
    team_alias: (data.team_alias as string | null | undefined) ?? null,
    organization_id: (data.organization_id as string | null | undefined) ?? null,
    admins: (data.admins as string[] | null | undefined) ?? [],
    members: (data.members as string[] | null | undefined) ?? [],
    members_with_roles: members,
    team_member_permissions: (data.team_member_permissions as string[] | null | undefined) ?? [],
    metadata,
    tpm_limit: (data.tpm_limit as number | null | undefined) ?? null,
    rpm_limit: (data.rpm_limit as number | null | undefined) ?? null,
    max_budget: (data.max_budget as number | null | undefined) ?? null,
    soft_budget: (data.soft_budget as number | null | undefined) ?? null,
    budget_duration: budgetDuration,
    budget_reset_at: budgetDuration ? nextBudgetResetAt(budgetDuration, now).toISOString() : null,
    models: (data.models as string[] | null | undefined) ?? [],
    blocked: (data.blocked as boolean | null | undefined) ?? false,
    spend: 0,
    model_spend: {},
    model_max_budget: (data.model_max_budget as Record<string, unknown> | null | undefined) ?? {},
    max_parallel_requests: (data.max_parallel_requests as number | null | undefined) ?? null,
    model_id: null,
    litellm_model_table: modelAliases ? { model_aliases: modelAliases } : null,
    object_permission_id: null,
    created_at: now.toISOString(),
    updated_at: now.toISOString(),
  };
  state.teams.set(teamId, team);
  state.teamCache.delete(teamId);
  return json(structuredClone(team));
}

/**
 * /team/update's errors: current builds wrap the HTTPException through handle_exception_on_proxy
 * (message = the detail's repr, type internal_server_error), older ones answer it bare (CONTRACT §1).
 */
function updateError(state: DoubleState, status: number, detail: Record<string, unknown>) {
  return state.compat === "current" ? handledException(status, detail) : bareDetail(status, detail);
}

function updateTeam(ctx: RouteContext): Reply {
  const state = ctx.state;
  const data = readJsonBody(ctx, TEAM_FIELDS, ["team_id"]);
  const teamId = data.team_id as string;
  const team = state.teams.get(teamId);
  if (!team) throw updateError(state, 404, { error: `Team not found, passed team_id=${teamId}` });
  if (!state.premium && Array.isArray(data.tags) && data.tags.length) throw enterpriseOnly("Only premium users can add tags to teams.");
  const row = team as unknown as Record<string, unknown>;
  for (const column of TEAM_COLUMNS) {
    if (!(column in data)) continue;
    const v = data[column];
    if (column === "organization_id") row[column] = v === "" ? null : (v ?? null);
    else if (["admins", "members", "team_member_permissions", "models"].includes(column)) row[column] = v ?? [];
    else if (column === "model_max_budget") row[column] = v ?? {};
    else if (column === "blocked") row[column] = v ?? false;
    else row[column] = v;
  }
  if ("budget_duration" in data) {
    team.budget_reset_at = data.budget_duration ? nextBudgetResetAt(String(data.budget_duration), state.clock.now()).toISOString() : null;
  }
  const metaFields = metadataFields(data);
  if ("metadata" in data || Object.keys(metaFields).length) {
    const base = "metadata" in data ? ((data.metadata as Record<string, unknown> | null) ?? {}) : team.metadata;
    team.metadata = { ...base, ...metaFields };
  }
  const memberBudgetId = memberBudget(state, data, team.metadata.team_member_budget_id, callerUserId(ctx));
  if (memberBudgetId) team.metadata.team_member_budget_id = memberBudgetId;
  if ("model_aliases" in data) team.litellm_model_table = data.model_aliases ? { model_aliases: data.model_aliases as Record<string, unknown> } : null;
  team.updated_at = state.nowIso();
  // update_team writes the new row to the in-memory team cache: a change of `blocked` bites at once.
  state.cacheTeam(team);
  return json({ team_id: teamId, data: structuredClone(team) });
}

function teamInfo(ctx: RouteContext): Reply {
  const state = ctx.state;
  const teamId = ctx.query.get("team_id");
  if (!teamId) throw proxyException(422, "{'message': 'Malformed request. No team id passed in.'}", "auth_error", "None");
  if (ctx.caller.kind === "key" && ctx.caller.key.team_id !== teamId) throw adminOnlyError(ctx.caller.key, ctx.path);
  const team = state.teams.get(teamId);
  if (!team) throw proxyException(404, pyRepr({ message: `Team not found, passed team id: ${teamId}.` }), "auth_error", "None");
  const budgetId = team.metadata.team_member_budget_id;
  const keys = [...state.keys.values()]
    .filter((k) => k.team_id === teamId && !state.isExpired(k))
    .map(({ token: _token, ...rest }) => rest);
  return json(
    structuredClone({
      team_id: teamId,
      team_info: { ...team, team_member_budget_table: typeof budgetId === "string" ? (state.budgets.get(budgetId) ?? null) : null },
      keys,
      team_memberships: [],
    }),
  );
}

function deleteTeams(ctx: RouteContext): Reply {
  const state = ctx.state;
  const data = readJsonBody(ctx, { team_ids: "str_list" }, ["team_ids"]);
  const ids = data.team_ids as string[];
  for (const id of ids) if (!state.teams.has(id)) throw teamNotFound(id);
  const by = callerUserId(ctx);
  for (const id of ids) {
    const team = state.teams.get(id);
    if (!team) continue;
    deleteKeysOfTeam(state, id, by);
    state.teams.delete(id);
    state.teamCache.delete(id);
    state.deletedTeams.push({ ...structuredClone(team), deleted_at: state.nowIso() });
  }
  return json({ deleted_teams: ids });
}

function blockTeam(blocked: boolean) {
  return (ctx: RouteContext): Reply => {
    const state = ctx.state;
    const data = readJsonBody(ctx, { team_id: "str" }, ["team_id"]);
    const team = state.teams.get(data.team_id as string);
    if (!team) throw teamNotFound(data.team_id as string);
    // The row changes, the in-memory team cache does not: requests see it once their cached read expires (CONTRACT §1).
    team.blocked = blocked;
    team.updated_at = state.nowIso();
    return json(structuredClone(team));
  };
}

function teamModels(add: boolean) {
  return (ctx: RouteContext): Reply => {
    const state = ctx.state;
    const data = readJsonBody(ctx, { team_id: "str", models: "str_list" }, ["team_id", "models"]);
    const team = state.teams.get(data.team_id as string);
    if (!team) throw teamNotFound(data.team_id as string);
    const models = data.models as string[];
    if (add) team.models = [...new Set([...(team.models.length ? team.models : ["all-proxy-models"]), ...models])];
    else team.models = team.models.filter((m) => !models.includes(m));
    team.updated_at = state.nowIso();
    return json(structuredClone(team));
  };
}

const TEAM_SORTS = ["team_id", "team_alias", "created_at"] as const;

/**
 * GET /v2/team/list as LiteLLM's `list_team_v2` answers it: offset pages of team rows (no keys),
 * `page_size` 1..100 (422 above), newest first unless `sort_by` names a column it allows (any other
 * `sort_by` is ignored, a bad `sort_order` becomes asc), `{teams, total, page, page_size, total_pages}`.
 */
function listTeamsV2(ctx: RouteContext): Reply {
  const state = ctx.state;
  const q = new QueryReader(ctx.query);
  const page = q.int("page", { ge: 1 }) ?? 1;
  const pageSize = q.int("page_size", { ge: 1, le: 100 }) ?? 10;
  q.done();
  const teamId = ctx.query.get("team_id");
  const alias = ctx.query.get("team_alias")?.toLowerCase();
  const organizationId = ctx.query.get("organization_id");
  const sortBy = ctx.query.get("sort_by");
  let sortOrder = (ctx.query.get("sort_order") ?? "asc").toLowerCase();
  if (sortOrder !== "asc" && sortOrder !== "desc") sortOrder = "asc";
  const rows = [...state.teams.values()].filter(
    (t) =>
      (!teamId || t.team_id === teamId) &&
      (!alias || (t.team_alias ?? "").toLowerCase().includes(alias)) &&
      (!organizationId || t.organization_id === organizationId),
  );
  const [by, dir] = sortBy && (TEAM_SORTS as readonly string[]).includes(sortBy) ? [sortBy as (typeof TEAM_SORTS)[number], sortOrder === "asc" ? 1 : -1] : (["created_at", -1] as const);
  rows.sort((a, b) => dir * compareNullable(a[by], b[by]));
  const teams = rows.slice((page - 1) * pageSize, page * pageSize);
  return json(structuredClone({ teams, total: rows.length, page, page_size: pageSize, total_pages: Math.ceil(rows.length / pageSize) }));
}

export const teamRoutes: Route[] = [
  { method: "POST", path: "/team/new", access: "admin", handler: newTeam },
  { method: "POST", path: "/team/update", access: "admin", handler: updateTeam },
  { method: "GET", path: "/team/info", access: "self", handler: teamInfo },
  { method: "GET", path: "/v2/team/list", access: "admin", handler: listTeamsV2 },
  { method: "POST", path: "/team/delete", access: "admin", handler: deleteTeams },
  { method: "POST", path: "/team/block", access: "admin", handler: blockTeam(true) },
  { method: "POST", path: "/team/unblock", access: "admin", handler: blockTeam(false) },
  { method: "POST", path: "/team/model/add", access: "admin", handler: teamModels(true) },
  { method: "POST", path: "/team/model/delete", access: "admin", handler: teamModels(false) },
];
