import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { requireAdmin } from "~/auth/request.server";
import { DataTable, readTableState, sortAndPage, type Column } from "~/components/data-table";
import { DateRange, rangeFromSearch } from "~/components/date-range";
import { formatCount, formatUsd } from "~/components/format";
import { AdminRouteError } from "~/components/route-error";
import { TeamStateBadge } from "~/components/team-badges";
import { Card, EmptyState, PageHeader } from "~/components/ui";
import { csvHref, formatMs, formatRate, IngestionNote, ModelsCard, SpendByDayCard, UsageStats } from "~/components/usage-panels";
import { throwAsResponse } from "~/lib/forms.server";
import { getUsageDashboard, type TeamRowView } from "~/services/usage/index.server";

export const meta: MetaFunction = () => [{ title: "Usage · SaaS LiteLLM" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { actor, headers } = await requireAdmin(request);
  const range = rangeFromSearch(new URL(request.url).searchParams);
  const dashboard = await getUsageDashboard(actor, range).catch(throwAsResponse);
  return json({ dashboard, range }, { headers });
}

const columns: Column<TeamRowView>[] = [
  {
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
  {
    id: "organization",
    header: "Organization",
    sortable: true,
    cell: (t) => (
      <Link to={`/admin/organizations/${t.organization_id}`} className="break-words underline decoration-slate-300 hover:text-indigo-700">
        {t.organization_name}
      </Link>
    ),
  },
  { id: "spend", header: "Spend", numeric: true, sortable: true, cell: (t) => formatUsd(t.spend) },
  { id: "requests", header: "Requests", numeric: true, sortable: true, cell: (t) => formatCount(t.requests) },
  { id: "error_rate", header: "Error rate", numeric: true, sortable: true, cell: (t) => formatRate(t.error_rate) },
  { id: "latency", header: "Mean latency", numeric: true, sortable: true, cell: (t) => formatMs(t.avg_latency_ms) },
  { id: "status", header: "State", sortable: true, cell: (t) => <TeamStateBadge state={t.state} /> },
];
const sorters = {
  name: (t: TeamRowView) => t.name,
  organization: (t: TeamRowView) => t.organization_name,
  spend: (t: TeamRowView) => t.spend,
  requests: (t: TeamRowView) => t.requests,
  error_rate: (t: TeamRowView) => t.error_rate,
  latency: (t: TeamRowView) => t.avg_latency_ms,
  status: (t: TeamRowView) => t.state,
};

export default function UsagePage() {
  const { dashboard, range } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  const base = "/admin/usage.csv";
  const state = readTableState(params, "team-", { sortable: Object.keys(sorters), defaultSort: "spend", pageSize: 25 });
  const page = sortAndPage(dashboard.teams, state, sorters);
  return (
    <>
      <PageHeader title="Usage" description="Spend and requests over every team, by day, model and team." />
      <div className="space-y-4">
        <DateRange from={dashboard.window.from_day} to={dashboard.window.to_day} today={dashboard.today} selected={range} periodLabel="This month" error={dashboard.window.error} />
        {dashboard.teams.length === 0 ? (
          <EmptyState title="No usage yet">Usage appears here once teams make requests through LiteLLM and the worker pulls them in.</EmptyState>
        ) : (
          <>
            <UsageStats totals={dashboard.totals} label="Usage of every team in this range" />
            <IngestionNote ingestion={dashboard.ingestion} />
            <SpendByDayCard days={dashboard.days} csv={csvHref(base, "days", range)} />
            <ModelsCard models={dashboard.models} csv={csvHref(base, "models", range)} />
            <Card title="Spend by team">
              <DataTable
                caption="Spend by team in this range"
                columns={columns}
                rows={page.rows}
                rowKey={(t) => t.team_id}
                state={{ ...state, page: page.page }}
                prefix="team-"
                total={page.total}
                csvHref={csvHref(base, "teams", range)}
                empty="No teams yet."
              />
            </Card>
          </>
        )}
      </div>
    </>
  );
}

export function ErrorBoundary() {
  return <AdminRouteError backTo="/admin/usage" backLabel="Back to usage" />;
}
