/**
 * The LiteLLM double: a real HTTP server (node:http) that follows the team's LiteLLM contract (see README.md here), for
 * tests, local development and benchmarks. See README.md beside this file.
 *
 *   const double = await startLiteLLMDouble({ masterKey: "sk-master", compat: "current" });
 *   await fetch(`${double.url}/team/new`, { method: "POST", headers: { Authorization: "Bearer sk-master" }, body: "{}" });
 *   await double.close();
 */
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { authenticate, type Route, type RouteContext } from "./auth.ts";
import { chatRoutes } from "./chat-routes.ts";
import { proxyException, ReplyError, type Reply } from "./errors.ts";
import { hookRoutes } from "./hook-routes.ts";
import { keyRoutes } from "./key-routes.ts";
import { modelRoutes } from "./model-routes.ts";
import { spendRoutes } from "./spend-routes.ts";
import { DoubleState, LITELLM_VERSION } from "./state.ts";
import { teamRoutes } from "./team-routes.ts";
import type { Fault, FaultKind, KeyRow, LiteLLMDouble, LiteLLMDoubleOptions, SpendLogRow, TeamRow } from "./types.ts";

export type * from "./types.ts";

/** Longer than any client timeout; released on close(). */
export const DEFAULT_HANG_MS = 30_000;
export const DEFAULT_BATCH_WRITE_INTERVAL_MS = 10_000;
const HOOK_PREFIX = "/_double/";
/** Requests remembered for `state.requests()`. */
const REQUEST_LOG_SIZE = 10_000;

type ActiveFault = { kind: FaultKind; remaining: number; hangMs: number };

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function matchRoute(routes: Route[], method: string, path: string): { route?: Route; params: Record<string, string>; pathKnown: boolean } {
  let pathKnown = false;
  for (const route of routes) {
    let params: Record<string, string> | null = null;
    if (typeof route.path === "string") params = route.path === path ? {} : null;
    else {
      const m = route.path.exec(path);
      params = m ? Object.fromEntries(Object.entries(m.groups ?? {}).map(([k, v]) => [k, decodeURIComponent(v)])) : null;
    }
    if (!params) continue;
    pathKnown = true;
    if (route.method === method) return { route, params, pathKnown };
  }
  return { params: {}, pathKnown };
}

