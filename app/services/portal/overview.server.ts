import { z } from "zod";
import { findTeamById, keysOfTeam, modelGroupsOfTeams } from "../../../db/queries/teams.ts";
import type { Actor } from "~/auth/actor";
import type { PortalSession } from "~/auth/portal-session.server";
import { decryptSecret } from "~/lib/crypto.server";
import { db } from "~/lib/db.server";
import { env } from "~/lib/env.server";
import { AppError } from "~/lib/errors";
import { maskKey } from "~/lib/logger.server";
import { parseInput } from "~/lib/validation";
import { listTeamAlerts, type BudgetAlert } from "../alerts.server.ts";
import { getTeamBudget, type TeamBudget } from "../budget.server.ts";
import { teamState, type TeamState } from "../team-list.server.ts";
import { getRecentRequests, getTeamDailyUsage, getTeamUsage, type TeamUsage } from "../usage/index.server.ts";

/**
 * What a signed-in customer sees (docs/portal.md#what-the-customer-sees), for the session's team
 * only: the team id always comes from the session, never from the request.
 */

const DAY_MS = 86_400_000;

/** Until the usage, budget and alert reads take a CustomerActor, they read as a viewer confined (here) to the session's team. */
function reader(session: PortalSession): Actor {
  return { userId: `portal:${session.teamId}`, name: "Customer portal", email: null, role: "viewer", via: "web" };
}

export const portalWindowSchema = z.object({
  from: z.string().trim().optional(),
  to: z.string().trim().optional(),
});

export type PortalOverview = {
  team: { name: string; rpm_limit: number | null; tpm_limit: number | null; budget_mode: "hard" | "soft" };
  /** The admin pages' team state, from the budget (the sync with LiteLLM is the provider's matter, not shown here). */
  state: TeamState;
  signed_in_with: PortalSession["method"];
  session_expires_at: string;
  budget: TeamBudget;
  usage: Omit<TeamUsage, "team_id" | "organization_id">;
  /** Spend and requests per UTC day (all models summed). */
  days: Array<{ day: string; spend: number; requests: number; failed_requests: number; total_tokens: number }>;
  models_used: Array<{ model: string; cost: number; requests: number; failed_requests: number; total_tokens: number; avg_latency_ms: number | null }>;
  recent: Array<{ request_id: string; start_time: string; model: string | null; status: string; total_tokens: number; spend: number; latency_ms: number | null; end_user: string | null }>;
  model_groups: Array<{ name: string; models: string[] }>;
  models: string[];
  alerts: BudgetAlert[];
  /** `curl` sends `$LITELLM_KEY`, set by `export_key`; `key_masked` (the admin pages' format) is only shown beside it. */
  api: { endpoint: string; key_masked: string | null; export_key: string; curl: string | null };
  /** A refused window (bad from/to): the default window is shown instead. */
  window_error: string | null;
};

async function activeTeam(session: PortalSession) {
  const team = await findTeamById(db(), session.teamId);
  if (!team || team.status !== "active") throw new AppError("UNAUTHORIZED", "Your portal session has ended. Sign in again.");
  return team;
}

/** The team's live key, masked as on the admin pages (`sk-ab…wxyz`). */
async function maskedLiveKey(teamId: string): Promise<string | null> {
  const live = (await keysOfTeam(db(), teamId)).find((k) => k.status === "live");
  if (!live) return null;
  try {
    return maskKey(decryptSecret(live.keyEncrypted));
  } catch {
    return "sk-…";
  }
}

/** Quoted, so the line runs as pasted; the customer puts their key in its place. */
export const EXPORT_KEY_LINE = `export LITELLM_KEY="<your virtual key>"`;

/** A command that works once LITELLM_KEY is set: never the masked key. */
export function curlExample(endpoint: string, model: string): string {
  return [
    EXPORT_KEY_LINE,
    `curl ${endpoint.replace(/\/+$/, "")}/chat/completions \\`,
    `  -H "Authorization: Bearer $LITELLM_KEY" \\`,
    `  -H "Content-Type: application/json" \\`,
    `  -d '{"model": "${model}", "messages": [{"role": "user", "content": "Hello!"}]}'`,
  ].join("\n");
}

