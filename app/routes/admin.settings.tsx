import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { getFormProps } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { requireAdmin } from "~/auth/request.server";
import { Button, Card, ConfirmForm, Field, FormErrors, OnceSecret, PageHeader, SelectField, StatusBadge, TextAreaField } from "~/components/ui";
import { setFlash } from "~/lib/flash.server";
import { fieldProps, lastResultFor, useSchemaForm, type FormReply } from "~/lib/forms";
import { buttonSubmission, replyInvalid, replyUnknownIntent, replyWithAppError } from "~/lib/forms.server";
import { can } from "~/auth/actor";
import { createAdminAccountSchema } from "~/services/admin-accounts.schema";
import { createAdminAccount, disableAdminAccount, listAdminAccounts } from "~/services/admin-accounts.server";
import { createApiTokenSchema } from "~/services/api-tokens.schema";
import { createApiToken, listApiTokens, revokeApiToken } from "~/services/api-tokens.server";
import { getWorkerStatus, requestWorkerCheck } from "~/services/worker-check.server";
import { OPERATOR_LOGO_TYPES, operatorSettingsFormSchema } from "~/services/operator-settings.schema";
import { getOperatorSettings, updateOperatorSettings } from "~/services/operator-settings.server";

export const meta: MetaFunction = () => [{ title: "Settings · SaaS LiteLLM" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { actor, headers } = await requireAdmin(request);
  const [accounts, tokens, worker, operator] = await Promise.all([listAdminAccounts(actor), listApiTokens(actor), getWorkerStatus(), getOperatorSettings(actor)]);
  const canWrite = can(actor, "admin");
  return json(
    {
      accounts,
      // Admins revoke tokens up to their own role; only owners revoke owner tokens.
      tokens: tokens.map((t) => ({ ...t, canRevoke: canWrite && !t.revoked_at && can(actor, t.role) })),
      tokenRoles: (["viewer", "admin", "owner"] as const).filter((role) => can(actor, role)),
      worker,
      operator,
      canManageAccounts: can(actor, "owner"),
      canWrite,
      me: actor.userId,
    },
    { headers },
  );
}

/** The token just created: shown once, right after creation; never stored in a cookie or the session. */
type CreatedToken = { name: string; role: string; token: string };

export async function action({ request }: ActionFunctionArgs) {
  const { actor } = await requireAdmin(request);
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  if (intent === "create-account") {
    const submission = parseWithZod(form, { schema: createAdminAccountSchema });
    if (submission.status !== "success") return replyInvalid(submission, { intent, hideFields: ["password"] });
    try {
      const account = await createAdminAccount(actor, submission.value);
      return done(`Account ${account.email} created with the ${account.role} role.`);
    } catch (error) {
      return replyWithAppError(submission, error, { intent, hideFields: ["password"] });
    }
  }
  if (intent === "create-token") {
    const submission = parseWithZod(form, { schema: createApiTokenSchema });
    if (submission.status !== "success") return replyInvalid(submission, { intent });
    try {
      const created = await createApiToken(actor, submission.value);
      const createdToken: CreatedToken = { name: created.name, role: created.role, token: created.token };
      return json<FormReply & { createdToken: CreatedToken }>(
        { intent, result: submission.reply({ resetForm: true }), createdToken },
        { headers: { "Cache-Control": "no-store" } },
      );
    } catch (error) {
      return replyWithAppError(submission, error, { intent });
    }
  }
  if (intent === "update-operator") {
    // The logo arrives as an uploaded file (multipart); the service takes its bytes as base64 and checks them.
    const submission = parseWithZod(form, { schema: operatorSettingsFormSchema });
    if (submission.status !== "success") return replyInvalid(submission, { intent, hideFields: ["logo"] });
    try {
      const { logo, ...fields } = submission.value;
      const logo_base64 = logo && logo.size > 0 ? Buffer.from(await logo.arrayBuffer()).toString("base64") : undefined;
      await updateOperatorSettings(actor, { ...fields, details: fields.details ?? "", logo_base64 });
      return done("Operator details saved; statements print them from now on.");
    } catch (error) {
      return replyWithAppError(submission, error, { intent, hideFields: ["logo"] });
    }
  }
  // The buttons: their service parses the id.
  try {
    if (intent === "disable-account") {
      await disableAdminAccount(actor, { id: String(form.get("id") ?? "") });
      return done("Account disabled; its sessions have ended.");
    }
    if (intent === "revoke-token") {
      const revoked = await revokeApiToken(actor, { id: String(form.get("id") ?? "") });
      return done(`API token "${revoked.name}" revoked; scripts using it are refused from now on.`);
    }
    if (intent === "check-worker") {
      await requestWorkerCheck(actor);
      return done("Worker check sent; the result appears below within seconds.");
    }
  } catch (error) {
    return replyWithAppError(buttonSubmission(form), error, { intent });
  }
  return replyUnknownIntent(form, intent);
}

async function done(message: string) {
  return redirect("/admin/settings", { headers: { "Set-Cookie": await setFlash({ kind: "success", message }) } });
}

function formatTime(iso: string | null | undefined) {
  return iso ? new Date(iso).toLocaleString("en-GB", { timeZone: "UTC", dateStyle: "medium", timeStyle: "medium" }) + " UTC" : "—";
}

export default function Settings() {
  const { accounts, tokens, tokenRoles, worker, operator, canManageAccounts, canWrite, me } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const [accountForm, accountFields] = useSchemaForm(createAdminAccountSchema, {
    id: "create-account",
    lastResult: lastResultFor(data, "create-account"),
    defaultValue: { role: "admin" },
  });
  const [tokenForm, tokenFields] = useSchemaForm(createApiTokenSchema, {
    id: "create-token",
    lastResult: lastResultFor(data, "create-token"),
    defaultValue: { role: "viewer" },
  });
  const [operatorForm, operatorFields] = useSchemaForm(operatorSettingsFormSchema, {
    id: "update-operator",
    lastResult: lastResultFor(data, "update-operator"),
    defaultValue: { name: operator.updated_at ? operator.name : "", details: operator.details ?? "" },
  });
  const createdToken = (data as { createdToken?: CreatedToken } | undefined)?.createdToken ?? null;
  const accountsErrors = [...(lastResultFor(data, "disable-account")?.error?.[""] ?? []), ...(lastResultFor(data, "check-worker")?.error?.[""] ?? [])];
  const revokeErrors = lastResultFor(data, "revoke-token")?.error?.[""];
  return (
    <>
      <PageHeader title="Settings" description="Admin accounts, API tokens, the operator details on statements and the background worker." />
      <div className="space-y-6">
        <Card title="Admin accounts">
          <FormErrors errors={accountsErrors} className="mb-4" />
          <div className="overflow-x-auto">
            <table className="min-w-full text-left text-sm">
              <thead className="text-slate-600">
                <tr>
                  <th scope="col" className="py-2 pr-4 font-medium">Name</th>
                  <th scope="col" className="py-2 pr-4 font-medium">Email</th>
                  <th scope="col" className="py-2 pr-4 font-medium">Role</th>
                  <th scope="col" className="py-2 pr-4 font-medium">Status</th>
                  {canManageAccounts ? <th scope="col" className="py-2 font-medium"><span className="sr-only">Actions</span></th> : null}
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {accounts.map((a) => (
                  <tr key={a.id}>
                    <td className="py-2 pr-4">{a.name}</td>
                    <td className="py-2 pr-4">{a.email ?? "master key"}</td>
                    <td className="py-2 pr-4">{a.role}</td>
                    <td className="py-2 pr-4">{a.disabled_at ? <StatusBadge tone="neutral">disabled</StatusBadge> : <StatusBadge tone="ok">active</StatusBadge>}</td>
                    {canManageAccounts ? (
                      <td className="py-2 text-right">
                        {a.email && !a.disabled_at && a.id !== me ? (
                          <ConfirmForm intent="disable-account" values={{ id: a.id }} question={`Disable ${a.email}? Their sessions end at once.`} disabled={busy}>
                            Disable<span className="sr-only"> {a.email}</span>
                          </ConfirmForm>
                        ) : null}
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {canManageAccounts ? (
            <Form
              method="post"
              className="mt-6 grid gap-4 border-t border-slate-200 pt-6 sm:grid-cols-2"
              aria-label="Create an admin account"
              {...getFormProps(accountForm)}
            >
              <h3 className="font-medium sm:col-span-2">Create an admin account</h3>
              <FormErrors id={accountForm.errorId} errors={accountForm.errors} className="sm:col-span-2" />
              <input type="hidden" name="intent" value="create-account" />
              <Field label="Name" required {...fieldProps(accountFields.name)} />
              <Field label="Email" type="email" required {...fieldProps(accountFields.email)} />
              <SelectField
                label="Role"
                options={[
                  { value: "viewer", label: "Viewer (read-only)" },
                  { value: "admin", label: "Admin" },
                  { value: "owner", label: "Owner (also manages accounts)" },
                ]}
                {...fieldProps(accountFields.role)}
              />
              <Field label="Password" type="password" autoComplete="new-password" required minLength={12} hint="At least 12 characters." {...fieldProps(accountFields.password)} />
              <div className="sm:col-span-2">
                <Button type="submit" disabled={busy}>Create account</Button>
              </div>
            </Form>
          ) : (
            <p className="mt-4 text-sm text-slate-600">Only owners can create or disable admin accounts.</p>
          )}
        </Card>

        <Card title="API tokens">
          <p className="mb-4 text-sm text-slate-600">
            Scripts send a token as <code className="rounded bg-slate-100 px-1">Authorization: Bearer sla_…</code> to the REST API (
            <a className="underline" href="/api/openapi.json">/api/openapi.json</a>) and tRPC. A token acts as the admin who created it, with the
            role chosen here (never more than that admin&apos;s), until it is revoked.
          </p>
          {createdToken ? (
            <div className="mb-4">
              <OnceSecret
                region="New API token"
                label="New API token"
                what="the API token"
                value={createdToken.token}
                title={`API token "${createdToken.name}" created with the ${createdToken.role} role. Copy it now: it is shown only this once.`}
                note={
                  <>
                    Use it as <code>Authorization: Bearer {createdToken.token.slice(0, 10)}…</code>. Lost it? Revoke it and create another.
                  </>
                }
              />
            </div>
          ) : null}
          <FormErrors errors={revokeErrors} className="mb-4" />
          {tokens.length ? (
            <div className="overflow-x-auto">
              <table className="min-w-full text-left text-sm">
                <thead className="text-slate-600">
                  <tr>
                    <th scope="col" className="py-2 pr-4 font-medium">Name</th>
                    <th scope="col" className="py-2 pr-4 font-medium">Token</th>
                    <th scope="col" className="py-2 pr-4 font-medium">Role</th>
                    <th scope="col" className="py-2 pr-4 font-medium">Created by</th>
                    <th scope="col" className="py-2 pr-4 font-medium">Last used</th>
                    <th scope="col" className="py-2 pr-4 font-medium">Status</th>
                    {canWrite ? <th scope="col" className="py-2 font-medium"><span className="sr-only">Actions</span></th> : null}
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {tokens.map((t) => (
                    <tr key={t.id}>
                      <td className="py-2 pr-4">{t.name}</td>
                      <td className="py-2 pr-4 font-mono">{t.prefix}…</td>
                      <td className="py-2 pr-4">{t.role}</td>
                      <td className="py-2 pr-4">{t.created_by_name}</td>
                      <td className="py-2 pr-4">{t.last_used_at ? formatTime(t.last_used_at) : "never"}</td>
                      <td className="py-2 pr-4">
                        {t.revoked_at ? <StatusBadge tone="neutral">revoked</StatusBadge> : <StatusBadge tone="ok">active</StatusBadge>}
                      </td>
                      {canWrite ? (
                        <td className="py-2 text-right">
                          {t.canRevoke ? (
                            <ConfirmForm intent="revoke-token" values={{ id: t.id }} question={`Revoke the API token "${t.name}"? Scripts using it are refused at once.`} disabled={busy}>
                              Revoke<span className="sr-only"> {t.name}</span>
                            </ConfirmForm>
                          ) : null}
                        </td>
                      ) : null}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <p className="text-sm text-slate-600">No API tokens yet.</p>
          )}
          {canWrite ? (
            <Form
              key={createdToken?.token ?? "create-token"}
              method="post"
              className="mt-6 grid gap-4 border-t border-slate-200 pt-6 sm:grid-cols-2"
              aria-label="Create an API token"
              {...getFormProps(tokenForm)}
            >
              <h3 className="font-medium sm:col-span-2">Create an API token</h3>
              <FormErrors id={tokenForm.errorId} errors={tokenForm.errors} className="sm:col-span-2" />
              <input type="hidden" name="intent" value="create-token" />
              <Field label="Token name" id="token-name" required hint="Say what uses it, e.g. the deploy script." {...fieldProps(tokenFields.name)} />
              <SelectField
                label="Token role"
                id="token-role"
                options={tokenRoles.map((role) => ({ value: role, label: role === "viewer" ? "Viewer (read-only)" : role === "admin" ? "Admin" : "Owner" }))}
                {...fieldProps(tokenFields.role)}
              />
              <div className="sm:col-span-2">
                <Button type="submit" disabled={busy}>Create token</Button>
              </div>
            </Form>
          ) : (
            <p className="mt-4 text-sm text-slate-600">Only admins and owners can create or revoke API tokens.</p>
          )}
        </Card>

        <Card title="Operator">
          <p className="mb-4 text-sm text-slate-600">
            Printed at the top of every statement your customers download (PDF), and in its CSV.
            {operator.updated_at ? null : ` Not set yet: statements show "${operator.name}".`}
          </p>
          {operator.logo ? (
            <div className="mb-4 flex items-center gap-3">
              <img src={`data:${operator.logo.mime};base64,${operator.logo.base64}`} alt="Current statement logo" className="h-12 w-auto max-w-[12rem] rounded ring-1 ring-slate-200" />
              <span className="text-sm text-slate-600">
                {operator.logo.mime === "image/png" ? "PNG" : "JPEG"}, {Math.ceil(operator.logo.bytes / 1024)} KB
              </span>
            </div>
          ) : null}
          {canWrite ? (
            <Form method="post" encType="multipart/form-data" className="grid gap-4 sm:grid-cols-2" aria-label="Operator details" {...getFormProps(operatorForm)}>
              <FormErrors id={operatorForm.errorId} errors={operatorForm.errors} className="sm:col-span-2" />
              <input type="hidden" name="intent" value="update-operator" />
              <Field label="Operator name" id="operator-name" required hint="Your company's name as customers should read it." {...fieldProps(operatorFields.name)} />
              <Field
                label="Logo"
                id="operator-logo"
                type="file"
                accept={OPERATOR_LOGO_TYPES.join(",")}
                hint="PNG or JPEG, at most 256 KB. Leave empty to keep the current one."
                name={operatorFields.logo.name}
                errors={operatorFields.logo.errors}
              />
              <div className="sm:col-span-2">
                <TextAreaField label="Details" id="operator-details" rows={4} hint="Address, tax number, contact: printed under the name, line by line." {...fieldProps(operatorFields.details)} />
              </div>
              {operator.logo ? (
                <label className="flex items-center gap-2 text-sm sm:col-span-2">
                  <input type="checkbox" name={operatorFields.remove_logo.name} value="on" className="h-4 w-4 rounded border-slate-300" />
                  Remove the logo
                </label>
              ) : null}
              <div className="sm:col-span-2">
                <Button type="submit" disabled={busy}>Save operator details</Button>
              </div>
            </Form>
          ) : (
            <dl className="grid gap-3 text-sm sm:grid-cols-2">
              <div>
                <dt className="text-slate-600">Name</dt>
                <dd>{operator.name}</dd>
              </div>
              <div>
                <dt className="text-slate-600">Details</dt>
                <dd className="whitespace-pre-line">{operator.details ?? "—"}</dd>
              </div>
            </dl>
          )}
        </Card>

        <Card title="Background worker">
          <dl className="grid gap-3 text-sm sm:grid-cols-3">
            <div>
              <dt className="text-slate-600">State</dt>
              <dd data-testid="worker-state">{worker.state === "running" ? "running" : worker.state === "down" ? "not reporting" : "not started"}</dd>
            </div>
            <div>
              <dt className="text-slate-600">Last seen</dt>
              <dd>{formatTime(worker.lastSeenAt)}</dd>
            </div>
            <div>
              <dt className="text-slate-600">Last check</dt>
              <dd data-testid="worker-last-check">
                {!worker.lastCheck
                  ? "never run"
                  : worker.lastCheck.completedAt
                    ? `answered in ${worker.lastCheck.roundTripMs} ms`
                    : `waiting since ${formatTime(worker.lastCheck.requestedAt)}`}
              </dd>
            </div>
          </dl>
          {worker.fix ? <p className="mt-3 text-sm text-amber-900">{worker.fix}</p> : null}
          {canWrite ? (
            <Form method="post" className="mt-4">
              <input type="hidden" name="intent" value="check-worker" />
              <Button type="submit" variant="secondary" disabled={busy}>Run a worker check</Button>
            </Form>
          ) : null}
        </Card>
      </div>
    </>
  );
}

export { RouteErrorBoundary as ErrorBoundary } from "~/components/route-error";