function writeReply(res: ServerResponse, reply: Reply, version: string): void {
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    reply.onDone?.();
  };
  res.on("close", finish);
  const headers = { "x-litellm-version": version, ...reply.headers };
  if (reply.events) {
    res.writeHead(reply.status, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", ...headers });
    for (const event of reply.events) res.write(event);
    res.end();
    return;
  }
  const text = reply.body === undefined ? "" : JSON.stringify(reply.body);
  res.writeHead(reply.status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

export async function startLiteLLMDouble(options: LiteLLMDoubleOptions): Promise<LiteLLMDouble> {
  if (!options.masterKey) throw new Error("startLiteLLMDouble: masterKey is required");
  const state = new DoubleState(options);
  const version = LITELLM_VERSION[state.compat];
  const faults = new Map<string, ActiveFault>();
  const requestCounts = new Map<string, number>();
  let totalRequests = 0;
  const hangs = new Set<() => void>();
  let closed = false;

  const fault = (route: string, f: Fault) => {
    faults.set(route, { kind: f.kind, remaining: f.count ?? 1, hangMs: f.hangMs ?? DEFAULT_HANG_MS });
  };
  const takeFault = (path: string): ActiveFault | undefined => {
    const f = faults.get(path);
    if (!f) return undefined;
    f.remaining -= 1;
    if (f.remaining <= 0) faults.delete(path);
    return f;
  };
  /** Waits `ms`; resolves false when released early by close() or by the client going away. */
  const hang = (ms: number, socket: Socket) =>
    new Promise<boolean>((resolve) => {
      const release = (answer: boolean) => {
        clearTimeout(timer);
        hangs.delete(stop);
        socket.off("close", gone);
        resolve(answer);
      };
      const stop = () => release(false);
      const gone = () => release(false);
      const timer = setTimeout(() => release(!closed), ms);
      hangs.add(stop);
      socket.on("close", gone);
    });

  const double: LiteLLMDouble = {
    url: "",
    port: 0,
    compat: state.compat,
    flush: async () => state.flush(),
    clock: state.clock,
    runBudgetReset: async () => state.runBudgetReset(),
    fault,
    clearFaults: () => faults.clear(),
    state: {
      teams: (): TeamRow[] => structuredClone([...state.teams.values()]),
      keys: (): KeyRow[] => structuredClone([...state.keys.values()]),
      deletedKeys: () => structuredClone(state.deletedKeys),
      spendLogs: (): SpendLogRow[] => state.logs.all().map((l) => l.toRow()),
      requestCount: (route?: string) => (route === undefined ? totalRequests : (requestCounts.get(route) ?? 0)),
      softBudgetAlerts: () => structuredClone(state.alerts),
      requests: (route?: string) => state.requestLog.filter((r) => route === undefined || new URL(r.url, "http://double.invalid").pathname === route).map((r) => ({ ...r })),
    },
    seedSpendLogs: (rows) => void state.seedSpendLogs(rows),
    finishLongCall: (spec) => state.finishLongCall(spec),
    onSpendLogsRead: (hook) => {
      state.spendLogsReadHook = hook;
    },
    close: async () => {
      if (closed) return;
      closed = true;
      state.draining = true;
      clearInterval(batchTimer);
      if (resetTimer) clearInterval(resetTimer);
      for (const stop of [...hangs]) stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };

  const routes: Route[] = [
    ...keyRoutes,
    ...teamRoutes,
    ...chatRoutes,
    ...modelRoutes,
    ...spendRoutes,
    ...hookRoutes({ ...double, state, requestCounts: () => Object.fromEntries(requestCounts) }),
  ];

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://double.invalid");
    const path = url.pathname;
    const method = req.method ?? "GET";
    const isHook = path.startsWith(HOOK_PREFIX);
    if (!isHook) {
      totalRequests += 1;
      requestCounts.set(path, (requestCounts.get(path) ?? 0) + 1);
      state.requestLog.push({ method, url: req.url ?? "/" });
      if (state.requestLog.length > REQUEST_LOG_SIZE) state.requestLog.shift();
    }
    const active = isHook ? undefined : takeFault(path);
    if (active?.kind === "error500") {
      req.resume();
      const e = proxyException(500, "Internal Server Error (fault injected by the LiteLLM double)", "internal_server_error", "None");
      return writeReply(res, e.reply, version);
    }
    if (active?.kind === "hang" && !(await hang(active.hangMs, req.socket))) {
      req.socket.destroy();
      return;
    }

    const raw = await readBody(req);
    const { route, params, pathKnown } = matchRoute(routes, method, path);
    if (!route) return writeReply(res, { status: pathKnown ? 405 : 404, body: { detail: pathKnown ? "Method Not Allowed" : "Not Found" } }, version);
    let body: unknown;
    let bodyInvalid = false;
    if (raw.trim() !== "") {
      try {
        body = JSON.parse(raw);
      } catch {
        bodyInvalid = true;
      }
    }
    let reply: Reply;
    try {
      const caller = authenticate(state, req.headers, route.access, path);
      const ctx: RouteContext = { state, method, path, params, query: url.searchParams, body, bodyInvalid, caller, headers: req.headers };
      reply = await route.handler(ctx);
    } catch (error) {
      if (error instanceof ReplyError) reply = error.reply;
      else {
        process.stderr.write(`[litellm-double] ${method} ${path} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
        reply = proxyException(500, error instanceof Error ? error.message : String(error), "internal_server_error", "None").reply;
      }
    }
    if (active?.kind === "drop") {
      reply.onDone?.();
      req.socket.destroy();
      return;
    }
    writeReply(res, reply, version);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      process.stderr.write(`[litellm-double] ${String(error)}\n`);
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;

  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  double.port = port;
  double.url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;

  const batchTimer = setInterval(() => state.flush(), options.batchWriteIntervalMs ?? DEFAULT_BATCH_WRITE_INTERVAL_MS);
  batchTimer.unref();
  const resetTimer = options.budgetResetIntervalMs ? setInterval(() => state.runBudgetReset(), options.budgetResetIntervalMs) : undefined;
  resetTimer?.unref();
  return double;
}