/** Everything the portal page shows, for the session's team only. `window` is the optional ?from=&to=. */
export async function getPortalOverview(session: PortalSession, window: unknown = {}, now = new Date()): Promise<PortalOverview> {
  const actor = reader(session);
  const team = await activeTeam(session);
  const parsed = portalWindowSchema.safeParse(window ?? {});
  let range = parsed.success ? { from: parsed.data.from || undefined, to: parsed.data.to || undefined } : {};
  let windowError: string | null = null;
  // The budget does not depend on the window: read it alongside the usage.
  const budgetNow = getTeamBudget(team.id, now);
  budgetNow.catch(() => undefined);
  let usage: TeamUsage;
  try {
    usage = await getTeamUsage(actor, { team_id: team.id, ...range }, now);
  } catch (error) {
    if (!(error instanceof AppError) || error.code !== "BAD_REQUEST") throw error;
    windowError = error.userMessage;
    range = {};
    usage = await getTeamUsage(actor, { team_id: team.id }, now);
  }
  const [budget, daily, recent, groups, alerts, keyMasked] = await Promise.all([
    budgetNow,
    getTeamDailyUsage(actor, { team_id: team.id, from: usage.from, to: usage.to }, now),
    getRecentRequests(actor, { team_id: team.id, limit: 50 }),
    modelGroupsOfTeams(db(), [team.id]),
    listTeamAlerts(actor, { team_id: team.id }),
    maskedLiveKey(team.id),
  ]);
  const byDay = new Map<string, PortalOverview["days"][number]>();
  for (const row of daily.days) {
    const day = byDay.get(row.day) ?? { day: row.day, spend: 0, requests: 0, failed_requests: 0, total_tokens: 0 };
    day.spend = Math.round((day.spend + row.spend) * 1e10) / 1e10;
    day.requests += row.requests;
    day.failed_requests += row.failed_requests;
    day.total_tokens += row.total_tokens;
    byDay.set(row.day, day);
  }
  // Every day of the window, with 0 for days without usage (so gaps show in the chart).
  const lastDay = new Date(new Date(usage.to).getTime() - 1).toISOString().slice(0, 10);
  for (let t = Date.parse(`${usage.from.slice(0, 10)}T00:00:00Z`), n = 0; n < 400; t += DAY_MS, n++) {
    const day = new Date(t).toISOString().slice(0, 10);
    if (day > lastDay) break;
    if (!byDay.has(day)) byDay.set(day, { day, spend: 0, requests: 0, failed_requests: 0, total_tokens: 0 });
  }
  const models = [...new Set(groups.flatMap((g) => g.models))].sort();
  const endpoint = env().LITELLM_PROXY_URL;
  const { team_id: _t, organization_id: _o, ...usageView } = usage;
  return {
    team: { name: team.name, rpm_limit: team.rpmLimit, tpm_limit: team.tpmLimit, budget_mode: team.budgetMode },
    state: teamState({ status: team.status, budget_mode: team.budgetMode, max_budget: team.maxBudget }, budget, { state: "in_sync" }),
    signed_in_with: session.method,
    session_expires_at: session.expiresAt,
    budget,
    usage: usageView,
    days: [...byDay.values()].sort((a, b) => a.day.localeCompare(b.day)),
    models_used: Object.entries(usage.models_used)
      .map(([model, m]) => ({ model: model || "(unknown)", cost: m.cost, requests: m.requests, failed_requests: m.failed_requests, total_tokens: m.total_tokens, avg_latency_ms: m.avg_latency_ms }))
      .sort((a, b) => b.cost - a.cost || b.requests - a.requests),
    recent: recent.requests.map((r) => ({
      request_id: r.request_id,
      start_time: r.start_time,
      model: r.model_group ?? r.model,
      status: r.status,
      total_tokens: r.total_tokens,
      spend: r.spend,
      latency_ms: r.latency_ms,
      end_user: r.end_user,
    })),
    model_groups: groups.map((g) => ({ name: g.name, models: g.models })),
    models,
    alerts: alerts.alerts.slice(0, 20),
    api: { endpoint, key_masked: keyMasked, export_key: EXPORT_KEY_LINE, curl: keyMasked ? curlExample(endpoint, models[0] ?? "gpt-3.5-turbo") : null },
    window_error: windowError,
  };
}

export const portalCsvSchema = z.object({
  table: z.enum(["days", "models", "requests"], { errorMap: () => ({ message: "table must be days, models or requests" }) }),
  from: z.string().trim().optional(),
  to: z.string().trim().optional(),
});

/** A portal table as CSV rows (header first), for the session's team only. */
export async function portalUsageTable(session: PortalSession, input: unknown, now = new Date()): Promise<{ table: "days" | "models" | "requests"; teamName: string; header: string[]; rows: Array<Array<string | number | null>> }> {
  const values = parseInput(portalCsvSchema, input);
  const actor = reader(session);
  const team = await activeTeam(session);
  const range = { from: values.from || undefined, to: values.to || undefined };
  if (values.table === "requests") {
    const recent = await getRecentRequests(actor, { team_id: team.id, limit: 500 });
    return {
      table: values.table,
      teamName: team.name,
      header: ["start_time", "request_id", "model", "status", "prompt_tokens", "completion_tokens", "total_tokens", "spend_usd", "latency_ms", "end_user"],
      rows: recent.requests.map((r) => [r.start_time, r.request_id, r.model_group ?? r.model, r.status, r.prompt_tokens, r.completion_tokens, r.total_tokens, r.spend, r.latency_ms, r.end_user]),
    };
  }
  if (values.table === "days") {
    const daily = await getTeamDailyUsage(actor, { team_id: team.id, ...range }, now);
    return {
      table: values.table,
      teamName: team.name,
      header: ["day", "model", "spend_usd", "requests", "failed_requests", "prompt_tokens", "completion_tokens", "total_tokens", "avg_latency_ms"],
      rows: daily.days.map((d) => [d.day, d.model_group, d.spend, d.requests, d.failed_requests, d.prompt_tokens, d.completion_tokens, d.total_tokens, d.avg_latency_ms]),
    };
  }
  const usage = await getTeamUsage(actor, { team_id: team.id, ...range }, now);
  return {
    table: values.table,
    teamName: team.name,
    header: ["model", "spend_usd", "requests", "failed_requests", "error_rate", "prompt_tokens", "completion_tokens", "total_tokens", "avg_latency_ms"],
    rows: Object.entries(usage.models_used).map(([model, m]) => [model, m.cost, m.requests, m.failed_requests, m.error_rate, m.prompt_tokens, m.completion_tokens, m.total_tokens, m.avg_latency_ms]),
  };
}
