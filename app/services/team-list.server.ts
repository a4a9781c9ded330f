import { z } from "zod";
import { lastRequestOfTeams } from "../../db/queries/team-list.ts";
import { listTeams as listTeamRows } from "../../db/queries/teams.ts";
import { db } from "~/lib/db.server";
import { maxMoney, money, moneyNumber, type Money } from "~/lib/money";
import { requireRole, type Actor } from "~/auth/actor";
import { getTeamBudgets, NEAR_BUDGET_PERCENT, type BudgetState, type TeamBudget } from "./budget.server.ts";

export { NEAR_BUDGET_PERCENT };

/**
 * The Teams page's read model: every team with its organization, budget mode, spend this period,
 * budget used, remaining, state and last request; searched, filtered, sorted and paged from the
 * page's URL (bad values fall back to the default and say so in `notes`).
 *
 * Budgets are read in one batch (getTeamBudgets) and last requests in one statement, then the list
 * is filtered and sorted in memory: state and budget used are computed from exact money, not columns.
 */

// ── state ─────────────────────────────────────────────────────────────────────────────────────────

import { TEAM_PAGE_SIZES, TEAM_STATES } from "~/lib/team-list";
export { TEAM_PAGE_SIZES, TEAM_STATES };
export type TeamState = (typeof TEAM_STATES)[number];

/**
 * The limit the period's spend is measured against (allowance + credits available), exact, or null
 * without a budget. spent − overage + remaining is that limit whether or not the team is past it.
 */
export function budgetLimit(budget: Pick<TeamBudget, "spent_this_period" | "overage" | "remaining_budget">, maxBudget: number | string | null): Money | null {
  if (maxBudget === null) return null;
  return maxMoney(0n, money(budget.spent_this_period) - money(budget.overage) + money(budget.remaining_budget));
}

/**
 * The one state a team shows everywhere (the Teams list, the team page, overview, portal), from the
 * budget's own state (budget.server.ts: ok | near | over | blocked, exact money) and the team:
 * suspended by an admin; refused (hard budget used up: LiteLLM refuses its requests); sync failing
 * (LiteLLM does not hold what we decided); over budget (soft team past its budget); near budget
 * (NEAR_BUDGET_PERCENT or more used); otherwise active.
 */
export function teamState(
  team: { status: "active" | "suspended" | "deleted"; budget_mode?: "hard" | "soft"; max_budget?: number | string | null },
  budget: Pick<TeamBudget, "state" | "blocked"> | null,
  sync: { state: "pending" | "in_sync" | "failing" },
): TeamState {
  if (team.status === "suspended" || budget?.blocked?.limit === "suspended") return "suspended";
  if (budget?.state === "blocked") return "refused";
  if (sync.state === "failing") return "sync failing";
  if (budget?.state === "over") return "over budget";
  if (budget?.state === "near") return "near budget";
  return "active";
}

// ── input (URL search params) ─────────────────────────────────────────────────────────────────────

export const TEAM_SORTS = ["name", "organization", "mode", "spend", "used", "remaining", "state", "last_request"] as const;
export type TeamSort = (typeof TEAM_SORTS)[number];

export const teamListSchema = z.object({
  q: z.string().trim().max(200, "Search for at most 200 characters").default(""),
  organization: z.string().trim().max(200).default(""),
  state: z.enum(["", ...TEAM_STATES]).default(""),
  mode: z.enum(["", "hard", "soft"]).default(""),
  sort: z.enum(TEAM_SORTS).default("name"),
  dir: z.enum(["asc", "desc"]).default("asc"),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  per: z.coerce
    .number()
    .int()
    .refine((n) => (TEAM_PAGE_SIZES as readonly number[]).includes(n))
    .default(25),
});
export type TeamListQuery = z.infer<typeof teamListSchema>;

const explain: Record<keyof TeamListQuery, (value: string) => string> = {
  q: () => "The search was too long (at most 200 characters); showing every team.",
  organization: () => "The organization filter was not understood; showing every organization.",
  state: (v) => `There is no state "${v}" (use ${TEAM_STATES.join(", ")}); showing every state.`,
  mode: (v) => `There is no budget mode "${v}" (use hard or soft); showing both.`,
  sort: (v) => `Teams cannot be sorted by "${v}" (use ${TEAM_SORTS.join(", ")}); sorted by name.`,
  dir: (v) => `The sort direction "${v}" is neither asc nor desc; sorted ascending.`,
  page: (v) => `There is no page "${v}"; showing the first page.`,
  per: (v) => `${v} teams per page is not offered (use ${TEAM_PAGE_SIZES.join(", ")}); showing 25.`,
};

