import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { requireAdmin } from "~/auth/request.server";
import { AdminRouteError } from "~/components/route-error";
import { TeamListTable } from "~/components/teams-table";
import { TeamLimitsFields } from "~/components/team-form";
import { Alert, Button, Card, EmptyState, Field, PageHeader, SelectField } from "~/components/ui";
import { TEAM_PAGE_SIZES, TEAM_STATES } from "~/lib/team-list";
import { listTeamsForPage } from "~/services/team-list.server";
import { setFlash } from "~/lib/flash.server";
import { formError, formValues, teamFormInput } from "~/lib/forms.server";
import { can } from "~/auth/actor";
import { listModelGroups } from "~/services/model-groups.server";
import { listOrganizations } from "~/services/organizations.server";
import { createTeam } from "~/services/teams.server";

export const meta: MetaFunction = () => [{ title: "Teams · SaaS LiteLLM" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { actor, headers } = await requireAdmin(request);
  const canWrite = can(actor, "admin");
  const url = new URL(request.url);
  const [list, organizations, groups] = await Promise.all([
    listTeamsForPage(actor, url.searchParams),
    canWrite ? listOrganizations(actor) : [],
    canWrite ? listModelGroups(actor) : [],
  ]);
  const preselect = list.query.organization;
  return json(
    {
      list,
      organizations: organizations.map((o) => ({ id: o.organization_id, name: o.name })),
      groups: groups.map((g) => ({ name: g.name, models: g.models })),
      preselect,
      canWrite,
    },
    { headers },
  );
}

export async function action({ request }: ActionFunctionArgs) {
  const { actor } = await requireAdmin(request);
  const form = await request.formData();
  try {
    // teamFormInput stays loose on purpose: the service names a bad field in its own words.
    const team = await createTeam(actor, { ...teamFormInput(form), organization_id: String(form.get("organization_id") ?? "") } as Parameters<typeof createTeam>[1], {
      revealKey: false,
    });
    const message = team.provisioning
      ? `Team ${team.name} created. LiteLLM is being set up; the key appears here when it is ready.`
      : `Team ${team.name} created with its virtual key.`;
    return redirect(`/admin/teams/${team.team_id}`, { headers: { "Set-Cookie": await setFlash({ kind: "success", message }) } });
  } catch (error) {
    return formError("create", error, formValues(form));
  }
}


export default function Teams() {
  const { list, organizations, groups, preselect, canWrite } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const v = (name: string) => data?.values?.[name]?.[0] ?? "";
  const { query } = list;
  const [params] = useSearchParams();
  const pageHref = (page: number) => {
    const next = new URLSearchParams(params);
    next.set("page", String(page));
    return `?${next.toString()}`;
  };
  const filtered = Boolean(query.q || query.organization || query.state || query.mode);
  return (
    <>
      <PageHeader title="Teams" description="Every team's spend this period, budget used and state. LiteLLM enforces budgets and rate limits on every request." />
      <div className="space-y-6">
        {list.all === 0 ? (
          <EmptyState title="No teams yet">
            {canWrite ? "Create one below; it gets a LiteLLM virtual key for the customer's application." : "Teams an admin creates appear here."}
          </EmptyState>
        ) : (
          <Card>
            <Form method="get" role="search" className="mb-4 grid gap-3 sm:grid-cols-2 lg:grid-cols-[2fr_1fr_1fr_1fr_auto]" aria-label="Search and filter teams" data-testid="teams-filters">
              <input type="hidden" name="sort" value={query.sort} />
              <input type="hidden" name="dir" value={query.dir} />
              {query.per !== 25 ? <input type="hidden" name="per" value={query.per} /> : null}
              <Field label="Search" name="q" type="search" placeholder="Team name or id" defaultValue={query.q} />
              <SelectField
                label="Organization"
                name="organization"
                defaultValue={query.organization}
                options={[{ value: "", label: "All organizations" }, ...list.organizations.map((o) => ({ value: o.id, label: o.name }))]}
              />
              <SelectField label="State" name="state" defaultValue={query.state} options={[{ value: "", label: "All states" }, ...TEAM_STATES.map((s) => ({ value: s, label: s }))]} />
              <SelectField
                label="Budget mode"
                name="mode"
                defaultValue={query.mode}
                options={[
                  { value: "", label: "Hard and soft" },
                  { value: "hard", label: "hard" },
                  { value: "soft", label: "soft" },
                ]}
              />
              <div className="flex items-end gap-3">
                <Button type="submit">Apply</Button>
                {filtered ? (
                  <Link to={`?sort=${query.sort}&dir=${query.dir}`} className="pb-2 text-sm text-indigo-700 underline">
                    Clear
                  </Link>
                ) : null}
              </div>
            </Form>
            {list.notes.length ? (
              <div className="mb-4" data-testid="teams-notes">
                <Alert tone="warn">
                  <ul>
                    {list.notes.map((n) => (
                      <li key={n}>{n}</li>
                    ))}
                  </ul>
                </Alert>
              </div>
            ) : null}
            {list.rows.length === 0 ? (
              <p className="py-6 text-center text-sm text-slate-600" data-testid="teams-none">
                No team matches {query.q ? <>&ldquo;{query.q}&rdquo; </> : null}with these filters.{" "}
                <Link to="?" className="text-indigo-700 underline">
                  Show every team
                </Link>
              </p>
            ) : (
              <TeamListTable rows={list.rows} sort={query.sort} dir={query.dir} />
            )}
            <nav className="mt-4 flex flex-wrap items-center justify-between gap-3 text-sm text-slate-700" aria-label="Pages" data-testid="teams-paging">
              <span>
                {list.total} team{list.total === 1 ? "" : "s"}
                {filtered ? ` of ${list.all}` : ""} · page {list.page} of {list.pages}
              </span>
              <span className="flex items-center gap-3">
                <span className="hidden sm:inline">
                  Per page:{" "}
                  {TEAM_PAGE_SIZES.map((n) => {
                    const next = new URLSearchParams(params);
                    next.set("per", String(n));
                    next.delete("page");
                    return n === query.per ? (
                      <strong key={n} className="mx-1">
                        {n}
                      </strong>
                    ) : (
                      <Link key={n} to={`?${next.toString()}`} className="mx-1 text-indigo-700 underline">
                        {n}
                      </Link>
                    );
                  })}
                </span>
                {list.page > 1 ? (
                  <Link to={pageHref(list.page - 1)} className="text-indigo-700 underline" rel="prev">
                    Previous
                  </Link>
                ) : null}
                {list.page < list.pages ? (
                  <Link to={pageHref(list.page + 1)} className="text-indigo-700 underline" rel="next">
                    Next
                  </Link>
                ) : null}
              </span>
            </nav>
          </Card>
        )}

        {canWrite ? (
          <Card title="Create a team">
            {organizations.length === 0 ? (
              <p className="text-sm text-amber-900">
                Create an <Link className="underline" to="/admin/organizations">organization</Link> first: every team belongs to one.
              </p>
            ) : (
              <Form method="post" id="create-team" className="grid gap-4 sm:grid-cols-2" aria-label="Create a team">
                {data?.message ? (
                  <div className="sm:col-span-2">
                    <Alert>{data.message}</Alert>
                  </div>
                ) : null}
                <Field label="Name" name="name" required placeholder="Acme Dev Team" defaultValue={v("name")} errors={data?.fieldErrors?.name} />
                <SelectField
                  label="Organization"
                  name="organization_id"
                  required
                  defaultValue={v("organization_id") || preselect || (organizations.length === 1 ? organizations[0].id : "")}
                  options={[{ value: "", label: "Choose an organization" }, ...organizations.map((o) => ({ value: o.id, label: o.name }))]}
                  errors={data?.fieldErrors?.organization_id}
                />
                <TeamLimitsFields
                  groups={groups}
                  values={{
                    model_groups: data?.values?.model_groups ?? [],
                    max_budget: v("max_budget"),
                    budget_duration: v("budget_duration"),
                    budget_mode: v("budget_mode") || "hard",
                    rpm_limit: v("rpm_limit"),
                    tpm_limit: v("tpm_limit"),
                  }}
                  errors={data?.fieldErrors}
                />
                <div className="sm:col-span-2">
                  <Button type="submit" disabled={busy}>
                    {busy ? "Creating…" : "Create team"}
                  </Button>
                </div>
              </Form>
            )}
          </Card>
        ) : null}
      </div>
    </>
  );
}

export function ErrorBoundary() {
  return <AdminRouteError backTo="/admin" backLabel="Back to the overview" />;
}
