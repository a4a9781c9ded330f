import { z } from "zod";
import { keysOfTeam, listTeams, type TeamKeyRow } from "../../../db/queries/teams.ts";
import { dailyUsage, recentUsageRequests, sumUsage, usageGroupedBy } from "../../../db/queries/usage.ts";
import { decryptSecret } from "~/lib/crypto.server";
import { db } from "~/lib/db.server";
import { maskKey } from "~/lib/logger.server";
import { money, moneyNumber } from "~/lib/money";
import { parseInput } from "~/lib/validation";
import type { Actor } from "~/auth/actor";
import { getTeamBudget, getTeamBudgets } from "../budget.server.ts";
import { encodeCursor, keyOf, requireCursor } from "./cursor.ts";
import { accOf, audienceOf, metricsOf, priced, summarize, type Audience } from "./figures.ts";
import { ingestedUntil, requireOrganization, requireTeam } from "./read.server.ts";
import { checkedWindow, instantField, parseInstant, startOfUtcMonth } from "./window.ts";

/**
 * Usage as customers and admins read it: per team and per organization, by model group, day, key
 * and end user, and the latest requests. Totals come from the hourly and daily rollups (raw rows
 * only for the minutes at either end of a window, and for by-key, by-end-user and recent), which
 * ingestion keeps equal to the raw rows. Money is exact: numeric sums, sent as JSON numbers with up
 * to 10 decimals. Everyone signed in may read (viewers included). docs/usage.md.
 */

// ── input ───────────────────────────────────────────────────────────────────────────────────────

const teamId = z.string({ required_error: "Say which team (team_id)" }).trim().min(1, "Say which team (team_id)");
const windowFields = { from: instantField("from"), to: instantField("to") };

export const teamUsageInputSchema = z.object({ team_id: teamId, ...windowFields });
export const organizationUsageInputSchema = z.object({
  organization_id: z.string({ required_error: "Say which organization (organization_id)" }).trim().min(1, "Say which organization (organization_id)"),
  ...windowFields,
});
export const teamUsageGroupsInputSchema = z.object({
  team_id: teamId,
  ...windowFields,
  limit: z.coerce.number({ invalid_type_error: "limit must be a whole number" }).int("limit must be a whole number").min(1).max(1000, "limit must be at most 1000").default(100),
});
export const recentRequestsInputSchema = z.object({
  team_id: teamId,
  limit: z.coerce.number({ invalid_type_error: "limit must be a whole number" }).int("limit must be a whole number").min(1).max(500, "limit must be at most 500").default(50),
  /** Rows that started before this time (to page back by time). */
  before: instantField("from"),
  /** The `next_cursor` of the page before: the rows after its last one, none skipped or repeated. */
  cursor: z.string({ invalid_type_error: "cursor must be the next_cursor of an earlier page" }).trim().min(1).optional(),
});

// ── output ──────────────────────────────────────────────────────────────────────────────────────

/**
 * Beside every cost (`spend`, `cost`, `total_spend`): what the customer is billed (`billed`,
 * `total_billed`), and for admins only the margin (billed − cost) and margin_percent (of billed, 2
 * decimals, null when nothing was billed). A customer reads the billed amount under the cost's own
 * name and gets no margin fields (figures.ts `priced`).
 */
const billedField = z.number().describe("What the customer is billed (equal to the cost without a price list)");
const marginFields = {
  margin: z.number().optional().describe("Admins only: billed − cost"),
  margin_percent: z.number().nullable().optional().describe("Admins only: margin ÷ billed × 100, 2 decimals; null when nothing was billed"),
};

const metrics = {
  requests: z.number(),
  failed_requests: z.number(),
  /** failed_requests / requests (0 when there were none). */
  error_rate: z.number(),
  prompt_tokens: z.number(),
  completion_tokens: z.number(),
  total_tokens: z.number(),
  /** Mean request duration in ms (rounded), null without requests. */
  avg_latency_ms: z.number().nullable(),
};

/** The seed's `{requests, cost}` per model group, and more. */
export const modelUsageSchema = z.object({ cost: z.number(), billed: billedField, ...marginFields, ...metrics });

