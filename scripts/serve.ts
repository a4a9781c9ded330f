/**
 * The web process: Express serving the Remix build, with a request id and a JSON log line per request,
 * the same-origin check for state-changing requests, and a shutdown that closes every pool so the
 * process exits promptly on SIGTERM/SIGINT.
 */
import { randomUUID } from "node:crypto";
import http from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { createRequestHandler } from "@remix-run/express";
import { broadcastDevReady, type AppLoadContext, type ServerBuild } from "@remix-run/node";
import compression from "compression";
import express from "express";
import { isCrossSiteWrite } from "~/auth/origin.server";
import { closeBoss } from "~/jobs/boss.server";
import { closeDatabase } from "~/lib/db.server";
import { envOrExit } from "~/lib/env.server";
import { createLogger, logger, setLogger, withRequestId } from "~/lib/logger.server";
import { onParentExit } from "~/lib/parent-watch.server";
import { apiOnly, listen } from "./listeners.ts";
import { answerClientErrors } from "./client-errors.ts";
import { cspNonce, securityHeadersMiddleware } from "~/lib/security-headers.server";

const settings = envOrExit();
setLogger(createLogger({ name: "web", level: settings.LOG_LEVEL }));

const buildPath = path.resolve("build/index.js");
const build = (await import(pathToFileURL(buildPath).href)) as ServerBuild;

const app = express();
app.disable("x-powered-by");
app.set("trust proxy", settings.TRUST_PROXY);
app.use(compression());
// CSP with a per-request nonce, nosniff, no framing, same-origin referrers, HSTS in production, no-store on /api.
app.use(securityHeadersMiddleware({ production: settings.NODE_ENV === "production", devOrigin: settings.REMIX_DEV_ORIGIN }));

// Request id: taken from X-Request-Id when it looks sane, otherwise made here; echoed back and on every log line.
app.use((req, res, next) => {
  const given = req.get("x-request-id");
  const requestId = given && /^[\w.:-]{1,100}$/.test(given) ? given : randomUUID();
  res.setHeader("X-Request-Id", requestId);
  const started = performance.now();
  // Read now: a mounted middleware (express.static under /build) shortens req.path while it answers.
  const requestPath = req.path;
  withRequestId(requestId, () => {
    res.on("finish", () => {
      const line = {
        method: req.method,
        path: requestPath,
        status: res.statusCode,
        ms: Math.round(performance.now() - started),
        clientAddress: req.ip,
      };
      // Static files (scripts, styles, the favicon) and health probes only at debug.
      if (res.locals.staticAsset || requestPath.startsWith("/build/") || requestPath === "/healthz") logger().debug(line, "request");
      else logger().info(line, "request");
    });
    next();
  });
});

app.use((req, res, next) => {
  const host = settings.TRUST_PROXY ? (req.get("x-forwarded-host") ?? req.get("host")) : req.get("host");
  if (isCrossSiteWrite({ method: req.method, origin: req.get("origin") ?? null, host: host ?? null, cookie: req.get("cookie") ?? null })) {
    logger().warn({ origin: req.get("origin") ?? null, path: req.path }, "refused a cross-site write");
    res.status(403).json({ error: { code: "FORBIDDEN", message: "Cross-site request refused: submit this form from the admin panel itself." } });
    return;
  }
  next();
});

// Fingerprinted assets are immutable; everything else in public/ is cached briefly.
const markStatic = (res: express.Response) => void (res.locals.staticAsset = true);
app.use("/build", express.static("public/build", { immutable: true, maxAge: "1y", fallthrough: false, setHeaders: markStatic }));
app.use(express.static("public", { maxAge: "1h", setHeaders: markStatic }));

app.all(
  "*",
  createRequestHandler({
    build,
    // Production mode (no error details in pages) everywhere except under `npm run dev`.
    mode: settings.REMIX_DEV_ORIGIN ? "development" : "production",
    getLoadContext: (req, res): AppLoadContext => ({
      clientAddress: req.ip ?? req.socket.remoteAddress ?? "unknown",
      requestId: String(res.getHeader("X-Request-Id")),
      cspNonce: cspNonce(res),
    }),
  }),
);

// Errors that escape Remix (rare): a plain JSON 500 with the request id, never a stack trace.
app.use((error: unknown, req: express.Request, res: express.Response, _next: express.NextFunction) => {
  const status = (error as { status?: number }).status;
  if (status && status >= 400 && status < 500) {
    // e.g. a missing /build/ asset (an old page after a deploy): a plain 404, not an error.
    res.status(status).json({ error: { code: status === 404 ? "NOT_FOUND" : "BAD_REQUEST", message: status === 404 ? "Not found." : "Bad request." } });
    return;
  }
  logger().error({ err: error, path: req.path }, "unhandled request error");
  if (!res.headersSent) {
    res.status(500).json({ error: { code: "INTERNAL", message: `Something went wrong on our side. Quote request id ${res.getHeader("X-Request-Id")}.` } });
  }
});

// Everything on PORT; the API alone (the seed's SaaS API: /api/…, tRPC, OpenAPI) on API_PORT as well.
// API_PORT is bound first, so PORT answering /healthz means both are up.
const server = http.createServer(app);
const api = settings.API_PORT === null ? undefined : { port: settings.API_PORT, server: http.createServer(apiOnly(app, settings.PORT)) };
// A URL or headers over the limit get a 431 with our error body, not a reset connection.
for (const s of api ? [server, api.server] : [server]) answerClientErrors(s, http.maxHeaderSize);
try {
  if (api) {
    const apiPort = await listen(api.server, { port: api.port, host: settings.HOST, variable: "API_PORT" });
    logger().info({ apiPort }, `API listening on http://localhost:${apiPort}`);
  }
  await listen(server, { port: settings.PORT, host: settings.HOST, variable: "PORT" });
  logger().info({ port: settings.PORT }, `web server listening on http://localhost:${settings.PORT}`);
  if (settings.REMIX_DEV_ORIGIN) void broadcastDevReady(build);
} catch (error) {
  logger().fatal(error instanceof Error ? error.message : String(error));
  logger().flush();
  process.exit(1);
}

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger().info({ signal }, "web server stopping");
  const force = setTimeout(() => {
    logger().warn("web server did not stop within 8 s; exiting");
    process.exit(1);
  }, 8000);
  force.unref();
  // Finish requests in flight (at most 3 s), then close the pools.
  const servers = api ? [server, api.server] : [server];
  const closed = Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  for (const s of servers) s.closeIdleConnections();
  setTimeout(() => servers.forEach((s) => s.closeAllConnections()), 3000).unref();
  await closed;
  await Promise.allSettled([closeBoss(), closeDatabase()]);
  logger().info("web server stopped");
  logger().flush();
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGHUP", () => void shutdown("SIGHUP"));
// Started by `npm start` or npm: stop with it, whatever killed it.
onParentExit(() => void shutdown("parent exited"));
