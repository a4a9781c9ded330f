import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useLoaderData, useSearchParams } from "@remix-run/react";
import { requireAdmin } from "~/auth/request.server";
import { DataTable, readTableState, sortAndPage } from "~/components/data-table";
import { DateRange, rangeFromSearch } from "~/components/date-range";
import { AdminRouteError } from "~/components/route-error";
import { TEAM_USAGE_SORT, teamUsageColumns } from "~/components/team-usage-columns";
import { Card, EmptyState, PageHeader } from "~/components/ui";
import { csvHref, IngestionNote, ModelsCard, SpendByDayCard, UsageStats } from "~/components/usage-panels";
import { throwAsResponse } from "~/lib/forms.server";
import { getUsageDashboard } from "~/services/usage/index.server";

export const meta: MetaFunction = () => [{ title: "Usage · SaaS LiteLLM" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { actor, headers } = await requireAdmin(request);
  const range = rangeFromSearch(new URL(request.url).searchParams);
  const dashboard = await getUsageDashboard(actor, range).catch(throwAsResponse);
  return json({ dashboard, range }, { headers });
}

const columns = teamUsageColumns(["team", "organization", "cost", "billed", "margin", "requests", "error_rate", "latency", "status"]);

export default function UsagePage() {
  const { dashboard, range } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  const base = "/admin/usage.csv";
  const state = readTableState(params, "team-", { sortable: columns.map((c) => c.id), defaultSort: "spend", pageSize: 25 });
  const page = sortAndPage(dashboard.teams, state, TEAM_USAGE_SORT);
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