/** Reads the list's query from URL search params: each bad value falls back to its default, with a note saying so. */
export function parseTeamListQuery(params: URLSearchParams | Record<string, string | undefined>): { query: TeamListQuery; notes: string[] } {
  const get = (key: string) => (params instanceof URLSearchParams ? (params.get(key) ?? undefined) : params[key]);
  const notes: string[] = [];
  const shape = teamListSchema.shape;
  const query = {} as Record<string, unknown>;
  for (const key of Object.keys(shape) as Array<keyof TeamListQuery>) {
    const raw = get(key);
    const value = raw === "" && key !== "q" && key !== "organization" && key !== "state" && key !== "mode" ? undefined : raw;
    const parsed = shape[key].safeParse(value);
    if (parsed.success) query[key] = parsed.data;
    else {
      notes.push(explain[key](String(raw)));
      query[key] = shape[key].parse(undefined);
    }
  }
  return { query: query as TeamListQuery, notes };
}

/** The tRPC input: the page's URL parameters, each optional, as text or numbers (parsed as above, leniently). */
export const teamListInputSchema = z
  .object({
    q: z.string().optional(),
    organization: z.string().optional(),
    state: z.string().optional(),
    mode: z.string().optional(),
    sort: z.string().optional(),
    dir: z.string().optional(),
    page: z.union([z.string(), z.number()]).optional(),
    per: z.union([z.string(), z.number()]).optional(),
  })
  .default({});

// ── output ────────────────────────────────────────────────────────────────────────────────────────

export const teamListRowSchema = z.object({
  team_id: z.string(),
  name: z.string(),
  organization_id: z.string(),
  organization_name: z.string(),
  budget_mode: z.enum(["hard", "soft"]),
  max_budget: z.number().nullable(),
  budget_duration: z.string().nullable(),
  spent_this_period: z.number(),
  budget_limit: z.number().nullable(),
  percent_used: z.number().nullable(),
  budget_state: z.enum(["ok", "near", "over", "blocked"]),
  remaining_budget: z.number().nullable(),
  resets_at: z.string().nullable(),
  state: z.enum(TEAM_STATES),
  state_reason: z.string(),
  last_request_at: z.string().nullable(),
});

export const teamListOutputSchema = z.object({
  rows: z.array(teamListRowSchema),
  query: z.object({
    q: z.string(),
    organization: z.string(),
    state: z.enum(["", ...TEAM_STATES]),
    mode: z.enum(["", "hard", "soft"]),
    sort: z.enum(TEAM_SORTS),
    dir: z.enum(["asc", "desc"]),
    page: z.number(),
    per: z.number(),
  }),
  notes: z.array(z.string()),
  total: z.number(),
  all: z.number(),
  page: z.number(),
  pages: z.number(),
  organizations: z.array(z.object({ id: z.string(), name: z.string() })),
});

export type TeamListRow = {
  team_id: string;
  name: string;
  organization_id: string;
  organization_name: string;
  budget_mode: "hard" | "soft";
  max_budget: number | null;
  budget_duration: string | null;
  /** USD this period (from exact money; display only: sums stay in bigint on the server). */
  spent_this_period: number;
  /** allowance + credits this period, or null without a budget. */
  budget_limit: number | null;
  percent_used: number | null;
  /** The budget's own state (ok | near | over | blocked): the gauge's colour. */
  budget_state: BudgetState;
  remaining_budget: number | null;
  resets_at: string | null;
  state: TeamState;
  /** Why the state is what it is, in a sentence (the badge's title). */
  state_reason: string;
  last_request_at: string | null;
};

export type TeamList = {
  rows: TeamListRow[];
  query: TeamListQuery;
  notes: string[];
  total: number;
  /** Teams before search and filters (an empty page then says "no teams yet" rather than "no match"). */
  all: number;
  page: number;
  pages: number;
  organizations: Array<{ id: string; name: string }>;
};

function reasonOf(state: TeamState, budget: TeamBudget | undefined, syncError: string | null): string {
  switch (state) {
    case "suspended":
      return "Suspended by an admin: LiteLLM refuses its requests until it is resumed.";
    case "refused":
      return budget?.blocked?.message ?? "Its hard budget is used up: LiteLLM refuses its requests.";
    case "sync failing":
      return `LiteLLM does not hold what was decided for this team${syncError ? `: ${syncError}` : "."}`;
    case "over budget":
      return "Soft budget: past its budget this period; requests still go through.";
    case "near budget":
      return `${NEAR_BUDGET_PERCENT} % or more of this period's budget used.`;
    default:
      return "Requests go through.";
  }
}

const STATE_ORDER: Record<TeamState, number> = { active: 0, "near budget": 1, "over budget": 2, refused: 3, "sync failing": 4, suspended: 5 };

