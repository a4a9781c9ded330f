import { clientAddress } from "./factories.ts";
import { action, loader } from "~/routes/api.$";

export type RestCall = { headers?: Record<string, string>; body?: unknown; rawBody?: string; from?: string };

/** A real Request through the REST resource route (app/routes/api.$.ts), as Remix hands it over. */
export async function rest(method: string, path: string, init: RestCall = {}) {
  const headers: Record<string, string> = { ...(init.body !== undefined ? { "content-type": "application/json" } : {}), ...init.headers };
  const request = new Request(`http://localhost${path}`, { method, headers, body: init.body !== undefined ? JSON.stringify(init.body) : init.rawBody });
  const args = { request, params: { "*": path.replace(/^\/api\//, "").replace(/\?.*$/, "") }, context: { requestId: "test-request", clientAddress: init.from ?? clientAddress() } };
  const response = await (method === "GET" ? loader(args) : action(args));
  const text = await response.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: response.status, headers: response.headers, text, body: (text ? JSON.parse(text) : undefined) as any };
}
