import { z } from "zod";
import { findOrganizationById } from "../../../db/queries/organizations.ts";
import { billedSinceEach } from "../../../db/queries/portal.ts";
import { findTeamById, keysOfTeam, modelGroupsOfTeams } from "../../../db/queries/teams.ts";
import { spendSince } from "../../../db/queries/usage.ts";
import { customerActor, type PortalSession } from "~/auth/portal-session.server";
import { decryptSecret } from "~/lib/crypto.server";
import { db } from "~/lib/db.server";
import { env } from "~/lib/env.server";
import { AppError } from "~/lib/errors";
import { maskKey } from "~/lib/logger.server";
import { money, moneyString } from "~/lib/money";
import { parseInput } from "~/lib/validation";
import { listTeamAlerts, type BudgetAlert } from "../alerts.server.ts";
import type { TeamBudget } from "../budget.server.ts";
import { teamState, type TeamState } from "../team-list.server.ts";
import { exportUsageCsv, getTeamDashboard, type CsvExport, type TeamDashboard } from "../usage/index.server.ts";
import { billingCurrencyOf, convertUsd, type BillingCurrency, type Converted } from "./currency.ts";

/**
 * What a signed-in customer sees (docs/portal.md#what-the-customer-sees): the team page's read
 * model (getTeamDashboard, exportUsageCsv) read as the session's CustomerActor, so the usage,
 * budget and alert services themselves refuse any other team. No input names a team.
 *
 * Money is what the team is billed, never our cost or margin (docs/portal.md#money): the usage
 * services answer a CustomerActor with the billed amounts under their spend names, and the budget
 * is in billed dollars. When the organization bills in another currency, the range's total and the
 * budget period's spend are also given converted, with the rate and its date (./currency.ts).
 */

export const portalWindowSchema = z.object({
  from: z.string().trim().optional(),
  to: z.string().trim().optional(),
  requests_before: z.string().trim().optional(),
  requests_after: z.string().trim().optional(),
});

export type PortalOverview = {
  team: { name: string; rpm_limit: number | null; tpm_limit: number | null; budget_mode: "hard" | "soft" };
  /** The admin pages' team state, from the budget (the sync with LiteLLM is the provider's matter, not shown here). */
  state: TeamState;
  signed_in_with: PortalSession["method"];
  session_expires_at: string;
  budget: TeamBudget;
  /** The range shown (default: the current budget period); `error` says why an asked-for range was not used. */
  window: TeamDashboard["window"];
  today: string;
  totals: TeamDashboard["totals"];
  /** The organization's billing currency (rate and date) when it is not USD; null for USD. */
  currency: BillingCurrency | null;
  /**
   * What the team was billed, exactly (USD decimal text), over the range (`range`, the figure of
   * totals.spend) and in the budget period so far (`period`, budget.spent_this_period), each also
   * converted to the organization's currency (null when it bills in USD).
   */
  billed: { range: BilledFigure; period: BilledFigure };
  /** Every UTC day of the range, summed exactly over all models. */
  days: TeamDashboard["days"];
  models: TeamDashboard["models"];
  /** The range's requests, newest first, one page (by the cursors `requests_before` / `requests_after`). */
  requests: TeamDashboard["requests"];
  /** How far usage has been read (the ingestion's errors are the provider's matter). */
  ingested_until: string | null;
  model_groups: Array<{ name: string; models: string[] }>;
  model_names: string[];
  alerts: BudgetAlert[];
  /** `curl` sends `$LITELLM_KEY`, set by `export_key`; `key_masked` (the admin pages' format) is only shown beside it. */
  api: { endpoint: string; key_masked: string | null; export_key: string; curl: string | null };
};

async function activeTeam(session: PortalSession) {
  const team = await findTeamById(db(), session.teamId);
  if (!team || team.status !== "active") throw new AppError("UNAUTHORIZED", "Your portal session has ended. Sign in again.");
  return team;
}

export type BilledFigure = { usd_exact: string; converted: Converted | null };

function billedFigure(usd: string, currency: BillingCurrency | null): BilledFigure {
  const exact = moneyString(money(usd));
  return { usd_exact: exact, converted: currency ? convertUsd(exact, currency) : null };
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

/** Everything the portal page shows, for the session's team only. `window` is the optional range and requests cursor. */
export async function getPortalOverview(session: PortalSession, window: unknown = {}, now = new Date()): Promise<PortalOverview> {
  const actor = customerActor(session);
  const team = await activeTeam(session);
  const parsed = portalWindowSchema.safeParse(window ?? {});
  const asked = parsed.success ? parsed.data : {};
  const [dashboard, groups, alerts, keyMasked, org] = await Promise.all([
    getTeamDashboard(actor, { team_id: team.id, from: asked.from || undefined, to: asked.to || undefined, requests_before: asked.requests_before, requests_after: asked.requests_after }, now),
    modelGroupsOfTeams(db(), [team.id]),
    listTeamAlerts(actor, { team_id: team.id }),
    maskedLiveKey(team.id),
    findOrganizationById(db(), team.organizationId),
  ]);
  const currency = billingCurrencyOf(org);
  const [range, period] = await Promise.all([
    billedSinceEach(db(), team.id, new Date(dashboard.window.from), new Date(dashboard.window.to)),
    // The budget's own figure: billed since the period started (spent_this_period, exactly).
    spendSince(db(), { teamId: team.id, from: new Date(dashboard.budget.period.start) }),
  ]);
  const between = (b: { sinceFrom: string; sinceTo: string }) => moneyString(money(b.sinceFrom) - money(b.sinceTo));
  const modelNames = [...new Set(groups.flatMap((g) => g.models))].sort();
  const endpoint = env().LITELLM_PROXY_URL;
  return {
    team: { name: team.name, rpm_limit: team.rpmLimit, tpm_limit: team.tpmLimit, budget_mode: team.budgetMode },
    state: teamState({ status: team.status, budget_mode: team.budgetMode, max_budget: team.maxBudget }, dashboard.budget, { state: "in_sync" }),
    signed_in_with: session.method,
    session_expires_at: session.expiresAt,
    budget: dashboard.budget,
    window: dashboard.window,
    today: dashboard.today,
    totals: dashboard.totals,
    currency,
    billed: { range: billedFigure(between(range), currency), period: billedFigure(period, currency) },
    days: dashboard.days,
    models: dashboard.models,
    requests: dashboard.requests,
    ingested_until: dashboard.ingestion.until,
    model_groups: groups.map((g) => ({ name: g.name, models: g.models })),
    model_names: modelNames,
    alerts: alerts.alerts.slice(0, 20),
    api: { endpoint, key_masked: keyMasked, export_key: EXPORT_KEY_LINE, curl: keyMasked ? curlExample(endpoint, modelNames[0] ?? "gpt-3.5-turbo") : null },
  };
}

export const portalCsvSchema = z.object({
  table: z.enum(["days", "models", "requests"], { errorMap: () => ({ message: "table must be days, models or requests" }) }),
  from: z.string().trim().optional(),
  to: z.string().trim().optional(),
});

/** A portal table as CSV over the range the page shows, for the session's team only: the admin team page's export (money exact). */
export async function portalUsageCsv(session: PortalSession, input: z.input<typeof portalCsvSchema>, now = new Date()): Promise<CsvExport> {
  const values = parseInput(portalCsvSchema, input);
  const team = await activeTeam(session);
  return exportUsageCsv(customerActor(session), { scope: "team", id: team.id, table: values.table, from: values.from || undefined, to: values.to || undefined }, now);
}