function compare(sort: TeamSort): (a: TeamListRow, b: TeamListRow) => number {
  const text = (x: string, y: string) => x.localeCompare(y, "en", { sensitivity: "base" });
  // Nulls (no budget, no request) sort after every value, in both directions, by flipping below.
  const num = (x: number | null, y: number | null) => (x === y ? 0 : x === null ? 1 : y === null ? -1 : x - y);
  switch (sort) {
    case "organization":
      return (a, b) => text(a.organization_name, b.organization_name);
    case "mode":
      return (a, b) => text(a.budget_mode, b.budget_mode);
    case "spend":
      return (a, b) => num(a.spent_this_period, b.spent_this_period);
    case "used":
      return (a, b) => num(a.percent_used, b.percent_used);
    case "remaining":
      return (a, b) => num(a.remaining_budget, b.remaining_budget);
    case "state":
      return (a, b) => STATE_ORDER[a.state] - STATE_ORDER[b.state];
    case "last_request":
      return (a, b) => num(a.last_request_at ? Date.parse(a.last_request_at) : null, b.last_request_at ? Date.parse(b.last_request_at) : null);
    default:
      return (a, b) => text(a.name, b.name);
  }
}

const nullable = (row: TeamListRow, sort: TeamSort) =>
  (sort === "used" && row.percent_used === null) || (sort === "remaining" && row.remaining_budget === null) || (sort === "last_request" && row.last_request_at === null);

/** The Teams page: readable by every signed-in admin (viewers included). */
export async function listTeamsForPage(actor: Actor, params: URLSearchParams | z.input<typeof teamListInputSchema>, now = new Date()): Promise<TeamList> {
  requireRole(actor, "viewer", "see teams");
  const { query, notes } = parseTeamListQuery(
    params instanceof URLSearchParams ? params : Object.fromEntries(Object.entries(params ?? {}).map(([k, v]) => [k, v === undefined ? undefined : String(v)])),
  );
  const rows = await listTeamRows(db(), {});
  const ids = rows.map((r) => r.team.id);
  const [budgets, lastRequests] = await Promise.all([getTeamBudgets(ids, now), lastRequestOfTeams(db(), ids)]);
  const organizations = [...new Map(rows.map((r) => [r.team.organizationId, r.organizationName])).entries()]
    .map(([id, name]) => ({ id, name }))
    .sort((a, b) => a.name.localeCompare(b.name));
  if (query.organization && !organizations.some((o) => o.id === query.organization)) {
    notes.push(`No organization with teams has the id ${query.organization}; showing every organization.`);
    query.organization = "";
  }

  const all: TeamListRow[] = rows.map(({ team, organizationName }) => {
    const budget = budgets.get(team.id);
    const maxBudget = team.maxBudget === null ? null : Number(team.maxBudget);
    const state = teamState({ status: team.status }, budget ?? null, { state: team.syncState });
    const limit = budget ? budgetLimit(budget, team.maxBudget) : null;
    const last = lastRequests.get(team.id);
    return {
      team_id: team.id,
      name: team.name,
      organization_id: team.organizationId,
      organization_name: organizationName,
      budget_mode: team.budgetMode,
      max_budget: maxBudget,
      budget_duration: team.budgetDuration,
      spent_this_period: budget?.spent_this_period ?? 0,
      budget_limit: limit === null ? null : moneyNumber(limit),
      percent_used: budget?.percent_used ?? null,
      budget_state: budget?.state ?? "ok",
      remaining_budget: maxBudget === null ? null : (budget?.remaining_budget ?? null),
      resets_at: budget?.period.resets_at ?? null,
      state,
      state_reason: reasonOf(state, budget, team.syncError),
      last_request_at: last ? last.toISOString() : null,
    };
  });

  const needle = query.q.toLowerCase();
  const matching = all.filter(
    (r) =>
      (!needle || r.name.toLowerCase().includes(needle) || r.team_id.toLowerCase().includes(needle)) &&
      (!query.organization || r.organization_id === query.organization) &&
      (!query.state || r.state === query.state) &&
      (!query.mode || r.budget_mode === query.mode),
  );
  const by = compare(query.sort);
  const sign = query.dir === "desc" ? -1 : 1;
  const byName = (a: TeamListRow, b: TeamListRow) => a.name.localeCompare(b.name, "en", { sensitivity: "base" }) || a.team_id.localeCompare(b.team_id);
  matching.sort((a, b) => {
    const an = nullable(a, query.sort);
    const bn = nullable(b, query.sort);
    if (an !== bn) return an ? 1 : -1; // "no budget" and "never" last, whichever the direction
    return sign * by(a, b) || byName(a, b); // ties by name, A to Z, whichever the direction
  });

  const pages = Math.max(1, Math.ceil(matching.length / query.per));
  if (query.page > pages) {
    notes.push(`There is no page ${query.page} (${pages} page${pages === 1 ? "" : "s"}); showing the last.`);
    query.page = pages;
  }
  const start = (query.page - 1) * query.per;
  return { rows: matching.slice(start, start + query.per), query, notes, total: matching.length, all: all.length, page: query.page, pages, organizations };
}
