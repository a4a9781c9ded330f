/**
 * /chat/completions and /v1/chat/completions (CONTRACT §2): the request-time checks in their
 * documented order, then a deterministic OpenAI-shaped completion (or SSE stream) whose cost is
 * queued for the next batch write (CONTRACT §3).
 *
 * Usage: prompt_tokens = ceil(characters of all message text / 4), at least 1; completion_tokens =
 * `max_completion_tokens` ?? `max_tokens` ?? 16 (at least 1), or ceil(length / 4) of a string
 * `mock_response`. A `mock_response` of "litellm.<ErrorClass>" makes the model call fail: the
 * caller gets that provider error and a `status: "failure"` spend-log row with spend 0 is written.
 */
import { randomUUID } from "node:crypto";
import { expiryCheck, type Route, type RouteContext } from "./auth.ts";
import { proxyException, ReplyError, type Reply } from "./errors.ts";
import { pyFloat, pyRepr } from "./python.ts";
import type { LimitDescriptor } from "./rate-limiter.ts";
import { StoredLog } from "./spend-log-store.ts";
import { LITELLM_VERSION, MASTER_KEY_ALIAS, MASTER_USER_ID, type DoubleState } from "./state.ts";
import type { KeyRow, TeamRow } from "./types.ts";

export const DEFAULT_COMPLETION_TOKENS = 16;
const WORDS = "This is a deterministic reply from the LiteLLM double, sent instead of a real model answer.".split(" ");

/** Provider errors a `mock_response` can ask for, with their HTTP status. */
const MOCK_ERRORS: Record<string, number> = {
  BadRequestError: 400,
  ContextWindowExceededError: 400,
  AuthenticationError: 401,
  PermissionDeniedError: 403,
  NotFoundError: 404,
  Timeout: 408,
  RateLimitError: 429,
  InternalServerError: 500,
  APIConnectionError: 500,
  ServiceUnavailableError: 503,
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((part) => (isObject(part) && typeof part.text === "string" ? part.text : "")).join("");
  return "";
}

export function countPromptTokens(messages: unknown): number {
  const chars = Array.isArray(messages) ? messages.reduce((n: number, m) => n + (isObject(m) ? textOf(m.content).length : 0), 0) : 0;
  return Math.max(1, Math.ceil(chars / 4));
}

function completionText(tokens: number): string {
  return Array.from({ length: tokens }, (_, i) => WORDS[i % WORDS.length]).join(" ");
}

function budgetError(state: DoubleState, message: string): ReplyError {
  return proxyException(state.compat === "current" ? 429 : 400, message, "budget_exceeded", null);
}

function accessError(state: DoubleState, type: "key_model_access_denied" | "team_model_access_denied", message: string): ReplyError {
  return proxyException(state.compat === "current" ? 403 : 401, message, type, "model");
}

const ALL_MODELS = ["all-proxy-models", "*"];

export function keyAllowsModel(key: KeyRow, model: string): boolean {
  return !key.models.length || key.models.includes(model) || key.models.includes("all-team-models") || key.models.some((m) => ALL_MODELS.includes(m));
}

export function teamAllowsModel(team: TeamRow, model: string): boolean {
  return !team.models.length || team.models.includes(model) || team.models.some((m) => ALL_MODELS.includes(m));
}

