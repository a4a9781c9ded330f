import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { getFormProps } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { requireAdmin } from "~/auth/request.server";
import { formatTime } from "~/components/format";
import { Button, Card, Chip, ConfirmForm, Field, FormErrors, OnceSecret, PageHeader, StatusBadge } from "~/components/ui";
import { setFlash } from "~/lib/flash.server";
import { fieldProps, fieldValues, lastResultFor, useSchemaForm, type FormReply } from "~/lib/forms";
import { buttonSubmission, replyInvalid, replyUnknownIntent, replyWithAppError } from "~/lib/forms.server";
import { can } from "~/auth/actor";
import { createEndpointSchema, WEBHOOK_EVENTS } from "~/services/webhooks.schema";
import { createWebhookEndpoint, deleteWebhookEndpoint, listWebhookDeliveries, listWebhookEndpoints, privateTargetsAllowed, replayDelivery } from "~/services/webhooks.server";

export const meta: MetaFunction = () => [{ title: "Webhooks · SaaS LiteLLM" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { actor, headers } = await requireAdmin(request);
  const endpoints = await listWebhookEndpoints(actor);
  const withDeliveries = await Promise.all(endpoints.map(async (e) => ({ ...e, deliveries: await listWebhookDeliveries(actor, { id: e.id, limit: 20 }) })));
  return json({ endpoints: withDeliveries, events: [...WEBHOOK_EVENTS], canWrite: can(actor, "admin"), allowPrivate: privateTargetsAllowed() }, { headers });
}

/** The endpoint just added: its secret is shown once, right after creation; never stored anywhere in clear. */
type CreatedEndpoint = { url: string; secret: string };

export async function action({ request }: ActionFunctionArgs) {
  const { actor } = await requireAdmin(request);
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  if (intent === "create-endpoint") {
    const submission = parseWithZod(form, { schema: createEndpointSchema });
    if (submission.status !== "success") return replyInvalid(submission, { intent });
    try {
      const endpoint = await createWebhookEndpoint(actor, submission.value);
      const created: CreatedEndpoint = { url: endpoint.url, secret: endpoint.secret };
      return json<FormReply & { created: CreatedEndpoint }>({ intent, result: submission.reply({ resetForm: true }), created }, { headers: { "Cache-Control": "no-store" } });
    } catch (error) {
      return replyWithAppError(submission, error, { intent });
    }
  }
  // The buttons: their service parses the id (the form value stays loose on purpose; the service refuses a missing one in its own words).
  let message: string;
  try {
    if (intent === "delete-endpoint") {
      await deleteWebhookEndpoint(actor, { id: form.get("id") } as Parameters<typeof deleteWebhookEndpoint>[1]);
      message = "Endpoint deleted; it gets no new events.";
    } else if (intent === "replay") {
      await replayDelivery(actor, { id: form.get("id") } as Parameters<typeof replayDelivery>[1]);
      message = "Delivery sent again; its result appears below within seconds.";
    } else {
      return replyUnknownIntent(form, intent);
    }
  } catch (error) {
    return replyWithAppError(buttonSubmission(form), error, { intent });
  }
  return redirect("/admin/webhooks", { headers: { "Set-Cookie": await setFlash({ kind: "success", message }) } });
}

const tone = (status: string) => (status === "delivered" ? "ok" : status === "pending" ? "warn" : "bad");

export default function Webhooks() {
  const { endpoints, events, canWrite, allowPrivate } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const created = (data as { created?: CreatedEndpoint } | undefined)?.created ?? null;
  const [form, fields] = useSchemaForm(createEndpointSchema, { id: "create-endpoint", lastResult: lastResultFor(data, "create-endpoint") });
  const checkedEvents = fields.events.initialValue === undefined ? events : fieldValues(fields.events);
  const buttonErrors = [...(lastResultFor(data, "delete-endpoint")?.error?.[""] ?? []), ...(lastResultFor(data, "replay")?.error?.[""] ?? [])];
  return (
    <>
      <PageHeader title="Webhooks" description="Budget alerts POSTed to your endpoints, signed with HMAC-SHA256 (docs/webhooks.md)." />
      <div className="space-y-6">
        <FormErrors errors={buttonErrors} />
        {created ? (
          <OnceSecret
            testId="webhook-secret"
            label="Signing secret"
            what="the signing secret"
            value={created.secret}
            title={`Endpoint ${created.url} added. Copy its signing secret now: it is not shown again.`}
            note="Receivers check each delivery's X-SaaS-LiteLLM-Signature with it (docs/webhooks.md). Lost it? Delete the endpoint and add it again."
          />
        ) : null}

        {canWrite ? (
          <Card title="Add an endpoint">
            <Form key={created?.secret ?? "create-endpoint"} method="post" className="grid gap-4 sm:grid-cols-2" aria-label="Add a webhook endpoint" {...getFormProps(form)}>
              <FormErrors id={form.errorId} errors={form.errors} className="sm:col-span-2" />
              <input type="hidden" name="intent" value="create-endpoint" />
              <p className="text-sm text-slate-600 sm:col-span-2" data-testid="webhook-targets">
                {allowPrivate ? (
                  <>
                    This install allows private targets (<code>WEBHOOK_ALLOW_PRIVATE=true</code>): endpoints may be on loopback, private or
                    link-local addresses, inside your network. Redirects are not followed.
                  </>
                ) : (
                  <>
                    Endpoints must be public: URLs that lead to loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local or cloud
                    metadata (169.254.169.254), carrier-grade NAT, multicast or unspecified addresses are refused, here and again at every
                    delivery, on the address the name resolves to then. Redirects are not followed. The operator can allow private targets with{" "}
                    <code>WEBHOOK_ALLOW_PRIVATE=true</code>.
                  </>
                )}
              </p>
              <Field label="URL" type="url" required placeholder="https://example.com/hooks/budget" {...fieldProps(fields.url)} />
              <Field label="Description" {...fieldProps(fields.description)} />
              <fieldset className="sm:col-span-2">
                <legend className="text-sm font-medium text-slate-800">Events</legend>
                <div className="mt-1 flex flex-wrap gap-4 text-sm">
                  {events.map((event) => (
                    <label key={event} className="flex items-center gap-2">
                      <input type="checkbox" name={fields.events.name} value={event} defaultChecked={checkedEvents.includes(event)} />
                      <code>{event}</code>
                    </label>
                  ))}
                </div>
                {fields.events.errors ? <p className="mt-1 text-sm text-red-700">{fields.events.errors.join(". ")}</p> : null}
              </fieldset>
              <div className="sm:col-span-2">
                <Button type="submit" disabled={busy}>
                  Add endpoint
                </Button>
              </div>
            </Form>
          </Card>
        ) : null}

        {endpoints.length === 0 ? <p className="text-sm text-slate-600">No endpoints yet.</p> : null}
        {endpoints.map((endpoint) => (
          <Card
            key={endpoint.id}
            title={endpoint.url}
            actions={
              canWrite ? (
                <ConfirmForm
                  intent="delete-endpoint"
                  values={{ id: endpoint.id }}
                  question={`Delete the endpoint ${endpoint.url}? It gets no new events.`}
                  variant="danger"
                  disabled={busy}
                >
                  Delete<span className="sr-only"> {endpoint.url}</span>
                </ConfirmForm>
              ) : null
            }
          >
            <p className="text-sm text-slate-600">
              {endpoint.description ? `${endpoint.description} · ` : ""}
              {endpoint.events.map((e) => (
                <Chip key={e}>{e}</Chip>
              ))}{" "}
              · added {formatTime(endpoint.created_at)}
            </p>
            {endpoint.deliveries.length ? (
              <div className="mt-4 overflow-x-auto">
                <table className="min-w-full text-left text-sm">
                  <caption className="sr-only">Latest deliveries to {endpoint.url}</caption>
                  <thead className="text-slate-600">
                    <tr>
                      <th scope="col" className="py-2 pr-4 font-medium">Event</th>
                      <th scope="col" className="py-2 pr-4 font-medium">Created</th>
                      <th scope="col" className="py-2 pr-4 font-medium">Status</th>
                      <th scope="col" className="py-2 pr-4 font-medium">Attempts</th>
                      <th scope="col" className="py-2 pr-4 font-medium">Last response</th>
                      {canWrite ? <th scope="col" className="py-2 font-medium"><span className="sr-only">Actions</span></th> : null}
                    </tr>
                  </thead>
                  <tbody className="divide-y divide-slate-100">
                    {endpoint.deliveries.map((d) => (
                      <tr key={d.id}>
                        <td className="py-2 pr-4">
                          <code>{d.event_type}</code>
                          {typeof (d.payload.data as { team_name?: unknown } | undefined)?.team_name === "string" ? (
                            <span className="block text-xs text-slate-600">
                              {(d.payload.data as { team_name: string; threshold_percent?: number }).team_name} · {(d.payload.data as { threshold_percent?: number }).threshold_percent} %
                            </span>
                          ) : null}
                        </td>
                        <td className="py-2 pr-4">{formatTime(d.created_at)}</td>
                        <td className="py-2 pr-4">
                          <StatusBadge tone={tone(d.status)}>{d.status}</StatusBadge>
                          {d.status === "pending" && d.next_attempt_at ? <span className="block text-xs text-slate-600">next {formatTime(d.next_attempt_at)}</span> : null}
                        </td>
                        <td className="py-2 pr-4">{d.attempts}</td>
                        <td className="max-w-md py-2 pr-4">
                          {d.last_status_code ?? (d.attempts ? "no response" : "—")}
                          {d.last_response ? <pre className="mt-1 max-h-24 overflow-auto text-xs whitespace-pre-wrap text-slate-700">{d.last_response}</pre> : null}
                        </td>
                        {canWrite ? (
                          <td className="py-2 text-right">
                            <Form method="post">
                              <input type="hidden" name="intent" value="replay" />
                              <input type="hidden" name="id" value={d.id} />
                              <Button type="submit" variant="secondary" disabled={busy}>
                                Replay<span className="sr-only"> delivery {d.id}</span>
                              </Button>
                            </Form>
                          </td>
                        ) : null}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : (
              <p className="mt-4 text-sm text-slate-600">No deliveries yet.</p>
            )}
          </Card>
        ))}
      </div>
    </>
  );
}

export { RouteErrorBoundary as ErrorBoundary } from "~/components/route-error";
