import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { z } from "zod";
import type { Db } from "../../db/queries/types.ts";
import {
  claimDelivery,
  disableEndpoint,
  findDelivery,
  findEndpoint,
  insertDelivery,
  insertEndpoint,
  listDeliveries,
  listLiveEndpoints,
  updateDelivery,
  type DeliveryRow,
  type EndpointRow,
} from "../../db/queries/webhooks.ts";
import { checkWebhookTarget, postWebhook } from "~/integrations/webhooks/client.server";
import { sendJob } from "~/jobs/boss.server";
import { decryptSecret, encryptSecret } from "~/lib/crypto.server";
import { db, transaction } from "~/lib/db.server";
import { env } from "~/lib/env.server";
import { AppError } from "~/lib/errors";
import { logger } from "~/lib/logger.server";
import { parseInput } from "~/lib/validation";
import { requireRole, type Actor } from "~/auth/actor";
import { recordAudit } from "./audit.server.ts";
import { createEndpointSchema, WEBHOOK_EVENTS } from "./webhooks.schema.ts";

/**
 * Webhooks (docs/webhooks.md): endpoints with a secret, one delivery row per event and endpoint,
 * POSTed by the `deliver-webhook` job with a timestamp and an HMAC-SHA256 signature, retried with
 * backoff (the job sends itself again with `startAfter`) up to MAX_ATTEMPTS, every attempt's status
 * and response kept on the delivery, and a replay that sends it once more. Targets inside the
 * operator's network are refused when an endpoint is added and again at every attempt, unless
 * WEBHOOK_ALLOW_PRIVATE is on (app/integrations/webhooks/).
 */

export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];
export const MAX_ATTEMPTS = 8;
/** Wait before attempt n+1 after attempt n failed (seconds): 1 s, 5 s, 30 s, 2 min, 10 min, 30 min, 2 h. */
export const RETRY_DELAYS_SECONDS = [1, 5, 30, 120, 600, 1800, 7200];
const TIMEOUT_MS = 10_000;
const RESPONSE_LIMIT = 2048;
export const TIMESTAMP_HEADER = "X-SaaS-LiteLLM-Timestamp";
export const SIGNATURE_HEADER = "X-SaaS-LiteLLM-Signature";

export { createEndpointSchema, WEBHOOK_EVENTS };

export const endpointSchema = z.object({
  id: z.string(),
  url: z.string(),
  description: z.string(),
  events: z.array(z.string()),
  created_at: z.string(),
});
export type WebhookEndpoint = z.infer<typeof endpointSchema>;

export const deliverySchema = z.object({
  id: z.string(),
  endpoint_id: z.string(),
  event_type: z.string(),
  payload: z.record(z.unknown()),
  attempts: z.number(),
  status: z.enum(["pending", "delivered", "failed"]),
  last_status_code: z.number().nullable(),
  last_response: z.string().nullable(),
  next_attempt_at: z.string().nullable(),
  delivered_at: z.string().nullable(),
  created_at: z.string(),
});
export type WebhookDelivery = z.infer<typeof deliverySchema>;

const viewEndpoint = (row: EndpointRow): WebhookEndpoint => ({
  id: row.id,
  url: row.url,
  description: row.description,
  events: row.events,
  created_at: row.createdAt.toISOString(),
});

const viewDelivery = (row: DeliveryRow): WebhookDelivery => ({
  id: row.id,
  endpoint_id: row.endpointId,
  event_type: row.eventType,
  payload: row.payload,
  attempts: row.attempts,
  status: row.status,
  last_status_code: row.lastStatusCode,
  last_response: row.lastResponse,
  next_attempt_at: row.nextAttemptAt?.toISOString() ?? null,
  delivered_at: row.deliveredAt?.toISOString() ?? null,
  created_at: row.createdAt.toISOString(),
});

/** The signature of one delivery: hex HMAC-SHA256 of "<timestamp>.<body>" with the endpoint's secret. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
}

/** Whether the operator lets webhooks reach private targets (WEBHOOK_ALLOW_PRIVATE), for the Webhooks page. */
export function privateTargetsAllowed(): boolean {
  return env().WEBHOOK_ALLOW_PRIVATE;
}

