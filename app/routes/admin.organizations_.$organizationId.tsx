import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { requireAdmin } from "~/auth/request.server";
import { DataTable, readTableState, sortAndPage } from "~/components/data-table";
import { DateRange, rangeFromSearch } from "~/components/date-range";
import { formatUsd } from "~/components/format";
import { AdminRouteError } from "~/components/route-error";
import { TEAM_USAGE_SORT, teamUsageColumns } from "~/components/team-usage-columns";
import { TeamsTable } from "~/components/teams-table";
import { Alert, Button, Card, EmptyState, Field, PageHeader, TextAreaField } from "~/components/ui";
import { csvHref, IngestionNote, ModelsCard, RecentRequestsCard, SpendByDayCard, UsageHeading, UsageStats } from "~/components/usage-panels";
import { setFlash } from "~/lib/flash.server";
import { formError, formText, formValues, throwAsResponse } from "~/lib/forms.server";
import { can } from "~/auth/actor";
import { getOrganizationDashboard, REQUESTS_PAGE_SIZE } from "~/services/usage/index.server";
import { getOrganization, updateOrganization } from "~/services/organizations.server";
import { listTeams } from "~/services/teams.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.organization.name ?? "Organization"} · SaaS LiteLLM` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { actor, headers } = await requireAdmin(request);
  const organization_id = params.organizationId!;
  const search = new URL(request.url).searchParams;
  const range = rangeFromSearch(search);
  const [organization, teams, dashboard] = await Promise.all([
    getOrganization(actor, { organization_id }),
    listTeams(actor, { organization_id }),
    getOrganizationDashboard(actor, { organization_id, ...range, requests_before: search.get("req-before") ?? undefined, requests_after: search.get("req-after") ?? undefined }),
  ]).catch(throwAsResponse);
  return json({ organization, teams, dashboard, range, canWrite: can(actor, "admin") }, { headers });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { actor } = await requireAdmin(request);
  const form = await request.formData();
  try {
    const org = await updateOrganization(actor, {
      organization_id: params.organizationId!,
      name: String(form.get("name") ?? ""),
      litellm_organization_id: String(form.get("litellm_organization_id") ?? ""),
      description: formText(form.get("description")),
    });
    return redirect(`/admin/organizations/${org.organization_id}`, {
      headers: { "Set-Cookie": await setFlash({ kind: "success", message: `Organization ${org.name} saved.` }) },
    });
  } catch (error) {
    return formError("update", error, formValues(form));
  }
}

const teamColumns = teamUsageColumns(["name", "cost", "billed", "margin", "requests", "error_rate", "remaining", "used", "state"]);

function OrganizationUsage() {
  const { organization: org, dashboard, range } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  const base = `/admin/organizations/${org.organization_id}/usage.csv`;
  const state = readTableState(params, "team-", { sortable: teamColumns.map((c) => c.id), defaultSort: "spend", pageSize: 25 });
  const page = sortAndPage(dashboard.teams, state, TEAM_USAGE_SORT);
  return (
    <section aria-labelledby="usage-heading" className="space-y-4">
      <UsageHeading window={dashboard.window} defaultLabel="this month" />
      <DateRange from={dashboard.window.from_day} to={dashboard.window.to_day} today={dashboard.today} selected={range} periodLabel="This month" error={dashboard.window.error} />
      <UsageStats totals={dashboard.totals} latency={dashboard.latency} label="Usage of all teams in this range" />
      <p className="text-sm text-slate-700">
        Remaining budget now, over its teams: <strong className="tabular-nums">{formatUsd(dashboard.remaining_budget)}</strong>
      </p>
      <IngestionNote ingestion={dashboard.ingestion} />
      <SpendByDayCard days={dashboard.days} csv={csvHref(base, "days", range)} />
      <ModelsCard models={dashboard.models} csv={csvHref(base, "models", range)} />
      <Card title="Spend by team">
        <DataTable
          caption={`Spend by team of ${org.name}`}
          columns={teamColumns}
          rows={page.rows}
          rowKey={(t) => t.team_id}
          state={{ ...state, page: page.page }}
          prefix="team-"
          total={page.total}
          csvHref={csvHref(base, "teams", range)}
          empty="This organization has no teams."
        />
      </Card>
      <RecentRequestsCard
        requests={dashboard.requests}
        pageSize={REQUESTS_PAGE_SIZE}
        caption="Requests of every team in this range, newest first"
        csv={csvHref(base, "requests", range)}
        withTeam
      />
    </section>
  );
}

export default function OrganizationPage() {
  const { organization: org, teams, canWrite } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const value = (name: "name" | "litellm_organization_id" | "description") => data?.values?.[name]?.[0] ?? org[name] ?? "";
  return (
    <>
      <p className="mb-2 text-sm">
        <Link to="/admin/organizations" className="text-indigo-700 underline">
          ← Organizations
        </Link>
      </p>
      <PageHeader
        title={org.name}
        description={org.description ?? undefined}
        actions={
          <div className="flex flex-wrap items-center gap-3">
            <Link to={`/admin/organizations/${org.organization_id}/pricing`} className="text-sm font-medium text-indigo-700 underline">
              Pricing
            </Link>
            <Link to={`/admin/organizations/${org.organization_id}/statements`} className="text-sm font-medium text-indigo-700 underline">
              Statements
            </Link>
          </div>
        }
      />
      <div className="space-y-6">
        <OrganizationUsage />

        <Card
          title="Teams"
          actions={
            canWrite ? (
              <Link to={`/admin/teams?organization=${encodeURIComponent(org.organization_id)}#create-team`} className="text-sm font-medium text-indigo-700 underline">
                Create a team<span className="sr-only"> in {org.name}</span>
              </Link>
            ) : null
          }
        >
          {teams.length === 0 ? (
            <EmptyState title="No teams yet">This organization has no teams. Each team gets its own virtual key, budget and limits.</EmptyState>
          ) : (
            <TeamsTable teams={teams} caption={`Teams of ${org.name}`} compact />
          )}
        </Card>

        <Card title="Details">
          {canWrite ? (
            <Form method="post" className="grid gap-4 sm:grid-cols-2" aria-label="Edit organization">
              {data?.message ? (
                <div className="sm:col-span-2">
                  <Alert>{data.message}</Alert>
                </div>
              ) : null}
              <Field label="Name" name="name" required defaultValue={value("name")} errors={data?.fieldErrors?.name} />
              <Field
                label="LiteLLM organization id"
                name="litellm_organization_id"
                required
                defaultValue={value("litellm_organization_id")}
                errors={data?.fieldErrors?.litellm_organization_id}
              />
              <div className="sm:col-span-2">
                <TextAreaField label="Description" name="description" defaultValue={value("description")} errors={data?.fieldErrors?.description} />
              </div>
              <div className="sm:col-span-2">
                <Button type="submit" disabled={busy}>Save changes</Button>
              </div>
            </Form>
          ) : (
            <dl className="grid gap-3 text-sm sm:grid-cols-2">
              <div>
                <dt className="text-slate-600">LiteLLM organization id</dt>
                <dd className="font-mono">{org.litellm_organization_id}</dd>
              </div>
              <div>
                <dt className="text-slate-600">Description</dt>
                <dd>{org.description || "—"}</dd>
              </div>
            </dl>
          )}
        </Card>
      </div>
    </>
  );
}

export function ErrorBoundary() {
  return <AdminRouteError backTo="/admin/organizations" backLabel="Back to organizations" />;
}
