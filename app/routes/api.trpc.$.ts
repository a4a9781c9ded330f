import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { requestContext } from "~/lib/context";
import { appRouter } from "~/trpc/router";
import { createContext } from "~/trpc/init";

function handle({ request, context }: LoaderFunctionArgs | ActionFunctionArgs) {
  const extra = requestContext(context);
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req: request,
    router: appRouter,
    createContext: () => createContext(request, extra),
    responseMeta({ ctx }) {
      return ctx ? { headers: ctx.responseHeaders } : {};
    },
  });
}

export const loader = handle;
export const action = handle;