const usageTotalsSchema = {
  total_spend: z.number(),
  total_billed: billedField,
  ...marginFields,
  /** From the budget module: allowance left this period plus credits. */
  remaining_budget: z.number().nullable(),
  request_count: z.number(),
  models_used: z.record(modelUsageSchema),
  failed_requests: z.number(),
  error_rate: z.number(),
  prompt_tokens: z.number(),
  completion_tokens: z.number(),
  total_tokens: z.number(),
  avg_latency_ms: z.number().nullable(),
  /** The window read: [from, to). */
  from: z.string(),
  to: z.string(),
  /** Ingestion has read LiteLLM's spend logs up to here (LiteLLM may still add rows from the last few minutes). */
  ingested_until: z.string().nullable(),
};

export const teamUsageSchema = z.object({
  team_id: z.string(),
  name: z.string(),
  organization_id: z.string(),
  ...usageTotalsSchema,
  /** The team's current budget period (the default window). */
  period: z.object({ start: z.string(), end: z.string().nullable() }),
});
export type TeamUsage = z.infer<typeof teamUsageSchema>;

export const organizationUsageSchema = z.object({
  organization_id: z.string(),
  name: z.string(),
  ...usageTotalsSchema,
  teams: z.array(
    z.object({
      team_id: z.string(),
      name: z.string(),
      status: z.enum(["active", "suspended", "deleted"]),
      total_spend: z.number(),
      total_billed: billedField,
      ...marginFields,
      request_count: z.number(),
      remaining_budget: z.number().nullable(),
    }),
  ),
});
export type OrganizationUsage = z.infer<typeof organizationUsageSchema>;

export const teamDailyUsageSchema = z.object({
  team_id: z.string(),
  /** UTC days, inclusive. */
  from_day: z.string(),
  to_day: z.string(),
  days: z.array(z.object({ day: z.string(), model_group: z.string(), spend: z.number(), billed: billedField, ...marginFields, ...metrics })),
});

const keyUsage = z.object({
  key_hash: z.string(),
  /** The key as admins see it (`sk-ab…wxyz`), when it is one of this team's keys. */
  key_masked: z.string().nullable(),
  key_status: z.enum(["pending", "live", "retiring", "revoked"]).nullable(),
  spend: z.number(),
  billed: billedField,
  ...marginFields,
  ...metrics,
  last_request_at: z.string(),
});
export const teamUsageByKeySchema = z.object({ team_id: z.string(), from: z.string(), to: z.string(), keys: z.array(keyUsage) });

const endUserUsage = z.object({ end_user: z.string().nullable(), spend: z.number(), billed: billedField, ...marginFields, ...metrics, last_request_at: z.string() });
export const teamUsageByEndUserSchema = z.object({ team_id: z.string(), from: z.string(), to: z.string(), end_users: z.array(endUserUsage) });

export const recentRequestsSchema = z.object({
  team_id: z.string(),
  requests: z.array(
    z.object({
      request_id: z.string(),
      start_time: z.string(),
      end_time: z.string().nullable(),
      model_group: z.string().nullable(),
      model: z.string().nullable(),
      status: z.string(),
      prompt_tokens: z.number(),
      completion_tokens: z.number(),
      total_tokens: z.number(),
      spend: z.number(),
      billed: billedField,
      ...marginFields,
      latency_ms: z.number().nullable(),
      end_user: z.string().nullable(),
      key_hash: z.string(),
      key_masked: z.string().nullable(),
    }),
  ),
  next_cursor: z.string().nullable().describe("Pass as cursor for the next (older) page; null on the last page"),
});

// ── helpers ─────────────────────────────────────────────────────────────────────────────────────

/** [from, to) from the API's input (already checked by its schema), defaulting to `fallbackFrom` and now; no cap on its length. */
const usageWindow = (input: { from?: string; to?: string }, fallbackFrom: Date, now: Date) => checkedWindow(input, fallbackFrom, now, null);

/** hash → the key as admins see it, for the team's keys (current and old). */
async function keyLabels(id: string): Promise<Map<string, { masked: string | null; status: TeamKeyRow["status"] }>> {
  const keys = await keysOfTeam(db(), id);
  const labels = new Map<string, { masked: string | null; status: TeamKeyRow["status"] }>();
  for (const key of keys) {
    let masked: string | null = null;
    try {
      masked = maskKey(decryptSecret(key.keyEncrypted));
    } catch {
      // APP_SECRET changed: the hash still identifies the key.
    }
    labels.set(key.keyHash, { masked, status: key.status });
  }
  return labels;
}

