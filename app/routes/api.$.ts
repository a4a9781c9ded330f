import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { requestContext } from "~/lib/context";
import { handleRestRequest } from "~/trpc/rest.server";

/**
 * REST under /api/* (tRPC keeps /api/trpc/*: Remix ranks that route's static segment higher), and the
 * OpenAPI document at /api/openapi.json. Both are generated from the tRPC router; see docs/api.md.
 */
function handle({ request, context }: LoaderFunctionArgs | ActionFunctionArgs) {
  return handleRestRequest(request, requestContext(context));
}

export const loader = handle;
export const action = handle;
