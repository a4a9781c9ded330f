import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { requireAdmin } from "~/auth/request.server";
import { TeamsTable } from "~/components/teams-table";
import { TeamLimitsFields } from "~/components/team-form";
import { Alert, Button, Card, EmptyState, Field, PageHeader, SelectField } from "~/components/ui";
import { setFlash } from "~/lib/flash.server";
import { formError, formValues, teamFormInput } from "~/lib/forms.server";
import { can } from "~/auth/actor";
import { listModelGroups } from "~/services/model-groups.server";
import { listOrganizations } from "~/services/organizations.server";
import { createTeam, listTeams } from "~/services/teams.server";

export const meta: MetaFunction = () => [{ title: "Teams · SaaS LiteLLM" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { actor, headers } = await requireAdmin(request);
  const canWrite = can(actor, "admin");
  const [teams, organizations, groups] = await Promise.all([
    listTeams(actor),
    canWrite ? listOrganizations(actor) : [],
    canWrite ? listModelGroups(actor) : [],
  ]);
  const preselect = new URL(request.url).searchParams.get("organization") ?? "";
  return json(
    {
      teams,
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
    const team = await createTeam(actor, { ...teamFormInput(form), organization_id: String(form.get("organization_id") ?? "") }, { revealKey: false });
    const message = team.provisioning
      ? `Team ${team.name} created. LiteLLM is being set up; the key appears here when it is ready.`
      : `Team ${team.name} created with its virtual key.`;
    return redirect(`/admin/teams/${team.team_id}`, { headers: { "Set-Cookie": await setFlash({ kind: "success", message }) } });
  } catch (error) {
    return formError("create", error, formValues(form));
  }
}


export default function Teams() {
  const { teams, organizations, groups, preselect, canWrite } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const v = (name: string) => data?.values?.[name]?.[0] ?? "";
  return (
    <>
      <PageHeader title="Teams" description="Teams, their virtual keys, budgets and rate limits. LiteLLM enforces them on every request." />
      <div className="space-y-6">
        {teams.length === 0 ? (
          <EmptyState title="No teams yet">
            {canWrite ? "Create one below; it gets a LiteLLM virtual key for the customer's application." : "Teams an admin creates appear here."}
          </EmptyState>
        ) : (
          <Card>
            <TeamsTable teams={teams} caption="Teams" />
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