/** A row's `spend` and `billed` (exact text) as `priced` shows them to the audience. */
const pricedRow = (audience: Audience, r: { spend: string; billed: string }) => priced(audience, money(r.spend), money(r.billed), "spend");

// ── operations ──────────────────────────────────────────────────────────────────────────────────

/**
 * The seed's `GET /api/teams/{team_id}/usage`: spend, requests and usage by model group, by default
 * over the team's current budget period, with what is left of its budget.
 */
export async function getTeamUsage(actor: Actor, input: z.input<typeof teamUsageInputSchema>, now = new Date()): Promise<TeamUsage> {
  const values = parseInput(teamUsageInputSchema, input);
  // The reads are independent but for the default window's start (the budget period's): run them at
  // once, and sum the usage only after the budget when the window needs its period.
  const explicit = values.from ? usageWindow(values, now, now) : null;
  const sum = (window: { from: Date; to: Date }) => sumUsage(db(), { teamIds: [values.team_id], ...window });
  const [team, budget, until, early] = await Promise.all([
    requireTeam(actor, values.team_id),
    getTeamBudget(values.team_id, now),
    ingestedUntil(),
    explicit ? sum(explicit) : null,
  ]);
  const { from, to } = explicit ?? usageWindow(values, new Date(budget.period.start), now);
  const rows = early ?? (await sum({ from, to }));
  return {
    team_id: team.id,
    name: team.name,
    organization_id: team.organizationId,
    ...summarize(rows, audienceOf(actor)),
    remaining_budget: budget.remaining_budget, // remaining_budget: from the budget module
    from: from.toISOString(),
    to: to.toISOString(),
    ingested_until: until.until,
    period: { start: budget.period.start, end: budget.period.end },
  };
}

/**
 * The seed's `GET /api/organizations/{organization_id}/usage`: the same totals over every team of
 * the organization (deleted teams included while they have usage in the window), and per team.
 * The default window is the current UTC calendar month (teams' budget periods differ).
 */
export async function getOrganizationUsage(actor: Actor, input: z.input<typeof organizationUsageInputSchema>, now = new Date()): Promise<OrganizationUsage> {
  const values = parseInput(organizationUsageInputSchema, input);
  const org = await requireOrganization(actor, values.organization_id);
  const { from, to } = usageWindow(values, startOfUtcMonth(now), now);
  const teams = (await listTeams(db(), { organizationId: org.id, includeDeleted: true })).map((r) => r.team);
  const [rows, until, budgets] = await Promise.all([
    sumUsage(db(), { teamIds: teams.map((t) => t.id), from, to }),
    ingestedUntil(),
    // One read for every live team's budget (deleted teams have none).
    getTeamBudgets(
      teams.filter((t) => t.status !== "deleted").map((t) => t.id),
      now,
    ),
  ]);
  const audience = audienceOf(actor);
  const perTeam = teams
    .map((team) => {
      const { total_spend, total_billed, margin, margin_percent, request_count } = summarize(
        rows.filter((r) => r.teamId === team.id),
        audience,
      );
      return {
        team_id: team.id,
        name: team.name,
        status: team.status,
        total_spend,
        total_billed,
        ...(audience === "admin" ? { margin, margin_percent } : {}),
        request_count,
        remaining_budget: (team.status === "deleted" ? null : budgets.get(team.id)?.remaining_budget) ?? null,
      };
    })
    .filter((t) => t.status !== "deleted" || t.request_count > 0);
  const known = teams.filter((t) => t.status !== "deleted").flatMap((t) => budgets.get(t.id) ?? []);
  return {
    organization_id: org.id,
    name: org.name,
    ...summarize(rows, audience),
    remaining_budget: known.length ? moneyNumber(known.reduce((sum, b) => sum + money(b.remaining_budget), 0n)) : null,
    from: from.toISOString(),
    to: to.toISOString(),
    ingested_until: until.until,
    teams: perTeam,
  };
}