/** Steps 3–9 of CONTRACT §2 for a virtual key (1–2 ran in authenticate). */
function checkKey(state: DoubleState, key: KeyRow, rawKey: string, team: TeamRow | undefined, model: string | null): void {
  if (model !== null && !keyAllowsModel(key, model)) {
    throw accessError(state, "key_model_access_denied", `key not allowed to access model. This key can only access models=${pyRepr(key.models)}. Tried to access ${model}`);
  }
  expiryCheck(state, key, rawKey);
  const budget = state.budgetOf(key);
  const maxBudget = key.max_budget ?? budget?.max_budget ?? null;
  if (maxBudget !== null && key.spend >= maxBudget) {
    throw budgetError(state, `Budget has been exceeded! Current cost: ${pyFloat(key.spend)}, Max budget: ${pyFloat(maxBudget)}`);
  }
  const softBudget = budget?.soft_budget ?? null;
  if (softBudget !== null && key.spend >= softBudget && !key.soft_budget_cooldown) {
    key.soft_budget_cooldown = true;
    state.alerts.push({ kind: "key", id: key.token, spend: key.spend, softBudget, at: state.nowIso() });
  }
  const perModel = model !== null ? key.model_max_budget[model] : undefined;
  const limit = isObject(perModel) && typeof perModel.budget_limit === "number" ? perModel.budget_limit : null;
  if (model !== null && limit !== null && (key.model_spend[model] ?? 0) >= limit) {
    throw budgetError(state, `LiteLLM Virtual Key: ${key.token}, key_alias: ${key.key_alias ?? "None"}, exceeded budget for model=${model}`);
  }
  if (!team) return;
  if (state.teamBlockedAtRequest(team)) {
    throw proxyException(401, `Authentication Error, Team=${team.team_id} is blocked. Update via \`/team/unblock\` if you're an admin.`, "auth_error", "None");
  }
  if (model !== null && !teamAllowsModel(team, model)) {
    throw accessError(state, "team_model_access_denied", `team not allowed to access model. This team can only access models=${pyRepr(team.models)}. Tried to access ${model}`);
  }
  if (team.max_budget !== null && team.spend > team.max_budget) {
    throw budgetError(state, `Budget has been exceeded! Team=${team.team_id} Current cost: ${pyFloat(team.spend)}, Max budget: ${pyFloat(team.max_budget)}`);
  }
  if (team.soft_budget !== null && team.spend >= team.soft_budget && !state.teamSoftBudgetAlerted.has(team.team_id)) {
    state.teamSoftBudgetAlerted.add(team.team_id);
    state.alerts.push({ kind: "team", id: team.team_id, spend: team.spend, softBudget: team.soft_budget, at: state.nowIso() });
  }
}

function limitDescriptors(state: DoubleState, key: KeyRow, team: TeamRow | undefined, model: string | null): LimitDescriptor[] {
  const budget = state.budgetOf(key);
  const out: LimitDescriptor[] = [
    { descriptor: "api_key", value: key.token, rpm: key.rpm_limit ?? budget?.rpm_limit ?? null, tpm: key.tpm_limit ?? budget?.tpm_limit ?? null, parallel: key.max_parallel_requests },
  ];
  const modelRpm = isObject(key.metadata.model_rpm_limit) && model ? key.metadata.model_rpm_limit[model] : undefined;
  const modelTpm = isObject(key.metadata.model_tpm_limit) && model ? key.metadata.model_tpm_limit[model] : undefined;
  if (typeof modelRpm === "number" || typeof modelTpm === "number") {
    out.push({
      descriptor: "model_per_key",
      value: `${key.token}:${model}`,
      rpm: typeof modelRpm === "number" ? modelRpm : null,
      tpm: typeof modelTpm === "number" ? modelTpm : null,
      parallel: null,
    });
  }
  if (team) out.push({ descriptor: "team", value: team.team_id, rpm: team.rpm_limit, tpm: team.tpm_limit, parallel: team.max_parallel_requests });
  return out;
}

type Usage = { prompt_tokens: number; completion_tokens: number; total_tokens: number };