/**
 * Refuses a URL that leads inside the operator's network (loopback, private, link-local, metadata,
 * …; the name resolved now), naming the url field and the fix. Deliveries check again when they connect.
 */
export async function requirePublicTarget(url: string): Promise<void> {
  const allowPrivate = env().WEBHOOK_ALLOW_PRIVATE;
  const refusal = await checkWebhookTarget(url, { allowPrivate });
  if (!refusal) return;
  if (refusal.kind === "lookup-failed") {
    throw new AppError("UNAVAILABLE", `Could not check where the url leads: ${refusal.reason}. Try again in a moment.`, { retryable: true });
  }
  const fix =
    refusal.kind === "unresolved"
      ? "Check the host name: webhooks are sent only to names that resolve."
      : "Use a public address, or have the operator set WEBHOOK_ALLOW_PRIVATE=true to allow private targets.";
  const message = `url ${refusal.kind === "unresolved" ? "cannot be reached" : "points inside the operator's network"}: ${refusal.reason}. ${fix}`;
  throw new AppError("BAD_REQUEST", message, { fieldErrors: { url: [message] } });
}

/** Creates an endpoint (admins). The secret is returned here only; it is stored encrypted. */
export async function createWebhookEndpoint(actor: Actor, input: z.input<typeof createEndpointSchema>): Promise<WebhookEndpoint & { secret: string }> {
  requireRole(actor, "admin", "add webhook endpoints");
  const values = parseInput(createEndpointSchema, input);
  await requirePublicTarget(values.url);
  const secret = `whsec_${randomBytes(24).toString("base64url")}`;
  const row = await transaction(async ({ tx }) => {
    const created = await insertEndpoint(tx, { id: randomUUID(), url: values.url, secret: encryptSecret(secret), description: values.description ?? "", events: values.events ?? [...WEBHOOK_EVENTS] });
    await recordAudit(tx, actor, "webhook.create", created.id, { after: { url: values.url, events: created.events } });
    return created;
  });
  return { ...viewEndpoint(row), secret };
}

export async function listWebhookEndpoints(actor: Actor): Promise<WebhookEndpoint[]> {
  requireRole(actor, "viewer", "see webhook endpoints");
  return (await listLiveEndpoints(db())).map(viewEndpoint);
}

export const deleteWebhookEndpointSchema = z.object({ id: z.string({ required_error: "Say which endpoint (id)" }).min(1) });

/** Deletes an endpoint: it gets no new events; its delivery log is kept (the row is disabled, not removed). */
export async function deleteWebhookEndpoint(actor: Actor, input: z.input<typeof deleteWebhookEndpointSchema>): Promise<{ deleted: true }> {
  requireRole(actor, "admin", "delete webhook endpoints");
  const { id } = parseInput(deleteWebhookEndpointSchema, input);
  await transaction(async ({ tx }) => {
    const row = await disableEndpoint(tx, id, new Date());
    if (!row) throw new AppError("NOT_FOUND", `No webhook endpoint has the id ${id}.`);
    await recordAudit(tx, actor, "webhook.delete", id, { before: { url: row.url } });
  });
  return { deleted: true };
}

export const listWebhookDeliveriesSchema = z.object({ id: z.string().min(1), limit: z.coerce.number().int().min(1).max(500).default(100) });

export async function listWebhookDeliveries(actor: Actor, input: z.input<typeof listWebhookDeliveriesSchema>): Promise<WebhookDelivery[]> {
  requireRole(actor, "viewer", "see webhook deliveries");
  const { id, limit } = parseInput(listWebhookDeliveriesSchema, input);
  return (await listDeliveries(db(), id, limit)).map(viewDelivery);
}

/**
 * Queues an event for every live endpoint that takes it, in the caller's transaction: a delivery
 * row and its job commit (or roll back) with the change that caused the event.
 */
export async function enqueueWebhookEvent(tx: Db, type: WebhookEvent, data: Record<string, unknown>, now = new Date()): Promise<number> {
  const endpoints = await listLiveEndpoints(tx);
  const eventId = `evt_${randomUUID()}`;
  let queued = 0;
  for (const endpoint of endpoints) {
    if (!endpoint.events.includes(type)) continue;
    const id = randomUUID();
    await insertDelivery(tx, { id, endpointId: endpoint.id, eventType: type, payload: { id: eventId, type, created_at: now.toISOString(), data }, nextAttemptAt: now });
    await sendJob("deliver-webhook", { deliveryId: id }, { tx });
    queued++;
  }
  return queued;
}

