import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useState } from "react";
import { requireAdmin } from "~/auth/request.server";
import { Alert, Button, Card, Field, PageHeader, StatusBadge } from "~/components/ui";
import { isAppError, type FieldErrors } from "~/lib/errors";
import { setFlash } from "~/lib/flash.server";
import { can } from "~/auth/actor";
import { createAdminAccount, disableAdminAccount, listAdminAccounts } from "~/services/admin-accounts.server";
import { createApiToken, listApiTokens, revokeApiToken } from "~/services/api-tokens.server";
import { getWorkerStatus, requestWorkerCheck } from "~/services/worker-check.server";

export const meta: MetaFunction = () => [{ title: "Settings · SaaS LiteLLM" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { actor, headers } = await requireAdmin(request);
  const [accounts, tokens, worker] = await Promise.all([listAdminAccounts(actor), listApiTokens(actor), getWorkerStatus()]);
  const canWrite = can(actor, "admin");
  return json(
    {
      accounts,
      // Admins revoke tokens up to their own role; only owners revoke owner tokens.
      tokens: tokens.map((t) => ({ ...t, canRevoke: canWrite && !t.revokedAt && can(actor, t.role) })),
      tokenRoles: (["viewer", "admin", "owner"] as const).filter((role) => can(actor, role)),
      worker,
      canManageAccounts: can(actor, "owner"),
      canWrite,
      me: actor.userId,
    },
    { headers },
  );
}

type ActionData = {
  intent: string;
  message: string;
  fieldErrors?: FieldErrors;
  values?: Record<string, string>;
  /** Shown once, right after creation; never stored in a cookie or the session. */
  createdToken?: { name: string; role: string; token: string };
};

export async function action({ request }: ActionFunctionArgs) {
  const { actor } = await requireAdmin(request);
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  const values = Object.fromEntries([...form.entries()].filter(([k]) => k !== "password").map(([k, v]) => [k, String(v)]));
  try {
    let message: string;
    if (intent === "create-account") {
      const account = await createAdminAccount(actor, Object.fromEntries(form));
      message = `Account ${account.email} created with the ${account.role} role.`;
    } else if (intent === "disable-account") {
      await disableAdminAccount(actor, { id: form.get("id") });
      message = "Account disabled; its sessions have ended.";
    } else if (intent === "create-token") {
      const created = await createApiToken(actor, { name: form.get("name"), role: form.get("role") });
      return json<ActionData>(
        { intent, message: `API token "${created.name}" created.`, createdToken: { name: created.name, role: created.role, token: created.token } },
        { headers: { "Cache-Control": "no-store" } },
      );
    } else if (intent === "revoke-token") {
      const revoked = await revokeApiToken(actor, { id: form.get("id") });
      message = `API token "${revoked.name}" revoked; scripts using it are refused from now on.`;
    } else if (intent === "check-worker") {
      await requestWorkerCheck(actor);
      message = "Worker check sent; the result appears below within seconds.";
    } else {
      return json<ActionData>({ intent, message: "Unknown action; reload the page and try again." }, { status: 400 });
    }
    return redirect("/admin/settings", { headers: { "Set-Cookie": await setFlash({ kind: "success", message }) } });
  } catch (error) {
    if (!isAppError(error)) throw error;
    return json<ActionData>({ intent, message: error.userMessage, fieldErrors: error.fieldErrors, values }, { status: error.status });
  }
}

function formatTime(iso: string | null | undefined) {
  return iso ? new Date(iso).toLocaleString("en-GB", { timeZone: "UTC", dateStyle: "medium", timeStyle: "medium" }) + " UTC" : "—";
}

export default function Settings() {
  const { accounts, tokens, tokenRoles, worker, canManageAccounts, canWrite, me } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const createErrors = data?.intent === "create-account" ? data : undefined;
  const tokenResult = data?.intent === "create-token" || data?.intent === "revoke-token" ? data : undefined;
  return (
    <>
      <PageHeader title="Settings" description="Admin accounts, API tokens and the background worker." />
      <div className="space-y-6">
        <Card title="Admin accounts">
          {data && !["create-account", "create-token", "revoke-token"].includes(data.intent) ? (
            <div className="mb-4">
              <Alert>{data.message}</Alert>
            </div>
          ) : null}
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
                    <td className="py-2 pr-4">{a.disabledAt ? <StatusBadge tone="neutral">disabled</StatusBadge> : <StatusBadge tone="ok">active</StatusBadge>}</td>
                    {canManageAccounts ? (
                      <td className="py-2 text-right">
                        {a.email && !a.disabledAt && a.id !== me ? (
                          <Form
                            method="post"
                            onSubmit={(e) => {
                              if (!confirm(`Disable ${a.email}? Their sessions end at once.`)) e.preventDefault();
                            }}
                          >
                            <input type="hidden" name="intent" value="disable-account" />
                            <input type="hidden" name="id" value={a.id} />
                            <Button type="submit" variant="secondary" disabled={busy}>
                              Disable<span className="sr-only"> {a.email}</span>
                            </Button>
                          </Form>
                        ) : null}
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {canManageAccounts ? (
            <Form method="post" className="mt-6 grid gap-4 border-t border-slate-200 pt-6 sm:grid-cols-2" aria-label="Create an admin account">
              <h3 className="font-medium sm:col-span-2">Create an admin account</h3>
              {createErrors?.message ? (
                <div className="sm:col-span-2">
                  <Alert>{createErrors.message}</Alert>
                </div>
              ) : null}
              <input type="hidden" name="intent" value="create-account" />
              <Field label="Name" name="name" required defaultValue={createErrors?.values?.name} errors={createErrors?.fieldErrors?.name} />
              <Field label="Email" name="email" type="email" required defaultValue={createErrors?.values?.email} errors={createErrors?.fieldErrors?.email} />
              <div>
                <label htmlFor="field-role" className="block text-sm font-medium text-slate-800">Role</label>
                <select id="field-role" name="role" defaultValue={createErrors?.values?.role ?? "admin"} className="mt-1 block w-full rounded-md border-0 px-3 py-2 ring-1 ring-slate-300 ring-inset">
                  <option value="viewer">Viewer (read-only)</option>
                  <option value="admin">Admin</option>
                  <option value="owner">Owner (also manages accounts)</option>
                </select>
              </div>
              <Field label="Password" name="password" type="password" autoComplete="new-password" required minLength={12} hint="At least 12 characters." errors={createErrors?.fieldErrors?.password} />
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
          {tokenResult?.createdToken ? (
            <NewToken {...tokenResult.createdToken} />
          ) : tokenResult?.message && !tokenResult.fieldErrors ? (
            <div className="mb-4">
              <Alert>{tokenResult.message}</Alert>
            </div>
          ) : null}
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
                      <td className="py-2 pr-4">{t.createdByName}</td>
                      <td className="py-2 pr-4">{t.lastUsedAt ? formatTime(t.lastUsedAt) : "never"}</td>
                      <td className="py-2 pr-4">
                        {t.revokedAt ? <StatusBadge tone="neutral">revoked</StatusBadge> : <StatusBadge tone="ok">active</StatusBadge>}
                      </td>
                      {canWrite ? (
                        <td className="py-2 text-right">
                          {t.canRevoke ? (
                            <Form
                              method="post"
                              onSubmit={(e) => {
                                if (!confirm(`Revoke the API token "${t.name}"? Scripts using it are refused at once.`)) e.preventDefault();
                              }}
                            >
                              <input type="hidden" name="intent" value="revoke-token" />
                              <input type="hidden" name="id" value={t.id} />
                              <Button type="submit" variant="secondary" disabled={busy}>
                                Revoke<span className="sr-only"> {t.name}</span>
                              </Button>
                            </Form>
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
              key={tokenResult?.createdToken?.token ?? "create-token"}
              method="post"
              className="mt-6 grid gap-4 border-t border-slate-200 pt-6 sm:grid-cols-2"
              aria-label="Create an API token"
            >
              <h3 className="font-medium sm:col-span-2">Create an API token</h3>
              {tokenResult?.fieldErrors ? (
                <div className="sm:col-span-2">
                  <Alert>{tokenResult.message}</Alert>
                </div>
              ) : null}
              <input type="hidden" name="intent" value="create-token" />
              <Field
                label="Token name"
                id="token-name"
                name="name"
                required
               
                hint="Say what uses it, e.g. the deploy script."
                defaultValue={tokenResult?.fieldErrors ? tokenResult.values?.name : undefined}
                errors={tokenResult?.fieldErrors?.name}
              />
              <div>
                <label htmlFor="token-role" className="block text-sm font-medium text-slate-800">Token role</label>
                <select
                  id="token-role"
                  name="role"
                  defaultValue={tokenResult?.values?.role ?? "viewer"}
                  aria-describedby={tokenResult?.fieldErrors?.role ? "token-role-error" : undefined}
                  className="mt-1 block w-full rounded-md border-0 px-3 py-2 ring-1 ring-slate-300 ring-inset"
                >
                  {tokenRoles.map((role) => (
                    <option key={role} value={role}>
                      {role === "viewer" ? "Viewer (read-only)" : role === "admin" ? "Admin" : "Owner"}
                    </option>
                  ))}
                </select>
                {tokenResult?.fieldErrors?.role ? (
                  <p id="token-role-error" className="mt-1 text-sm text-red-700">{tokenResult.fieldErrors.role.join(". ")}</p>
                ) : null}
              </div>
              <div className="sm:col-span-2">
                <Button type="submit" disabled={busy}>Create token</Button>
              </div>
            </Form>
          ) : (
            <p className="mt-4 text-sm text-slate-600">Only admins and owners can create or revoke API tokens.</p>
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

/** The token just created, shown once with a copy button. */
function NewToken({ name, role, token }: { name: string; role: string; token: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <section aria-label="New API token" className="mb-4 rounded-md bg-emerald-50 p-4 text-sm text-emerald-950 ring-1 ring-emerald-600/30">
      <p className="font-medium">
        API token &quot;{name}&quot; created with the {role} role. Copy it now: it is shown only this once.
      </p>
      <div className="mt-2 flex gap-2">
        <input
          readOnly
          aria-label="New API token"
          value={token}
          onFocus={(e) => e.currentTarget.select()}
          className="block w-full rounded-md border-0 bg-white px-3 py-2 font-mono text-slate-900 ring-1 ring-slate-300 ring-inset"
        />
        <Button
          type="button"
          variant="secondary"
          onClick={() => {
            navigator.clipboard.writeText(token).then(
              () => setCopied(true),
              () => setCopied(false),
            );
          }}
        >
          {copied ? "Copied" : "Copy"}
        </Button>
      </div>
      <p className="mt-2 text-emerald-900">
        Use it as <code>Authorization: Bearer {token.slice(0, 10)}…</code>. Lost it? Revoke it and create another.
      </p>
    </section>
  );
}
