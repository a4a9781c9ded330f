/**
 * A web process for tests that must run several of them (test/web-process.ts): the REST and tRPC
 * resource routes (app/routes/api.$.ts, api.trpc.$.ts) and /healthz over node:http, in a process of
 * its own with the app's settings, pools and job sender. scripts/serve.ts serves the same route
 * modules from the Remix build; this one needs no build, so vitest can start it in a second.
 * Like serve.ts it listens on PORT and, unless API_PORT=off, on API_PORT (scripts/listeners.ts).
 */
import { randomUUID } from "node:crypto";
import http from "node:http";
import { apiOnly, listen } from "../scripts/listeners.ts";
import { closeBoss } from "~/jobs/boss.server";
import { closeDatabase } from "~/lib/db.server";
import { envOrExit } from "~/lib/env.server";
import { createLogger, logger, setLogger, withRequestId } from "~/lib/logger.server";
import * as rest from "~/routes/api.$";
import * as trpc from "~/routes/api.trpc.$";

const settings = envOrExit();
setLogger(createLogger({ name: "web", level: settings.LOG_LEVEL }));

type Route = { loader: (args: never) => Promise<Response> | Response; action: (args: never) => Promise<Response> | Response };

async function answer(req: http.IncomingMessage): Promise<Response> {
  const url = new URL(req.url ?? "/", `http://${req.headers.host ?? "localhost"}`);
  if (url.pathname === "/healthz") return new Response("ok");
  const route: Route | undefined = url.pathname.startsWith("/api/trpc/") ? trpc : url.pathname.startsWith("/api/") ? rest : undefined;
  if (!route) return Response.json({ error: { code: "NOT_FOUND", message: "Not found." } }, { status: 404 });
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
  const method = req.method ?? "GET";
  const request = new Request(url, { method, headers, body: method === "GET" || method === "HEAD" ? undefined : Buffer.concat(chunks) });
  const splat = url.pathname.replace(/^\/api\/(trpc\/)?/, "");
  const args = { request, params: { "*": splat }, context: { clientAddress: req.socket.remoteAddress ?? "unknown", requestId: randomUUID() } } as never;
  return method === "GET" || method === "HEAD" ? route.loader(args) : route.action(args);
}

const handler: http.RequestListener = (req, res) => {
  withRequestId(randomUUID(), () => {
    answer(req)
      .then(async (response) => {
        res.writeHead(response.status, Object.fromEntries(response.headers));
        res.end(Buffer.from(await response.arrayBuffer()));
      })
      .catch((error: unknown) => {
        logger().error({ err: error, path: req.url }, "unhandled request error");
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { code: "INTERNAL", message: "Something went wrong on our side." } }));
      });
  });
};
const server = http.createServer(handler);
const api = settings.API_PORT === null ? undefined : { port: settings.API_PORT, server: http.createServer(apiOnly(handler, settings.PORT)) };
try {
  if (api) {
    const apiPort = await listen(api.server, { port: api.port, host: settings.HOST, variable: "API_PORT" });
    logger().info({ apiPort }, `API listening on http://localhost:${apiPort}`);
  }
  await listen(server, { port: settings.PORT, host: settings.HOST, variable: "PORT" });
  logger().info({ port: settings.PORT, pid: process.pid }, "web server listening");
} catch (error) {
  logger().fatal(error instanceof Error ? error.message : String(error));
  logger().flush();
  process.exit(1);
}

async function shutdown() {
  for (const s of api ? [server, api.server] : [server]) {
    s.close();
    s.closeAllConnections();
  }
  await Promise.allSettled([closeBoss(), closeDatabase()]);
  logger().flush();
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown());
process.on("SIGINT", () => void shutdown());
