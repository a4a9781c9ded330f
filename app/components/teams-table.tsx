import { Link } from "@remix-run/react";
import type { Team } from "~/services/teams.server";
import { formatCount, formatUsd } from "./format";
import { SyncBadge, TeamStatusBadge } from "./team-badges";
import { Chip } from "./ui";

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
