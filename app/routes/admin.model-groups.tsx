import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { getFormProps } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { requireAdmin } from "~/auth/request.server";
import { createModelGroupForm, ModelChips, ModelGroupInputs, VerificationBadge, type ModelGroupFields } from "~/components/model-group-form";
import { Button, Card, EmptyState, FormErrors, PageHeader } from "~/components/ui";
import { setFlash } from "~/lib/flash.server";
import { useSchemaForm } from "~/lib/forms";
import { replyInvalid, replyWithAppError } from "~/lib/forms.server";
import { can } from "~/auth/actor";
import { createModelGroup, listModelGroups } from "~/services/model-groups.server";
import { servedModelNames } from "~/services/models.server";

export const meta: MetaFunction = () => [{ title: "Model groups · SaaS LiteLLM" }];


export async function loader({ request }: LoaderFunctionArgs) {
  const { actor, headers } = await requireAdmin(request);
  const canWrite = can(actor, "admin");
  const [groups, served] = await Promise.all([listModelGroups(actor), canWrite ? servedModelNames(actor) : { served: null, servedProblem: null }]);
  return json({ groups, ...served, canWrite }, { headers });
}

export async function action({ request }: ActionFunctionArgs) {
  const { actor } = await requireAdmin(request);
  const submission = parseWithZod(await request.formData(), { schema: createModelGroupForm });
  if (submission.status !== "success") return replyInvalid(submission);
  try {
    const group = await createModelGroup(actor, submission.value);
    const note = group.verification === "verified" ? "" : " It is unverified until LiteLLM can be asked.";
    return redirect("/admin/model-groups", {
      headers: { "Set-Cookie": await setFlash({ kind: "success", message: `Model group ${group.name} created.${note}` }) },
    });
  } catch (error) {
    return replyWithAppError(submission, error);
  }
}

export default function ModelGroups() {
  const { groups, served, servedProblem, canWrite } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const [form, fields] = useSchemaForm<typeof createModelGroupForm, ModelGroupFields>(createModelGroupForm, { id: "create-model-group", lastResult: data?.result });
  return (
    <>
      <PageHeader
        title="Model groups"
        description="Named sets of LiteLLM models that teams may call. Model names must match LiteLLM's exactly (case-sensitive)."
      />
      <div className="space-y-6">
        {groups.length === 0 ? (
          <EmptyState title="No model groups yet">
            {canWrite ? "Create one below, for example basic-models with gpt-3.5-turbo." : "Model groups an admin creates appear here."}
          </EmptyState>
        ) : (
          <Card>
            <div className="overflow-x-auto">
              <table className="min-w-full text-left text-sm">
                <caption className="sr-only">Model groups</caption>
                <thead className="text-slate-600">
                  <tr>
                    <th scope="col" className="py-2 pr-4 font-medium">Name</th>
                    <th scope="col" className="py-2 pr-4 font-medium">Models</th>
                    <th scope="col" className="py-2 pr-4 font-medium">Checked against LiteLLM</th>
                    <th scope="col" className="py-2 font-medium">Description</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {groups.map((g) => (
                    <tr key={g.model_group_id} className="align-top">
                      <th scope="row" className="py-2 pr-4 font-medium">
                        <Link to={`/admin/model-groups/${g.model_group_id}`} className="font-mono text-indigo-700 underline">
                          {g.name}
                        </Link>
                      </th>
                      <td className="py-2 pr-4">
                        <ModelChips models={g.models} />
                      </td>
                      <td className="py-2 pr-4">
                        <VerificationBadge verification={g.verification} error={g.verification_error} />
                      </td>
                      <td className="py-2 text-slate-700">{g.description || "—"}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </Card>
        )}

        {canWrite ? (
          <Card title="Create a model group">
            {/* Keyed by the number of groups: a successful create (the redirect back here) starts an empty form. */}
            <Form key={groups.length} method="post" className="grid gap-4" aria-label="Create a model group" {...getFormProps(form)}>
              <FormErrors id={form.errorId} errors={form.errors} />
              <ModelGroupInputs fields={fields} served={served} servedProblem={servedProblem} namePlaceholder="basic-models" nameHint="Letters, digits, dots, dashes or underscores." />
              <div>
                <Button type="submit" disabled={busy}>Create model group</Button>
              </div>
            </Form>
          </Card>
        ) : null}
      </div>
    </>
  );
}

export { RouteErrorBoundary as ErrorBoundary } from "~/components/route-error";
