/** What the HTTP server hands every loader, action and resource route. */
export type RequestContext = { clientAddress: string; requestId: string };

declare module "@remix-run/node" {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- module augmentation: adds our fields to Remix's type
  interface AppLoadContext extends RequestContext {}
}

export function requestContext(context: unknown): RequestContext {
  const c = (context ?? {}) as Partial<RequestContext>;
  return { clientAddress: c.clientAddress ?? "unknown", requestId: c.requestId ?? "none" };
}
