import { Link } from "@remix-run/react";
import type { TeamRowView } from "~/services/usage/index.server";
import type { Column } from "./data-table";
import { formatCount, formatPercent, formatUsd } from "./format";
import { TeamStateBadge, TeamStatusBadge } from "./team-badges";
import { formatMargin, formatMs, formatRate } from "./usage-panels";

/**
 * The columns a table of teams' usage can show (the organization page and the Usage page), and how
 * each sorts. A page lists the ids it wants, in order: `teamUsageColumns(["name", "spend", …])`.
 */
const COLUMNS = {
  // The organization page has its Teams card link each team once, so its name is plain text.
  name: { id: "name", header: "Team", rowHeader: true, sortable: true, cell: (t) => <span className="break-words">{t.name}</span> },
  team: {
    id: "name",
    header: "Team",
    rowHeader: true,
    sortable: true,
    cell: (t) => (
      <Link to={`/admin/teams/${t.team_id}`} className="break-words text-indigo-700 underline">
        {t.name}
      </Link>
    ),
  },
  organization: {
    id: "organization",
    header: "Organization",
    sortable: true,
    cell: (t) => (
      <Link to={`/admin/organizations/${t.organization_id}`} className="break-words underline decoration-slate-300 hover:text-indigo-700">
        {t.organization_name}
      </Link>
    ),
  },
  spend: { id: "spend", header: "Spend", numeric: true, sortable: true, cell: (t) => formatUsd(t.spend) },
  cost: { id: "spend", header: "Cost", numeric: true, sortable: true, cell: (t) => formatUsd(t.spend) },
  billed: { id: "billed", header: "Billed", numeric: true, sortable: true, cell: (t) => formatUsd(t.billed) },
  margin: { id: "margin", header: "Margin", numeric: true, sortable: true, cell: (t) => formatMargin(t.margin, t.margin_percent) },
  requests: { id: "requests", header: "Requests", numeric: true, sortable: true, cell: (t) => formatCount(t.requests) },
  error_rate: { id: "error_rate", header: "Error rate", numeric: true, sortable: true, cell: (t) => formatRate(t.error_rate) },
  latency: { id: "latency", header: "Mean latency", numeric: true, sortable: true, cell: (t) => formatMs(t.avg_latency_ms) },
  remaining: { id: "remaining", header: "Remaining now", numeric: true, sortable: true, cell: (t) => formatUsd(t.remaining_budget) },
  used: { id: "used", header: "Budget used", numeric: true, sortable: true, cell: (t) => formatPercent(t.budget_used_percent) },
  state: { id: "state", header: "State", sortable: true, cell: (t) => (t.state ? <TeamStateBadge state={t.state} /> : <TeamStatusBadge status={t.status} />) },
  status: { id: "status", header: "Status", sortable: true, cell: (t) => <TeamStatusBadge status={t.status} /> },
} satisfies Record<string, Column<TeamRowView>>;

export type TeamUsageColumn = keyof typeof COLUMNS;

/** How each column sorts (by its id). */
export const TEAM_USAGE_SORT = {
  name: (t: TeamRowView) => t.name,
  organization: (t: TeamRowView) => t.organization_name,
  spend: (t: TeamRowView) => t.spend,
  billed: (t: TeamRowView) => t.billed,
  margin: (t: TeamRowView) => t.margin ?? null,
  requests: (t: TeamRowView) => t.requests,
  error_rate: (t: TeamRowView) => t.error_rate,
  latency: (t: TeamRowView) => t.avg_latency_ms,
  remaining: (t: TeamRowView) => t.remaining_budget,
  used: (t: TeamRowView) => t.budget_used_percent,
  state: (t: TeamRowView) => t.state,
  status: (t: TeamRowView) => t.status,
};

export function teamUsageColumns(ids: TeamUsageColumn[]): Column<TeamRowView>[] {
  return ids.map((id) => COLUMNS[id]);
}
