import { z } from "zod";
import {
  createEndpointSchema,
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  deliverySchema,
  endpointSchema,
  listWebhookDeliveries,
  listWebhookEndpoints,
  replayDelivery,
} from "~/services/webhooks.server";
import { adminProcedure, router } from "../init.ts";

const tags = ["webhooks"];

export const webhooksRouter = router({
  list: adminProcedure
    .meta({ openapi: { method: "GET", path: "/api/webhooks", tags, summary: "Webhook endpoints (secrets are never shown again)" } })
    .input(z.object({}).optional())
    .output(z.array(endpointSchema))
    .query(({ ctx }) => listWebhookEndpoints(ctx.actor)),
  create: adminProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/api/webhooks",
        tags,
        summary: "Add a webhook endpoint; the response holds its signing secret, shown this once",
        description: "Body `{\"url\": \"https://example.com/hooks\", \"description\": \"…\", \"events\": [\"budget.threshold_crossed\", \"budget.threshold_resolved\"]}`. A URL that leads inside the operator's network (loopback, private, link-local, cloud metadata, …) is refused with a 400 on `url` unless WEBHOOK_ALLOW_PRIVATE=true. docs/webhooks.md explains the targets and the signature.",
      },
    })
    .input(createEndpointSchema)
    .output(endpointSchema.extend({ secret: z.string() }))
    .mutation(({ ctx, input }) => createWebhookEndpoint(ctx.actor, input)),
  delete: adminProcedure
    .meta({ openapi: { method: "POST", path: "/api/webhooks/{id}/delete", tags, summary: "Delete a webhook endpoint (its delivery log is kept)" } })
    .input(z.object({ id: z.string().min(1) }))
    .output(z.object({ deleted: z.literal(true) }))
    .mutation(({ ctx, input }) => deleteWebhookEndpoint(ctx.actor, input)),
  deliveries: adminProcedure
    .meta({ openapi: { method: "GET", path: "/api/webhooks/{id}/deliveries", tags, summary: "An endpoint's delivery log: attempts, status, last status code and response, newest first" } })
    .input(z.object({ id: z.string().min(1), limit: z.coerce.number().int().min(1).max(500).optional() }))
    .output(z.array(deliverySchema))
    .query(({ ctx, input }) => listWebhookDeliveries(ctx.actor, input)),
  replay: adminProcedure
    .meta({ openapi: { method: "POST", path: "/api/webhook-deliveries/{id}/replay", tags, summary: "Send a delivery again (one attempt, signed anew)" } })
    .input(z.object({ id: z.string().min(1) }))
    .output(deliverySchema)
    .mutation(({ ctx, input }) => replayDelivery(ctx.actor, input)),
});
