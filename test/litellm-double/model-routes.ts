/**
 * Models and health (CONTRACT §1 "Models", "Health"): /v1/models, /models, /model/info,
 * /v1/model/info, /health/liveliness, /health/liveness, /health/readiness,
 * /health/readiness/details, /health.
 */
import type { Caller, Route, RouteContext } from "./auth.ts";
import { keyAllowsModel, teamAllowsModel } from "./chat-routes.ts";
import { json, type Reply } from "./errors.ts";
import { LITELLM_VERSION, type DoubleState, type ResolvedModel } from "./state.ts";

/** `DEFAULT_MODEL_CREATED_AT_TIME` */
const MODEL_CREATED_AT = 1677610602;

/** The models a caller may use: all for the master key; otherwise those both its key and its team allow. */
export function visibleModels(state: DoubleState, caller: Caller): ResolvedModel[] {
  if (caller.kind !== "key") return state.models;
  const key = caller.key;
  const team = key.team_id ? state.teams.get(key.team_id) : undefined;
  return state.models.filter((m) => keyAllowsModel(key, m.name) && (!team || teamAllowsModel(team, m.name)));
}

function listModels(ctx: RouteContext): Reply {
  const data = visibleModels(ctx.state, ctx.caller).map((m) => ({ id: m.name, object: "model", created: MODEL_CREATED_AT, owned_by: "openai" }));
  return json({ data, object: "list" });
}

function litellmParams(m: ResolvedModel): Record<string, unknown> {
  return { model: `${m.provider}/${m.providerModel}`, custom_llm_provider: m.provider };
}

function modelInfo(ctx: RouteContext): Reply {
  const wanted = ctx.query.get("litellm_model_id");
  const data = visibleModels(ctx.state, ctx.caller)
    .filter((m) => wanted === null || m.id === wanted)
    .map((m) => ({
      model_name: m.name,
      litellm_params: litellmParams(m),
      model_info: {
        id: m.id,
        db_model: false,
        key: m.providerModel,
        mode: "chat",
        litellm_provider: m.provider,
        input_cost_per_token: m.inputCostPerToken,
        output_cost_per_token: m.outputCostPerToken,
        max_tokens: 4096,
        max_input_tokens: 128000,
        max_output_tokens: 4096,
        supports_function_calling: true,
        supports_vision: false,
      },
    }));
  return json({ data });
}

function liveliness(ctx: RouteContext): Reply {
  return ctx.state.draining ? json({ status: "shutting_down" }, 503) : json("I'm alive!");
}

function readinessDetails(ctx: RouteContext, status: string): Record<string, unknown> {
  return { status, db: "connected", cache: null, litellm_version: LITELLM_VERSION[ctx.state.compat], success_callbacks: [], last_updated: ctx.state.nowIso() };
}

/** Current builds tell the public only `{"status":"healthy"}`; older ones the details, with `status: "connected"` (CONTRACT §1 Health). */
function readiness(ctx: RouteContext): Reply {
  return json(ctx.state.compat === "current" ? { status: "healthy" } : readinessDetails(ctx, "connected"));
}

/** `/health/readiness/details` (current builds only, any live key). */
function readinessDetailsRoute(ctx: RouteContext): Reply {
  if (ctx.state.compat !== "current") return json({ detail: "Not Found" }, 404);
  return json(readinessDetails(ctx, "healthy"));
}

function health(ctx: RouteContext): Reply {
  const healthy = visibleModels(ctx.state, ctx.caller).map(litellmParams);
  return json({ healthy_endpoints: healthy, unhealthy_endpoints: [], healthy_count: healthy.length, unhealthy_count: 0 });
}

export const modelRoutes: Route[] = [
  { method: "GET", path: "/v1/models", access: "llm", handler: listModels },
  { method: "GET", path: "/models", access: "llm", handler: listModels },
  { method: "GET", path: "/model/info", access: "llm", handler: modelInfo },
  { method: "GET", path: "/v1/model/info", access: "llm", handler: modelInfo },
  { method: "GET", path: "/health/liveliness", access: "public", handler: liveliness },
  { method: "GET", path: "/health/liveness", access: "public", handler: liveliness },
  { method: "GET", path: "/health/readiness", access: "public", handler: readiness },
  { method: "GET", path: "/health/readiness/details", access: "llm", handler: readinessDetailsRoute },
  { method: "GET", path: "/health", access: "llm", handler: health },
];
