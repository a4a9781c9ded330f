import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { getFormProps } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { requireAdmin } from "~/auth/request.server";
import { Button, Card, EmptyState, Field, FormErrors, PageHeader, TextAreaField } from "~/components/ui";
import { setFlash } from "~/lib/flash.server";
import { fieldProps, useSchemaForm } from "~/lib/forms";
import { replyInvalid, replyWithAppError } from "~/lib/forms.server";
import { can } from "~/auth/actor";
import { createOrganizationSchema } from "~/services/organizations.schema";
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
  const submission = parseWithZod(await request.formData(), { schema: createOrganizationSchema });
  if (submission.status !== "success") return replyInvalid(submission);
  try {
    const org = await createOrganization(actor, submission.value);
    return redirect(`/admin/organizations/${org.organization_id}`, {
      headers: { "Set-Cookie": await setFlash({ kind: "success", message: `Organization ${org.name} created.` }) },
    });
  } catch (error) {
    return replyWithAppError(submission, error);
  }
}

export default function Organizations() {
  const { organizations, teamCounts, canWrite } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const [form, fields] = useSchemaForm(createOrganizationSchema, { id: "create-organization", lastResult: data?.result });
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
            <Form method="post" className="grid gap-4 sm:grid-cols-2" aria-label="Create an organization" {...getFormProps(form)}>
              <FormErrors id={form.errorId} errors={form.errors} className="sm:col-span-2" />
              <Field label="Name" required placeholder="Acme Corporation" {...fieldProps(fields.name)} />
              <Field
                label="LiteLLM organization id"
                required
                placeholder="acme-corp"
                hint="Letters, digits, dots, dashes or underscores."
                {...fieldProps(fields.litellm_organization_id)}
              />
              <div className="sm:col-span-2">
                <TextAreaField label="Description" {...fieldProps(fields.description)} />
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

export { RouteErrorBoundary as ErrorBoundary } from "~/components/route-error";
