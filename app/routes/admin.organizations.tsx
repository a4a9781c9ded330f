import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { requireAdmin } from "~/auth/request.server";
import { Alert, Button, Card, EmptyState, Field, PageHeader, TextAreaField } from "~/components/ui";
import { setFlash } from "~/lib/flash.server";
import { formError, formText, formValues } from "~/lib/forms.server";
import { can } from "~/auth/actor";
import { createOrganization, listOrganizations } from "~/services/organizations.server";
import { listTeams } from "~/services/teams.server";

export const meta: MetaFunction = () => [{ title: "Organizations · SaaS LiteLLM" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { actor, headers } = await requireAdmin(request);
  const [organizations, teams] = await Promise.all([listOrganizations(actor), listTeams(actor)]);
  const teamCounts: Record<string, number> = {};
  for (const t of teams) teamCounts[t.organization_id] = (teamCounts[t.organization_id] ?? 0) + 1;
  return json({ organizations, teamCounts, canWrite: can(actor, "admin") }, { headers });
}

export async function action({ request }: ActionFunctionArgs) {
  const { actor } = await requireAdmin(request);
  const form = await request.formData();
  try {
    const org = await createOrganization(actor, {
      name: String(form.get("name") ?? ""),
      litellm_organization_id: String(form.get("litellm_organization_id") ?? ""),
      description: formText(form.get("description")),
    });
    return redirect(`/admin/organizations/${org.organization_id}`, {
      headers: { "Set-Cookie": await setFlash({ kind: "success", message: `Organization ${org.name} created.` }) },
    });
  } catch (error) {
    return formError("create", error, formValues(form));
  }
}

export default function Organizations() {
  const { organizations, teamCounts, canWrite } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  return (
    <>
      <PageHeader title="Organizations" description="Each organization groups the teams of one customer." />
      <div className="space-y-6">
        {organizations.length === 0 ? (
          <EmptyState title="No organizations yet">
            {canWrite ? "Create the first one below; its teams and their keys come next." : "Organizations an admin creates appear here."}
          </EmptyState>
        ) : (
          <Card>
            <div className="overflow-x-auto">
              <table className="min-w-full text-left text-sm">
                <caption className="sr-only">Organizations</caption>
                <thead className="text-slate-600">
                  <tr>
                    <th scope="col" className="py-2 pr-4 font-medium">Name</th>
                    <th scope="col" className="py-2 pr-4 font-medium">LiteLLM organization id</th>
                    <th scope="col" className="py-2 pr-4 font-medium">Description</th>
                    <th scope="col" className="py-2 text-right font-medium">Teams</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {organizations.map((o) => (
                    <tr key={o.organization_id}>
                      <th scope="row" className="py-2 pr-4 font-medium">
                        <Link to={`/admin/organizations/${o.organization_id}`} className="text-indigo-700 underline">
                          {o.name}
                        </Link>
                      </th>
                      <td className="py-2 pr-4 font-mono">{o.litellm_organization_id}</td>
                      <td className="py-2 pr-4 text-slate-700">{o.description || "—"}</td>
                      <td className="py-2 text-right tabular-nums">{teamCounts[o.organization_id] ?? 0}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </Card>
        )}

        {canWrite ? (
          <Card title="Create an organization">
            <Form method="post" className="grid gap-4 sm:grid-cols-2" aria-label="Create an organization">
              {data?.message ? (
                <div className="sm:col-span-2">
                  <Alert>{data.message}</Alert>
                </div>
              ) : null}
              <Field label="Name" name="name" required placeholder="Acme Corporation" defaultValue={data?.values?.name?.[0]} errors={data?.fieldErrors?.name} />
              <Field
                label="LiteLLM organization id"
                name="litellm_organization_id"
                required
                placeholder="acme-corp"
                hint="Letters, digits, dots, dashes or underscores."
                defaultValue={data?.values?.litellm_organization_id?.[0]}
                errors={data?.fieldErrors?.litellm_organization_id}
              />
              <div className="sm:col-span-2">
                <TextAreaField label="Description" name="description" defaultValue={data?.values?.description?.[0]} errors={data?.fieldErrors?.description} />
              </div>
              <div className="sm:col-span-2">
                <Button type="submit" disabled={busy}>Create organization</Button>
              </div>
            </Form>
          </Card>
        ) : null}
      </div>
    </>
  );
}
