import { Link, useSearchParams } from "@remix-run/react";
import type { TeamListRow, TeamSort } from "~/services/team-list.server";
import type { Team } from "~/services/teams.server";
import { BudgetUsedGauge } from "./budget-card";
import { formatCount, formatTime, formatUsd } from "./format";
import { SyncBadge, TeamStateBadge, TeamStatusBadge } from "./team-badges";
import { Chip, cx } from "./ui";

type Row = Pick<
  Team,
  "team_id" | "name" | "organization_id" | "organization_name" | "model_groups" | "max_budget" | "budget_duration" | "budget_mode" | "rpm_limit" | "tpm_limit" | "status" | "sync" | "provisioning"
>;

export function formatLimits(rpm: number | null, tpm: number | null) {
  if (rpm == null && tpm == null) return "none";
  return [rpm != null ? `${formatCount(rpm)} RPM` : null, tpm != null ? `${formatCount(tpm)} TPM` : null].filter(Boolean).join(" · ");
}

/** Teams as a table: the full list (all columns) or, inside an organization's page, a compact one. */
export function TeamsTable({ teams, caption, compact = false }: { teams: Row[]; caption: string; compact?: boolean }) {
  const th = "py-2 pr-4 font-medium";
  return (
    <div className="overflow-x-auto">
      <table className="min-w-full text-left text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead className="text-slate-600">
          <tr>
            <th scope="col" className={th}>Name</th>
            {compact ? null : <th scope="col" className={th}>Organization</th>}
            <th scope="col" className={th}>Model groups</th>
            <th scope="col" className={`${th} text-right`}>Budget</th>
            {compact ? null : <th scope="col" className={th}>Mode</th>}
            {compact ? null : <th scope="col" className={th}>Limits</th>}
            <th scope="col" className={th}>Status</th>
            <th scope="col" className="py-2 font-medium">LiteLLM sync</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {teams.map((t) => (
            <tr key={t.team_id} className="align-top">
              <th scope="row" className="min-w-40 py-2 pr-4 font-medium">
                <Link to={`/admin/teams/${t.team_id}`} className="text-indigo-700 underline">
                  {t.name}
                </Link>
              </th>
              {compact ? null : (
                <td className="min-w-36 py-2 pr-4">
                  <Link to={`/admin/organizations/${t.organization_id}`} className="underline decoration-slate-300 hover:text-indigo-700">
                    {t.organization_name}
                  </Link>
                </td>
              )}
              <td className="py-2 pr-4">
                <ul className="flex flex-wrap gap-1">
                  {t.model_groups.map((g) => (
                    <li key={g}>
                      <Chip>{g}</Chip>
                    </li>
                  ))}
                </ul>
              </td>
              <td className="py-2 pr-4 text-right whitespace-nowrap tabular-nums">
                {formatUsd(t.max_budget)}
                {t.max_budget != null && t.budget_duration ? ` / ${t.budget_duration}` : ""}
              </td>
              {compact ? null : <td className="py-2 pr-4">{t.budget_mode}</td>}
              {compact ? null : <td className="py-2 pr-4 whitespace-nowrap tabular-nums">{formatLimits(t.rpm_limit, t.tpm_limit)}</td>}
              <td className="py-2 pr-4">
                <TeamStatusBadge status={t.status} />
              </td>
              <td className="min-w-48 py-2">
                <SyncBadge sync={t.sync} provisioning={t.provisioning} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

type ListRow = TeamListRow;

const SORT_LABEL: Record<TeamSort, string> = {
  name: "Name",
  organization: "Organization",
  mode: "Mode",
  spend: "Spend this period",
  used: "Budget used",
  remaining: "Remaining",
  state: "State",
  last_request: "Last request",
};

/**
 * The Teams page's table. Fits 1,280 px without sideways scroll; under md (375 px phones) only name,
 * budget used and state show. Every header sorts (click again to reverse), through the URL.
 * Test hooks: table data-testid="teams-list"; each row data-testid="team-row" data-team-id; cells
 * data-testid="team-name" | "team-organization" | "team-mode" | "team-spend" | "budget-used" |
 * "team-remaining" | "team-state" | "team-last-request"; headers data-testid="sort-<column>".
 */
export function TeamListTable({ rows, sort, dir }: { rows: ListRow[]; sort: TeamSort; dir: "asc" | "desc" }) {
  const [params] = useSearchParams();
  const hrefFor = (column: TeamSort) => {
    const next = new URLSearchParams(params);
    next.set("sort", column);
    next.set("dir", column === sort && dir === "asc" ? "desc" : "asc");
    next.delete("page");
    return `?${next.toString()}`;
  };
  const header = (column: TeamSort, className: string, align: "left" | "right" = "left") => (
    <th scope="col" className={cx("py-2 pr-3 font-medium", align === "right" && "text-right", className)} aria-sort={column === sort ? (dir === "asc" ? "ascending" : "descending") : undefined}>
      <Link to={hrefFor(column)} data-testid={`sort-${column}`} className="inline-flex items-center gap-1 hover:text-indigo-700" preventScrollReset>
        {SORT_LABEL[column]}
        <span aria-hidden className="text-slate-400">
          {column === sort ? (dir === "asc" ? "▲" : "▼") : ""}
        </span>
      </Link>
    </th>
  );
  const md = "hidden md:table-cell";
  const lg = "hidden lg:table-cell";
  return (
    <table className="w-full text-left text-sm" data-testid="teams-list">
      <caption className="sr-only">Teams, sorted by {SORT_LABEL[sort].toLowerCase()} ({dir === "asc" ? "ascending" : "descending"})</caption>
      <thead className="text-slate-600">
        <tr>
          {header("name", "")}
          {header("organization", md)}
          {header("mode", lg)}
          {header("spend", md, "right")}
          {header("used", "")}
          {header("remaining", md, "right")}
          {header("state", "")}
          {header("last_request", lg)}
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {rows.map((t) => (
          <tr key={t.team_id} className="align-top" data-testid="team-row" data-team-id={t.team_id}>
            <th scope="row" className="py-2 pr-3 font-medium [overflow-wrap:anywhere]">
              <Link to={`/admin/teams/${t.team_id}`} className="text-indigo-700 underline" data-testid="team-name">
                {t.name}
              </Link>
            </th>
            <td className={cx("py-2 pr-3 break-words", md)} data-testid="team-organization">
              <Link to={`/admin/organizations/${t.organization_id}`} className="underline decoration-slate-300 hover:text-indigo-700">
                {t.organization_name}
              </Link>
            </td>
            <td className={cx("py-2 pr-3", lg)} data-testid="team-mode">
              {t.budget_mode}
            </td>
            <td className={cx("py-2 pr-3 text-right whitespace-nowrap tabular-nums", md)} data-testid="team-spend">
              {formatUsd(t.spent_this_period)}
            </td>
            <td className="py-2 pr-3">
              <BudgetUsedGauge
                percent={t.percent_used}
                state={t.budget_state}
                title={t.budget_limit === null ? undefined : `${formatUsd(t.spent_this_period)} of ${formatUsd(t.budget_limit)} this period`}
              />
            </td>
            <td className={cx("py-2 pr-3 text-right whitespace-nowrap tabular-nums", md)} data-testid="team-remaining">
              {t.remaining_budget === null ? <span className="text-slate-500">No budget</span> : formatUsd(t.remaining_budget)}
            </td>
            <td className="py-2 pr-3">
              <TeamStateBadge state={t.state} reason={t.state_reason} />
            </td>
            <td className={cx("py-2 text-xs text-slate-700", lg)} data-testid="team-last-request">
              {t.last_request_at ? <time dateTime={t.last_request_at}>{formatTime(t.last_request_at)}</time> : <span className="text-slate-500">Never</span>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
