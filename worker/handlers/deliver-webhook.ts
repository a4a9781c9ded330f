import type { JobPayload } from "~/jobs/definitions";
import { attemptDelivery } from "~/services/webhooks.server";

/** One attempt at a webhook delivery; the service records it and schedules the retry (docs/webhooks.md). */
export async function handleDeliverWebhook(payload: JobPayload<"deliver-webhook">): Promise<void> {
  await attemptDelivery(payload.deliveryId, { replay: payload.replay });
}
