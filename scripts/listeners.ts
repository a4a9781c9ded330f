/**
 * The web process's two listeners: PORT (admin panel, API, health) and API_PORT (the seed's SaaS API
 * on 8003: /api/… with tRPC and the OpenAPI document, and the health probes, nothing else). Used by
 * scripts/serve.ts and by the tests' web process (test/web-server.ts), so both behave alike.
 */
import type http from "node:http";
import type { AddressInfo } from "node:net";

/** What the API listener serves: REST, tRPC and the OpenAPI document under /api, and /healthz, /readyz. */
export function isApiPath(pathname: string): boolean {
  return pathname === "/api" || pathname.startsWith("/api/") || pathname === "/healthz" || pathname === "/readyz";
}

/** Only API paths reach `handler`; anything else is a JSON 404 that says where the admin panel is. */
export function apiOnly(handler: http.RequestListener, adminPort: number): http.RequestListener {
  return (req, res) => {
    const pathname = new URL(req.url ?? "/", "http://localhost").pathname;
    if (isApiPath(pathname)) {
      handler(req, res);
      return;
    }
    const message = `This port serves the API only (/api/…, tRPC at /api/trpc, the OpenAPI document at /api/openapi.json). The admin panel is on port ${adminPort}.`;
    res.writeHead(404, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" });
    res.end(JSON.stringify({ error: { code: "NOT_FOUND", message } }));
  };
}

/** What to say when `variable`'s port cannot be bound: which setting, and how to fix it. */
export function listenProblem(variable: "PORT" | "API_PORT", port: number, error: NodeJS.ErrnoException): string {
  const other = variable === "PORT" ? "PORT=3001" : "API_PORT=8004";
  const off = variable === "API_PORT" ? ", or API_PORT=off to serve the API on PORT only" : "";
  if (error.code === "EADDRINUSE") {
    return `${variable} ${port} is already in use. Stop whatever listens there, or set ${variable} to a free port (for example ${other})${off}.`;
  }
  if (error.code === "EACCES") return `${variable} ${port} may not be bound by this user (${error.code}). Set ${variable} to a port above 1023 (for example ${other})${off}.`;
  return `${variable} ${port} could not be bound (${error.code ?? error.message}). Set ${variable} to a free port (for example ${other})${off}.`;
}

/** Binds `server`; resolves with the port it got (the actual one for port 0), rejects with listenProblem's message. */
export function listen(server: http.Server, options: { port: number; host: string; variable: "PORT" | "API_PORT" }): Promise<number> {
  return new Promise((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => reject(new Error(listenProblem(options.variable, options.port, error)));
    server.once("error", failed);
    server.listen(options.port, options.host, () => {
      server.off("error", failed);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
