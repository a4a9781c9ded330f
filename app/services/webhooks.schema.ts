import { z } from "zod";

/**
 * What the webhooks service takes as input.
 * Client-safe (zod only), so forms validate in the browser with the very schema the service parses.
 */

export const WEBHOOK_EVENTS = ["budget.threshold_crossed", "budget.threshold_resolved", "job.completed", "job.failed", "job.abandoned", "statement.ready"] as const;

export const createEndpointSchema = z.object({
  url: z
    .string({ required_error: "Give the URL to POST events to" })
    .trim()
    .url("url must be an http(s) URL, e.g. https://example.com/hooks/budget")
    .refine((u) => /^https?:\/\//i.test(u), "url must start with http:// or https://"),
  description: z.string().trim().max(200, "Use at most 200 characters").optional(),
  events: z.array(z.enum(WEBHOOK_EVENTS)).min(1, "Choose at least one event").optional(),
});
