import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useLoaderData, useNavigation } from "@remix-run/react";
import { requireAdmin } from "~/auth/request.server";
import { formatTime } from "~/components/format";
import { Alert, Button, Card, EmptyState, Field, PageHeader, SelectField } from "~/components/ui";
import { isAppError } from "~/lib/errors";
import { listAuditEvents, type AuditEvent } from "~/services/audit.server";

export const meta: MetaFunction = () => [{ title: "Audit log · SaaS LiteLLM" }];

const PAGE_SIZE = 50;
const FRONT_DOORS = ["web", "trpc", "rest", "worker", "system"];
const ACTION_PREFIXES = ["organization.", "model-group.", "team.", "team.key.", "admin-account.", "api-token."];

export async function loader({ request }: LoaderFunctionArgs) {
  const { actor, headers } = await requireAdmin(request);
  const params = new URL(request.url).searchParams;
  const param = (name: string) => params.get(name)?.trim() || undefined;
  const filter = { action: param("action"), target: param("target"), via: param("via"), before: param("before") };
  let events: AuditEvent[] = [];
  let problem: string | null = null;
  try {
    // The search params stay loose text on purpose: the service refuses a bad `via` or `before` in its own words.
    events = await listAuditEvents(actor, { ...filter, limit: PAGE_SIZE } as Parameters<typeof listAuditEvents>[1]);
  } catch (error) {
    if (!isAppError(error) || error.code !== "BAD_REQUEST") throw error;
    problem = error.userMessage;
  }
  return json({ events, filter, problem, hasOlder: events.length === PAGE_SIZE }, { headers });
}

/** A link to the object an event is about, when it still has a page. */
function objectLink(event: AuditEvent): string | null {
  if (!event.target || event.action.endsWith(".delete")) return null;
  if (event.action.startsWith("organization.")) return `/admin/organizations/${event.target}`;
  if (event.action.startsWith("model-group.")) return `/admin/model-groups/${event.target}`;
  if (event.action.startsWith("team.")) return `/admin/teams/${event.target}`;
  return null;
}

function query(values: Record<string, string | undefined>) {
  const search = new URLSearchParams(Object.entries(values).filter((e): e is [string, string] => Boolean(e[1])));
  const text = search.toString();
  return text ? `?${text}` : "";
}

export default function AuditLog() {
  const { events, filter, problem, hasOlder } = useLoaderData<typeof loader>();
  const busy = useNavigation().state !== "idle";
  const filtered = Boolean(filter.action || filter.target || filter.via);
  return (
    <>
      <PageHeader title="Audit log" description="Every change an admin or the worker made, newest first: who, what, which object, through which front door." />
      <div className="space-y-6">
        <Card>
          <Form method="get" className="grid items-end gap-4 sm:grid-cols-4" aria-label="Filter the audit log">
            <div>
              <Field label="Action starts with" name="action" list="audit-actions" placeholder="team." defaultValue={filter.action ?? ""} />
              <datalist id="audit-actions">
                {ACTION_PREFIXES.map((p) => (
                  <option key={p} value={p} />
                ))}
              </datalist>
            </div>
            <Field label="Object id" name="target" placeholder="team-…" defaultValue={filter.target ?? ""} />
            <SelectField
              label="Front door"
              name="via"
              defaultValue={filter.via ?? ""}
              options={[{ value: "", label: "Any" }, ...FRONT_DOORS.map((d) => ({ value: d, label: d }))]}
            />
            <div className="flex gap-3">
              <Button type="submit" disabled={busy}>Filter</Button>
              {filtered || filter.before ? (
                <Link to="/admin/audit" className="self-center text-sm text-indigo-700 underline">
                  Clear
                </Link>
              ) : null}
            </div>
          </Form>
        </Card>

        {problem ? <Alert>{problem}</Alert> : null}

        {events.length === 0 && !problem ? (
          <EmptyState title={filtered || filter.before ? "No events match" : "Nothing recorded yet"}>
            {filtered || filter.before ? "Change or clear the filters." : "Changes to organizations, model groups, teams and accounts appear here."}
          </EmptyState>
        ) : events.length ? (
          <Card>
            {filter.before ? <p className="mb-3 text-sm text-slate-600">Events before {formatTime(filter.before)}.</p> : null}
            <div className="overflow-x-auto">
              <table className="min-w-full text-left text-sm">
                <caption className="sr-only">Audit events, newest first</caption>
                <thead className="text-slate-600">
                  <tr>
                    <th scope="col" className="py-2 pr-4 font-medium">Time (UTC)</th>
                    <th scope="col" className="py-2 pr-4 font-medium">Actor</th>
                    <th scope="col" className="py-2 pr-4 font-medium">Action</th>
                    <th scope="col" className="py-2 pr-4 font-medium">Object</th>
                    <th scope="col" className="py-2 pr-4 font-medium">Front door</th>
                    <th scope="col" className="py-2 font-medium">Details</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {events.map((e) => {
                    const to = objectLink(e);
                    return (
                      <tr key={e.id} className="align-top">
                        <td className="py-2 pr-4 whitespace-nowrap tabular-nums">
                          <time dateTime={e.at}>{formatTime(e.at).replace(" UTC", "")}</time>
                        </td>
                        <td className="min-w-32 py-2 pr-4">{e.actor}</td>
                        <td className="py-2 pr-4 font-mono whitespace-nowrap">{e.action}</td>
                        <td className="py-2 pr-4 font-mono text-xs whitespace-nowrap">
                          {e.target ? (
                            to ? (
                              <Link to={to} className="text-indigo-700 underline">
                                {e.target}
                              </Link>
                            ) : (
                              e.target
                            )
                          ) : (
                            "—"
                          )}
                        </td>
                        <td className="py-2 pr-4">{e.via}</td>
                        <td className="py-2">
                          {e.details ? (
                            <details>
                              <summary className="cursor-pointer text-indigo-700">
                                Show<span className="sr-only"> details of {e.action}</span>
                              </summary>
                              <pre className="mt-2 max-w-md overflow-x-auto rounded bg-slate-50 p-2 text-xs ring-1 ring-slate-200">{JSON.stringify(e.details, null, 2)}</pre>
                            </details>
                          ) : (
                            "—"
                          )}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
            <nav aria-label="Audit log pages" className="mt-4 flex gap-4 text-sm">
              {filter.before ? (
                <Link to={`/admin/audit${query({ ...filter, before: undefined })}`} className="text-indigo-700 underline">
                  Newest
                </Link>
              ) : null}
              {hasOlder ? (
                <Link to={`/admin/audit${query({ ...filter, before: events[events.length - 1].at })}`} className="text-indigo-700 underline">
                  Older
                </Link>
              ) : null}
            </nav>
          </Card>
        ) : null}
      </div>
    </>
  );
}

export { RouteErrorBoundary as ErrorBoundary } from "~/components/route-error";
