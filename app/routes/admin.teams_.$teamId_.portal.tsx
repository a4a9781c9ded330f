import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { requireAdmin } from "~/auth/request.server";
import { formatTime } from "~/components/format";
import { AdminRouteError } from "~/components/route-error";
import { Alert, Button, Card, EmptyState, Field, OnceSecret, PageHeader, SelectField, StatusBadge, Toast } from "~/components/ui";
import { setFlash } from "~/lib/flash.server";
import { formError, formText, formValues, throwAsResponse, type FormActionData } from "~/lib/forms.server";
import { can } from "~/auth/actor";
import { createPortalLink, listPortalLinks, revokePortalLink } from "~/services/portal/links.server";
import { getTeam } from "~/services/teams.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Customer portal access · ${data?.team.name ?? "Team"} · SaaS LiteLLM` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { actor, headers } = await requireAdmin(request);
  const [team, links] = await Promise.all([getTeam(actor, { team_id: params.teamId! }), listPortalLinks(actor, { team_id: params.teamId! })]).catch(throwAsResponse);
  return json({ team: { id: team.team_id, name: team.name, status: team.status }, links, canWrite: can(actor, "admin") }, { headers });
}

type ActionData = FormActionData | { intent: "created"; url: string; label: string; expiresAt: string };

export async function action({ request, params }: ActionFunctionArgs) {
  const { actor } = await requireAdmin(request);
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  const team_id = params.teamId;
  try {
    if (intent === "create") {
      // The form stays loose on purpose (and Remix types the route param as optional): the service refuses a bad expires_in or a missing team_id in its own words.
      const link = await createPortalLink(actor, { team_id, expires_in: String(form.get("expires_in") ?? "7d"), label: formText(form.get("label")) ?? "" } as Parameters<typeof createPortalLink>[1]);
      // The URL is in this answer only (never in a cookie or a redirect): only the token's hash is stored.
      const url = `${new URL(request.url).origin}${link.path}`;
      return json<ActionData>({ intent: "created", url, label: link.label, expiresAt: link.expires_at }, { headers: { "Cache-Control": "no-store" } });
    }
    if (intent === "revoke") {
      const link = await revokePortalLink(actor, { team_id, link_id: String(form.get("link_id") ?? "") } as Parameters<typeof revokePortalLink>[1]);
      return redirect(`/admin/teams/${team_id}/portal`, {
        headers: { "Set-Cookie": await setFlash({ kind: "success", message: `Portal link${link.label ? ` “${link.label}”` : ""} revoked: customers using it are signed out.` }) },
      });
    }
    return json<ActionData>({ intent, message: "Unknown action; reload the page and try again." }, { status: 400 });
  } catch (error) {
    return formError(intent, error, formValues(form));
  }
}

function CreatedLink({ url, expiresAt }: { url: string; expiresAt: string }) {
  return (
    <OnceSecret
      testId="created-portal-link"
      label="Portal link"
      value={url}
      what="the portal link"
      note={`Shown once: only its hash is kept. It works until ${formatTime(expiresAt)} or until you revoke it. Send it to the customer over a safe channel.`}
    />
  );
}

const EXPIRY_OPTIONS = [
  { value: "1d", label: "1 day" },
  { value: "7d", label: "7 days" },
  { value: "30d", label: "30 days" },
];

export default function TeamPortalAccess() {
  const { team, links, canWrite } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const created = data && data.intent === "created" && "url" in data ? data : null;
  const failed = data && "message" in data ? data : null;
  return (
    <div className="space-y-6">
      <p className="text-sm">
        <Link to={`/admin/teams/${team.id}`} className="text-indigo-700 underline">
          ← {team.name}
        </Link>
      </p>
      <PageHeader
        title="Customer portal access"
        description={`Links that open ${team.name}'s self-service portal (/portal) without the virtual key. Customers can also sign in there with the key itself.`}
      />
      {canWrite ? (
        <Card title="Create a portal link">
          <Form method="post" className="grid gap-4 sm:grid-cols-3" aria-label="Create a portal link">
            <input type="hidden" name="intent" value="create" />
            {failed?.intent === "create" ? (
              <div className="sm:col-span-3">
                <Alert>{failed.message}</Alert>
              </div>
            ) : null}
            <SelectField label="Expires after" name="expires_in" options={EXPIRY_OPTIONS} defaultValue="7d" errors={failed?.fieldErrors?.expires_in} />
            <Field label="Label (optional)" name="label" placeholder="Finance team" errors={failed?.fieldErrors?.label} />
            <div className="flex items-end">
              <Button type="submit" disabled={busy}>
                Create link
              </Button>
            </div>
          </Form>
          {created ? (
            <div className="mt-4">
              <CreatedLink url={created.url} expiresAt={created.expiresAt} />
            </div>
          ) : null}
        </Card>
      ) : (
        <Alert tone="warn">Viewers can see the links; an admin or owner creates and revokes them.</Alert>
      )}
      {failed?.intent === "revoke" ? <Alert>{failed.message}</Alert> : null}
      {links.length ? (
        <Card title="Portal links">
          <div className="relative overflow-x-auto">
            <table className="min-w-full text-left text-sm">
              <caption className="sr-only">Portal links of {team.name}, newest first</caption>
              <thead className="text-slate-600">
                <tr>
                  <th scope="col" className="py-2 pr-4 font-medium">Label</th>
                  <th scope="col" className="py-2 pr-4 font-medium">State</th>
                  <th scope="col" className="py-2 pr-4 font-medium">Created</th>
                  <th scope="col" className="py-2 pr-4 font-medium">Expires</th>
                  <th scope="col" className="py-2 pr-4 font-medium">Last used</th>
                  {canWrite ? <th scope="col" className="py-2 font-medium"><span className="sr-only">Actions</span></th> : null}
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {links.map((link) => (
                  <tr key={link.link_id} data-testid="portal-link-row">
                    <th scope="row" className="py-2 pr-4 font-medium">{link.label || "(no label)"}</th>
                    <td className="py-2 pr-4">
                      <StatusBadge tone={link.state === "active" ? "ok" : link.state === "expired" ? "neutral" : "bad"}>{link.state}</StatusBadge>
                    </td>
                    <td className="py-2 pr-4 whitespace-nowrap">{formatTime(link.created_at)}</td>
                    <td className="py-2 pr-4 whitespace-nowrap">{formatTime(link.expires_at)}</td>
                    <td className="py-2 pr-4 whitespace-nowrap">{link.last_used_at ? formatTime(link.last_used_at) : "never"}</td>
                    {canWrite ? (
                      <td className="py-2">
                        {link.state === "active" ? (
                          <Form
                            method="post"
                            onSubmit={(e) => {
                              if (!confirm(`Revoke the portal link${link.label ? ` “${link.label}”` : ""}? Customers signed in with it are signed out at once.`)) e.preventDefault();
                            }}
                          >
                            <input type="hidden" name="intent" value="revoke" />
                            <input type="hidden" name="link_id" value={link.link_id} />
                            <Button type="submit" variant="danger" disabled={busy}>
                              Revoke<span className="sr-only"> the link {link.label || "without a label"}</span>
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
        </Card>
      ) : (
        <EmptyState title="No portal links yet">
          {canWrite ? "Create one above to give the customer access to their usage without sharing the key." : "An admin or owner can create one."}
        </EmptyState>
      )}
      {created ? <Toast kind="success" message="Portal link created. Copy it now: it is shown only once." /> : null}
    </div>
  );
}

export function ErrorBoundary() {
  return <AdminRouteError backTo="/admin/teams" backLabel="Back to teams" />;
}