/** The team's usage by UTC day and model group (from the daily rollup). */
export async function getTeamDailyUsage(actor: Actor, input: z.input<typeof teamUsageInputSchema>, now = new Date()): Promise<z.infer<typeof teamDailyUsageSchema>> {
  const values = parseInput(teamUsageInputSchema, input);
  const team = await requireTeam(actor, values.team_id);
  const budget = values.from ? null : await getTeamBudget(team.id, now);
  const { from, to } = usageWindow(values, budget ? new Date(budget.period.start) : now, now);
  const fromDay = from.toISOString().slice(0, 10);
  const toDay = new Date(to.getTime() - 1).toISOString().slice(0, 10);
  const rows = await dailyUsage(db(), { teamId: team.id, fromDay, toDay });
  return {
    team_id: team.id,
    from_day: fromDay,
    to_day: toDay,
    days: rows.map((r) => ({ day: r.day, model_group: r.modelGroup, ...pricedRow(audienceOf(actor), r), ...metricsOf(accOf(r)) })),
  };
}

async function groupedWindow(actor: Actor, input: z.input<typeof teamUsageGroupsInputSchema>, now: Date) {
  const values = parseInput(teamUsageGroupsInputSchema, input);
  const team = await requireTeam(actor, values.team_id);
  const budget = values.from ? null : await getTeamBudget(team.id, now);
  return { team, limit: values.limit, ...usageWindow(values, budget ? new Date(budget.period.start) : now, now) };
}

/** The team's usage by virtual key (current and rotated keys, shown masked), biggest spend first. */
export async function getTeamUsageByKey(actor: Actor, input: z.input<typeof teamUsageGroupsInputSchema>, now = new Date()): Promise<z.infer<typeof teamUsageByKeySchema>> {
  const { team, from, to, limit } = await groupedWindow(actor, input, now);
  const [rows, labels] = await Promise.all([usageGroupedBy(db(), { teamId: team.id, from, to, by: "key_hash", limit }), keyLabels(team.id)]);
  return {
    team_id: team.id,
    from: from.toISOString(),
    to: to.toISOString(),
    keys: rows.map((r) => ({
      key_hash: r.group ?? "",
      key_masked: labels.get(r.group ?? "")?.masked ?? null,
      key_status: labels.get(r.group ?? "")?.status ?? null,
      ...pricedRow(audienceOf(actor), r),
      ...metricsOf(accOf(r)),
      last_request_at: r.lastRequestAt.toISOString(),
    })),
  };
}

/** The team's usage by end user (the `user` its application sends to LiteLLM; null when it sends none). */
export async function getTeamUsageByEndUser(actor: Actor, input: z.input<typeof teamUsageGroupsInputSchema>, now = new Date()): Promise<z.infer<typeof teamUsageByEndUserSchema>> {
  const { team, from, to, limit } = await groupedWindow(actor, input, now);
  const rows = await usageGroupedBy(db(), { teamId: team.id, from, to, by: "end_user", limit });
  return {
    team_id: team.id,
    from: from.toISOString(),
    to: to.toISOString(),
    end_users: rows.map((r) => ({ end_user: r.group, ...pricedRow(audienceOf(actor), r), ...metricsOf(accOf(r)), last_request_at: r.lastRequestAt.toISOString() })),
  };
}

/** The team's latest requests, newest first. */
export async function getRecentRequests(actor: Actor, input: z.input<typeof recentRequestsInputSchema>): Promise<z.infer<typeof recentRequestsSchema>> {
  const values = parseInput(recentRequestsInputSchema, input);
  const team = await requireTeam(actor, values.team_id);
  const [rows, labels] = await Promise.all([
    recentUsageRequests(db(), {
      teamId: team.id,
      limit: values.limit,
      before: values.before ? parseInstant(values.before, "from")! : undefined,
      olderThan: values.cursor ? requireCursor(values.cursor, "cursor") : undefined,
    }),
    keyLabels(team.id),
  ]);
  return {
    team_id: team.id,
    requests: rows.map((r) => ({
      request_id: r.requestId,
      start_time: r.startTime.toISOString(),
      end_time: r.endTime?.toISOString() ?? null,
      model_group: r.modelGroup,
      model: r.model,
      status: r.status,
      prompt_tokens: r.promptTokens,
      completion_tokens: r.completionTokens,
      total_tokens: r.totalTokens,
      ...pricedRow(audienceOf(actor), r),
      latency_ms: r.latencyMs,
      end_user: r.endUser,
      key_hash: r.keyHash,
      key_masked: labels.get(r.keyHash)?.masked ?? null,
    })),
    next_cursor: rows.length === values.limit ? encodeCursor(keyOf(rows.at(-1)!)) : null,
  };
}