export const replayDeliverySchema = z.object({ id: z.string({ required_error: "Say which delivery (id)" }).min(1) });

/** Sends a delivery again (admins), whatever its state: one attempt, not retried. */
export async function replayDelivery(actor: Actor, input: z.input<typeof replayDeliverySchema>): Promise<WebhookDelivery> {
  requireRole(actor, "admin", "replay webhook deliveries");
  const { id } = parseInput(replayDeliverySchema, input);
  const row = await transaction(async ({ tx }) => {
    const updated = await updateDelivery(tx, id, { status: "pending", nextAttemptAt: new Date() });
    if (!updated) throw new AppError("NOT_FOUND", `No webhook delivery has the id ${id}.`);
    await sendJob("deliver-webhook", { deliveryId: id, replay: true }, { tx });
    await recordAudit(tx, actor, "webhook.replay", id);
    return updated;
  });
  return viewDelivery(row);
}

/**
 * One attempt at a delivery (the `deliver-webhook` job). A 2xx marks it delivered; anything else
 * (a 3xx, which is never followed, or no answer in 10 s) records the status and response and, while
 * attempts are left, sends the job again after the backoff. A target inside the operator's network
 * fails the delivery at once, unsent. A replay is a single attempt.
 */
export async function attemptDelivery(deliveryId: string, options: { replay?: boolean } = {}): Promise<DeliveryRow["status"] | "skipped"> {
  const delivery = await findDelivery(db(), deliveryId);
  if (!delivery || delivery.status !== "pending") return "skipped";
  const endpoint = await findEndpoint(db(), delivery.endpointId);
  if (!endpoint || endpoint.disabledAt) {
    await updateDelivery(db(), deliveryId, { status: "failed", lastResponse: "The endpoint was deleted.", nextAttemptAt: null });
    return "failed";
  }
  // Claim the attempt: a due delivery has a next attempt time, one being sent has none. Of two jobs
  // for one delivery at once (a replay while its retry comes due, on two workers or in one batch),
  // only the first to clear it sends; the other finds it cleared and sends nothing.
  const claimed = await claimDelivery(db(), deliveryId);
  if (!claimed) return "skipped";
  const body = JSON.stringify(delivery.payload);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = signWebhook(decryptSecret(endpoint.secret), timestamp, body);
  const result = await postWebhook(
    endpoint.url,
    {
      "content-type": "application/json",
      "user-agent": "SaaS-LiteLLM-Webhooks/1",
      [TIMESTAMP_HEADER]: timestamp,
      [SIGNATURE_HEADER]: `sha256=${signature}`,
    },
    body,
    { allowPrivate: env().WEBHOOK_ALLOW_PRIVATE, timeoutMs: TIMEOUT_MS, responseLimit: RESPONSE_LIMIT },
  );
  const attempts = claimed.attempts + 1;
  const ok = result.status !== null && result.status >= 200 && result.status < 300;
  // A refused target stays refused until the setting or the endpoint changes: no retries.
  const retry = !ok && !result.refused && !options.replay && attempts < MAX_ATTEMPTS;
  const nextAttemptAt = retry ? new Date(Date.now() + RETRY_DELAYS_SECONDS[Math.min(attempts - 1, RETRY_DELAYS_SECONDS.length - 1)]! * 1000) : null;
  const status = ok ? "delivered" : retry ? "pending" : "failed";
  await transaction(async ({ tx }) => {
    await updateDelivery(tx, deliveryId, { attempts, status, lastStatusCode: result.status, lastResponse: result.response, nextAttemptAt, deliveredAt: ok ? new Date() : null });
    if (retry) await sendJob("deliver-webhook", { deliveryId }, { tx, startAfter: nextAttemptAt! });
  });
  logger()[ok ? "info" : "warn"]({ deliveryId, endpointId: endpoint.id, attempts, statusCode: result.status, next: nextAttemptAt }, ok ? "webhook delivered" : "webhook delivery failed");
  return status;
}
