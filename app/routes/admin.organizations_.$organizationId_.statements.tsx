import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { requireAdmin } from "~/auth/request.server";
import { AdminRouteError } from "~/components/route-error";
import { StatementsTable } from "~/components/statements-table";
import { Button, Card, PageHeader } from "~/components/ui";
import { throwAsResponse } from "~/lib/forms.server";
import { getOrganization } from "~/services/organizations.server";
import { listStatements } from "~/services/statements.server";
import { listTeams } from "~/services/teams.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Statements · ${data?.organization.name ?? "Organization"} · SaaS LiteLLM` }];

/**
 * `/admin/organizations/:organizationId/statements[?team=<team id>]`: the organization's own
 * statements (every team together), and those of one of its teams, chosen below. Each links to its
 * page and to its PDF and CSV.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const { actor, headers } = await requireAdmin(request);
  const organization_id = params.organizationId!;
  const teamId = new URL(request.url).searchParams.get("team") || null;
  const [organization, teams, statements] = await Promise.all([
    getOrganization(actor, { organization_id }),
    listTeams(actor, { organization_id }),
    listStatements(actor, { organization_id }),
  ]).catch(throwAsResponse);
  const team = teamId ? (teams.find((t) => t.team_id === teamId) ?? null) : null;
  // A team of another organization reads as unknown here (listStatements refuses the pair too).
  const teamStatements = team ? await listStatements(actor, { organization_id, team_id: team.team_id }).catch(throwAsResponse) : null;
  return json(
    {
      organization: { organization_id: organization.organization_id, name: organization.name },
      teams: teams.map((t) => ({ team_id: t.team_id, name: t.name })),
      statements,
      team: team ? { team_id: team.team_id, name: team.name, statements: teamStatements ?? [] } : null,
      unknownTeam: teamId !== null && team === null ? teamId : null,
    },
    { headers },
  );
}

const viewHref = (id: string) => `/admin/statements/${encodeURIComponent(id)}`;

export default function OrganizationStatements() {
  const { organization, teams, statements, team, unknownTeam } = useLoaderData<typeof loader>();
  return (
    <>
      <p className="mb-2 text-sm">
        <Link to={`/admin/organizations/${organization.organization_id}`} className="text-indigo-700 underline">
          ← {organization.name}
        </Link>
      </p>
      <PageHeader
        title={`Statements of ${organization.name}`}
        description="One statement per period for the organization (all its teams) and one for each team. Open statements change until their period closes; closed ones never change."
      />
      <div className="space-y-6">
        <Card title="Organization statements">
          <StatementsTable statements={statements} caption={`Statements of ${organization.name}`} downloadBase="/admin/statements" viewHref={viewHref} />
        </Card>
        <Card title="Team statements">
          {teams.length ? (
            <Form method="get" className="mb-4 flex flex-wrap items-end gap-3">
              <div className="min-w-0">
                <label htmlFor="statements-team" className="block text-sm font-medium text-slate-700">
                  Team
                </label>
                <select
                  id="statements-team"
                  name="team"
                  defaultValue={team?.team_id ?? ""}
                  className="mt-1 block w-full min-w-0 rounded-md border-0 py-1.5 pl-3 pr-8 text-sm ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-indigo-600"
                >
                  <option value="">Choose a team</option>
                  {teams.map((t) => (
                    <option key={t.team_id} value={t.team_id}>
                      {t.name}
                    </option>
                  ))}
                </select>
              </div>
              <Button type="submit" variant="secondary">
                Show statements
              </Button>
            </Form>
          ) : (
            <p className="text-sm text-slate-600">This organization has no teams yet.</p>
          )}
          {unknownTeam ? <p className="text-sm text-red-700">No team of {organization.name} has the id {unknownTeam}.</p> : null}
          {team ? (
            <>
              <h3 className="mb-2 font-medium [overflow-wrap:anywhere]">{team.name}</h3>
              <StatementsTable statements={team.statements} caption={`Statements of ${team.name}`} downloadBase="/admin/statements" viewHref={viewHref} />
            </>
          ) : null}
        </Card>
      </div>
    </>
  );
}

export function ErrorBoundary() {
  return <AdminRouteError backTo="/admin/organizations" backLabel="Back to organizations" />;
}