async function chatCompletions(ctx: RouteContext): Promise<Reply> {
  const state = ctx.state;
  const started = performance.now();
  const startMs = state.clock.ms();
  const body = isObject(ctx.body) ? ctx.body : {};
  const modelName = typeof body.model === "string" ? body.model : null;
  const caller = ctx.caller;
  const key = caller.kind === "key" ? caller.key : undefined;
  const team = key?.team_id ? state.teams.get(key.team_id) : undefined;
  if (caller.kind === "key") checkKey(state, caller.key, caller.rawKey, team, modelName);
  const release = key ? state.limiter.acquire(limitDescriptors(state, key, team, modelName), startMs) : () => {};

  const model = modelName ? state.model(modelName) : undefined;
  if (!model) {
    release(0);
    throw proxyException(
      400,
      pyRepr({ error: `${ctx.path}: Invalid model name passed in model=${modelName ?? "None"}. Call \`/v1/models\` to view available models for your key.` }),
      "None",
      "None",
    );
  }

  const requestId = `chatcmpl-${randomUUID()}`;
  const metadataIn = isObject(body.metadata) ? body.metadata : {};
  const tags = [metadataIn.tags, body.tags].find((t) => Array.isArray(t)) as unknown[] | undefined;
  const endUser = typeof body.user === "string" ? body.user : null;
  const sessionHeader = ctx.headers["x-litellm-session-id"];
  const sessionId = (typeof sessionHeader === "string" && sessionHeader) || (typeof body.litellm_session_id === "string" ? body.litellm_session_id : randomUUID());
  const apiKey = key ? key.token : state.compat === "current" ? MASTER_KEY_ALIAS : state.masterKeyHash;
  const mock = typeof body.mock_response === "string" ? body.mock_response : null;
  const failure = mock?.startsWith("litellm.") ? mock.slice("litellm.".length) : null;

  const baseMetadata = {
    user_api_key: apiKey,
    user_api_key_alias: key?.key_alias ?? null,
    user_api_key_team_id: key?.team_id ?? null,
    user_api_key_team_alias: team?.team_alias ?? null,
    user_api_key_user_id: key ? key.user_id : MASTER_USER_ID,
    user_api_key_org_id: key?.organization_id ?? null,
    user_api_key_end_user_id: endUser,
    spend_logs_metadata: isObject(metadataIn.spend_logs_metadata) ? metadataIn.spend_logs_metadata : null,
  };
  const log = (usage: Usage, spend: number, status: "success" | "failure", extraMetadata: Record<string, unknown>) => {
    const endMs = startMs + Math.max(1, Math.round(performance.now() - started));
    const stored = new StoredLog(
      requestId,
      startMs,
      endMs,
      endMs,
      apiKey,
      key?.team_id ?? null,
      key ? key.user_id : MASTER_USER_ID,
      endUser,
      model.providerModel,
      model.name,
      model.id,
      model.provider,
      spend,
      usage.prompt_tokens,
      usage.completion_tokens,
      status,
      { ...baseMetadata, status, ...extraMetadata },
      (tags ?? []).filter((t): t is string => typeof t === "string"),
      sessionId,
      null,
    );
    state.record(stored, key?.token ?? null);
  };

  if (failure !== null) {
    const status = MOCK_ERRORS[failure] ?? 500;
    const message = `litellm.${failure}: ${failure}: ${model.provider}Exception - mock_response failure from the LiteLLM double`;
    log({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }, 0, "failure", {
      error_information: { error_code: String(status), error_class: failure, llm_provider: model.provider, traceback: "", error_message: message },
    });
    release(0);
    throw proxyException(status, message, "None", "None");
  }

  const prompt = countPromptTokens(body.messages);
  const maxTokens = [body.max_completion_tokens, body.max_tokens].find((v) => typeof v === "number");
  const completion = mock !== null ? Math.max(1, Math.ceil(mock.length / 4)) : Math.max(1, Math.floor((maxTokens as number | undefined) ?? DEFAULT_COMPLETION_TOKENS));
  const content = mock ?? completionText(completion);
  const usage: Usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  const cost = prompt * model.inputCostPerToken + completion * model.outputCostPerToken;
  log(usage, cost, "success", { error_information: null, usage_object: usage });

  const created = Math.floor(startMs / 1000);
  const headers = {
    "x-litellm-call-id": randomUUID(),
    "x-litellm-model-id": model.id,
    "x-litellm-model-group": model.name,
    "x-litellm-response-cost": String(cost),
    "x-litellm-key-spend": String(key?.spend ?? 0),
    "x-litellm-version": LITELLM_VERSION[state.compat],
  };
  const onDone = () => release(usage.total_tokens);
  if (body.stream === true) {
    const chunk = (delta: Record<string, unknown>, finish: string | null, extra: Record<string, unknown> = {}) =>
      `data: ${JSON.stringify({ id: requestId, created, model: model.providerModel, object: "chat.completion.chunk", system_fingerprint: null, choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`;
    const pieces = content.split(/(?<= )/);
    const events = pieces.map((piece, i) => chunk(i === 0 ? { role: "assistant", content: piece } : { content: piece }, null));
    events.push(chunk({}, "stop", { usage }));
    events.push("data: [DONE]\n\n");
    return { status: 200, events, headers, onDone };
  }
  return {
    status: 200,
    headers,
    onDone,
    body: {
      id: requestId,
      created,
      model: model.providerModel,
      object: "chat.completion",
      system_fingerprint: null,
      choices: [{ finish_reason: "stop", index: 0, message: { content, role: "assistant", tool_calls: null, function_call: null } }],
      usage,
    },
  };
}

export const chatRoutes: Route[] = [
  { method: "POST", path: "/chat/completions", access: "chat", handler: chatCompletions },
  { method: "POST", path: "/v1/chat/completions", access: "chat", handler: chatCompletions },
];

