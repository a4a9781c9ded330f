import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { getFormProps } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { requireAdmin } from "~/auth/request.server";
import { formatTime } from "~/components/format";
import { ModelChips, ModelGroupInputs, updateModelGroupForm, VerificationBadge, type ModelGroupFields } from "~/components/model-group-form";
import { Button, Card, ConfirmForm, FormErrors, PageHeader } from "~/components/ui";
import { setFlash } from "~/lib/flash.server";
import { lastResultFor, useSchemaForm } from "~/lib/forms";
import { buttonSubmission, replyInvalid, replyUnknownIntent, replyWithAppError, throwAsResponse } from "~/lib/forms.server";
import { can } from "~/auth/actor";
import { deleteModelGroup, getModelGroup, updateModelGroup } from "~/services/model-groups.server";
import { servedModelNames } from "~/services/models.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.group.name ?? "Model group"} · SaaS LiteLLM` }];


export async function loader({ request, params }: LoaderFunctionArgs) {
  const { actor, headers } = await requireAdmin(request);
  const canWrite = can(actor, "admin");
  const [group, served] = await Promise.all([
    getModelGroup(actor, { model_group_id: params.modelGroupId! }),
    canWrite ? servedModelNames(actor) : { served: null, servedProblem: null },
  ]).catch(throwAsResponse);
  return json({ group, ...served, canWrite }, { headers });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { actor } = await requireAdmin(request);
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  if (intent === "delete") {
    try {
      await deleteModelGroup(actor, { model_group_id: params.modelGroupId! });
      return redirect("/admin/model-groups", { headers: { "Set-Cookie": await setFlash({ kind: "success", message: "Model group deleted." }) } });
    } catch (error) {
      return replyWithAppError(buttonSubmission(form), error, { intent });
    }
  }
  if (intent !== "update") return replyUnknownIntent(form, intent);
  const submission = parseWithZod(form, { schema: updateModelGroupForm });
  if (submission.status !== "success") return replyInvalid(submission, { intent });
  try {
    const group = await updateModelGroup(actor, { ...submission.value, model_group_id: params.modelGroupId! });
    return redirect(`/admin/model-groups/${group.model_group_id}`, {
      headers: { "Set-Cookie": await setFlash({ kind: "success", message: `Model group ${group.name} saved; teams using it follow within seconds.` }) },
    });
  } catch (error) {
    return replyWithAppError(submission, error, { intent });
  }
}

export default function ModelGroupPage() {
  const { group, served, servedProblem, canWrite } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const [form, fields] = useSchemaForm<typeof updateModelGroupForm, ModelGroupFields>(updateModelGroupForm, {
    id: "edit-model-group",
    lastResult: lastResultFor(data, "update"),
    defaultValue: { name: group.name, models: group.models, description: group.description ?? "" },
  });
  const deleteErrors = lastResultFor(data, "delete")?.error?.[""];
  return (
    <>
      <p className="mb-2 text-sm">
        <Link to="/admin/model-groups" className="text-indigo-700 underline">
          ← Model groups
        </Link>
      </p>
      <PageHeader title={group.name} description={group.description ?? undefined} />
      <div className="space-y-6">
        <Card title="Models">
          <ModelChips models={group.models} />
          <div className="mt-3 text-sm">
            <VerificationBadge verification={group.verification} error={group.verification_error} />
            {group.verified_at ? <p className="mt-1 text-xs text-slate-600">Checked {formatTime(group.verified_at)}</p> : null}
          </div>
        </Card>

        <Card title="Teams using it">
          {group.teams.length === 0 ? (
            <p className="text-sm text-slate-600">No team uses this group.</p>
          ) : (
            <ul className="list-inside list-disc text-sm">
              {group.teams.map((t) => (
                <li key={t.team_id}>
                  <Link to={`/admin/teams/${t.team_id}`} className="text-indigo-700 underline">
                    {t.name}
                  </Link>
                </li>
              ))}
            </ul>
          )}
        </Card>

        {canWrite ? (
          <>
            <Card title="Edit">
              <Form key={group.updated_at} method="post" className="grid gap-4" aria-label="Edit model group" {...getFormProps(form)}>
                <input type="hidden" name="intent" value="update" />
                <FormErrors id={form.errorId} errors={form.errors} />
                <ModelGroupInputs fields={fields} served={served} servedProblem={servedProblem} />
                {group.teams.length ? (
                  <p className="text-sm text-slate-600">
                    Changing the models changes what {group.teams.length === 1 ? "1 team" : `${group.teams.length} teams`} may call; their keys stay the same.
                  </p>
                ) : null}
                <div>
                  <Button type="submit" disabled={busy}>Save changes</Button>
                </div>
              </Form>
            </Card>

            <Card title="Delete">
              <FormErrors errors={deleteErrors} className="mb-3" />
              <p className="mb-3 text-sm text-slate-600">A model group can be deleted once no team uses it.</p>
              <ConfirmForm intent="delete" question={`Delete the model group ${group.name}? This cannot be undone.`} variant="danger" disabled={busy}>
                Delete model group<span className="sr-only"> {group.name}</span>
              </ConfirmForm>
            </Card>
          </>
        ) : null}
      </div>
    </>
  );
}

export { RouteErrorBoundary as ErrorBoundary } from "~/components/route-error";
