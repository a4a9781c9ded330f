import { TRPCError, type AnyTRPCRouter } from "@trpc/server";
import {
  forEachOpenApiProcedure,
  generateOpenApiDocument,
  getInputOutputParsers,
  getPathParameters,
  getPathRegExp,
  instanceofZodTypeKind,
  instanceofZodTypeLikeVoid,
  instanceofZodTypeObject,
  normalizePath,
  unwrapZodType,
  type OpenAPIObject,
  type OpenApiMethod,
  type OpenApiProcedureRecord,
  type OpenApiRouter,
} from "trpc-to-openapi";
import { z } from "zod";
import type { RequestContext } from "~/lib/context";
import { AppError, ERROR_CODES, errorCodeForTrpc, isAppError, toErrorBody, type ErrorCode } from "~/lib/errors";
import { logger } from "~/lib/logger.server";
import { createCallerFactory, createContext } from "./init.ts";
import { appRouter } from "./router.ts";

/**
 * The REST front door: every tRPC procedure with `.meta({ openapi: { method, path } })` answers at that
 * method and path, and /api/openapi.json describes them all. Both come from the router, so they cannot
 * drift apart. A REST call goes through the same context (authenticate()), middlewares and services as
 * a tRPC call. See docs/api.md.
 *
 * trpc-to-openapi (2.x, the line for zod 3) generates the document and supplies the route metadata;
 * its request handler is not used: it sets `coerce` on the procedures' own zod schemas (shared with
 * the services), so after one REST call `"false"` parses as `true` and `null` as `0` everywhere.
 * Query strings are converted here instead, without touching any schema. See docs/decisions/0002-rest-api.md.
 */

export const OPENAPI_PATH = "/api/openapi.json";
const DOCS_HINT = `The endpoints are listed in ${OPENAPI_PATH} (OpenAPI 3) and explained in docs/api.md; tRPC is at /api/trpc.`;
const MAX_BODY_BYTES = 1_000_000;

type Route = {
  method: OpenApiMethod;
  path: string;
  pattern: RegExp;
  procedurePath: string;
  /** The procedure's input schema; undefined or void-like when it takes no input. */
  input: z.ZodTypeAny | undefined;
};

type RouterInfo = { routes: Route[]; document: OpenAPIObject };
const cache = new WeakMap<AnyTRPCRouter, RouterInfo>();

/** The routes and the OpenAPI document of a router, built once. Throws (naming the procedure) on meta it cannot serve. */
function routerInfo(router: AnyTRPCRouter): RouterInfo {
  let info = cache.get(router);
  if (info) return info;
  const routes: Route[] = [];
  forEachOpenApiProcedure(router._def.procedures as OpenApiProcedureRecord, ({ path: procedurePath, type, procedure, meta }) => {
    const path = normalizePath(meta.openapi.path);
    if (!path.startsWith("/api/") || path.startsWith("/api/trpc/") || path === OPENAPI_PATH) {
      throw new Error(`[${procedurePath}] REST path "${path}" must start with /api/ and not be /api/trpc/… or ${OPENAPI_PATH}.`);
    }
    if (type === "subscription") throw new Error(`[${procedurePath}] subscriptions cannot have a REST endpoint.`);
    routes.push({ method: meta.openapi.method, path, pattern: getPathRegExp(path), procedurePath, input: getInputOutputParsers(procedure).inputParser });
  });
  // A path without parameters wins over one with (GET /api/teams/usage before GET /api/teams/{team_id}).
  routes.sort((a, b) => getPathParameters(a.path).length - getPathParameters(b.path).length);
  // Validates every annotated procedure (zod input object holding the path parameters, zod output, no duplicates).
  const document = withOurErrors(
    generateOpenApiDocument(router as OpenApiRouter, {
      title: "SaaS LiteLLM API",
      version: "1.0.0",
      description: `REST endpoints of the SaaS LiteLLM control plane, generated from its tRPC procedures. Authenticate with \`X-Admin-Key: <MASTER_KEY>\` or \`Authorization: Bearer <API token>\` (Settings → API tokens). Errors answer with the status from the error table and a body \`{"error": {"code", "message", "fieldErrors"?}}\`.`,
      baseUrl: "/",
      securitySchemes: {
        AdminKey: { type: "apiKey", in: "header", name: "X-Admin-Key", description: "The server's MASTER_KEY (acts as an owner)." },
        ApiToken: { type: "http", scheme: "bearer", description: "An admin API token, sla_…, created under Settings → API tokens." },
      },
    }),
  );
  info = { routes, document };
  cache.set(router, info);
  return info;
}

const ERROR_DESCRIPTIONS: Record<string, string> = {
  "400": "Invalid input: `fieldErrors` names each bad field and its fix",
  "401": "No credentials, or wrong ones",
  "403": "Your role may not do this (viewers are read-only)",
  "404": "No such object",
  "409": "Duplicate, or the object's state forbids the change",
  "429": "Too many failed credentials from your address; `retryAfterSeconds` says when to try again",
  "500": "A bug on our side: the message carries the request id to quote",
  "503": "A dependency (database, LiteLLM) is down; try again later",
};

type SchemaObject = NonNullable<NonNullable<OpenAPIObject["components"]>["schemas"]>[string];

const errorBodySchema: SchemaObject = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: {
        code: { type: "string", enum: Object.keys(ERROR_CODES) },
        message: { type: "string", description: "What went wrong and what to do" },
        fieldErrors: { type: "object", additionalProperties: { type: "array", items: { type: "string" } }, description: "Per input field (dotted path), its problems" },
        retryAfterSeconds: { type: "integer" },
      },
    },
  },
};

/** Our error body, not trpc-to-openapi's, on every error response; 429 where credentials are checked, 404 where the path names an object. */
function withOurErrors(document: OpenAPIObject): OpenAPIObject {
  const schemas = Object.fromEntries(Object.entries(document.components?.schemas ?? {}).filter(([name]) => !name.startsWith("error.")));
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const operation of Object.values(item as Record<string, { responses?: Record<string, unknown>; security?: unknown[] }>)) {
      if (!operation.responses) continue;
      if (operation.security?.length) operation.responses["429"] = {};
      if (path.includes("{")) operation.responses["404"] = {};
      for (const status of Object.keys(operation.responses)) {
        if (status.startsWith("2")) continue;
        operation.responses[status] = {
          description: ERROR_DESCRIPTIONS[status] ?? "Error",
          content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
        };
      }
    }
  }
  return { ...document, components: { ...document.components, schemas: { ...schemas, Error: errorBodySchema } } };
}

/** The OpenAPI document for a router, with this server as its server URL. */
export function openApiDocument(origin: string, router: AnyTRPCRouter = appRouter): OpenAPIObject {
  return { ...routerInfo(router).document, servers: [{ url: origin }] };
}

function json(status: number, body: unknown, headers: HeadersInit = {}): Response {
  const h = new Headers(headers);
  h.set("Content-Type", "application/json; charset=utf-8");
  h.set("Cache-Control", "no-store");
  return new Response(JSON.stringify(body), { status, headers: h });
}

function errorResponse(error: AppError, headers: HeadersInit = {}): Response {
  const h = new Headers(headers);
  if (error.retryAfterSeconds) h.set("Retry-After", String(error.retryAfterSeconds));
  return json(error.status, toErrorBody(error), h);
}

/** A query-string value as the field's schema expects it: numbers and booleans from text, lists from repeated keys. */
function fromQuery(field: z.ZodTypeAny | undefined, values: string[]): unknown {
  const schema = field ? unwrapZodType(field, true) : undefined;
  if (schema && instanceofZodTypeKind(schema, z.ZodFirstPartyTypeKind.ZodArray)) return values.map((v) => fromQuery(schema.element, [v]));
  const value = values.length === 1 ? values[0] : values;
  if (typeof value !== "string" || !schema) return value;
  if (instanceofZodTypeKind(schema, z.ZodFirstPartyTypeKind.ZodNumber) && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (instanceofZodTypeKind(schema, z.ZodFirstPartyTypeKind.ZodBoolean) && (value === "true" || value === "false")) return value === "true";
  return value;
}

async function readJsonBody(request: Request): Promise<unknown> {
  const text = await request.text();
  if (text.length > MAX_BODY_BYTES) throw new AppError("BAD_REQUEST", `The body is larger than ${MAX_BODY_BYTES} bytes.`);
  if (text.trim() === "") return {};
  // A body that parses as JSON is taken whatever its label: `curl -d '{…}'` without -H labels it
  // application/x-www-form-urlencoded (the seed's own credit example does). Only the error names the label.
  try {
    return JSON.parse(text);
  } catch {
    const type = request.headers.get("content-type");
    if (type && !/^application\/([\w.+-]+\+)?json\b/i.test(type)) {
      throw new AppError("BAD_REQUEST", `Send the body as JSON with \`Content-Type: application/json\` (got ${type}).`);
    }
    throw new AppError("BAD_REQUEST", "The body is not valid JSON. Send a JSON object with `Content-Type: application/json`.");
  }
}

async function restInput(route: Route, request: Request, url: URL, pathParams: Record<string, string>): Promise<unknown> {
  const schema = route.input ? unwrapZodType(route.input, true) : undefined;
  const takesInput = schema && !instanceofZodTypeLikeVoid(schema);
  if (route.method === "GET" || route.method === "DELETE") {
    if (!takesInput) return undefined;
    const shape = instanceofZodTypeObject(schema) ? schema.shape : {};
    const query: Record<string, unknown> = {};
    for (const key of new Set(url.searchParams.keys())) query[key] = fromQuery(shape[key], url.searchParams.getAll(key));
    return { ...query, ...pathParams };
  }
  const body = await readJsonBody(request);
  if (!takesInput) return undefined;
  if (Object.keys(pathParams).length === 0) return body;
  if (!body || typeof body !== "object" || Array.isArray(body)) throw new AppError("BAD_REQUEST", "Send the body as a JSON object.");
  return { ...body, ...pathParams };
}

/** Maps what a procedure call threw to the AppError the client sees (the one error table decides the status). */
function toAppError(error: unknown, requestId: string): AppError {
  if (isAppError(error)) return error;
  if (error instanceof TRPCError) {
    if (isAppError(error.cause)) return error.cause;
    const code: ErrorCode | undefined = errorCodeForTrpc(error.code);
    if (code && code !== "INTERNAL") return new AppError(code, error.message);
  }
  return new AppError("INTERNAL", `Something went wrong on our side. Quote request id ${requestId} when you report it.`, { cause: error });
}

/** Builds the handler for a router; `handleRestRequest` below serves the app's router. */
export function createRestHandler(router: AnyTRPCRouter) {
  const createCaller = createCallerFactory(router);
  return async function handle(request: Request, extra: RequestContext): Promise<Response> {
    const url = new URL(request.url);
    const method = request.method === "HEAD" ? "GET" : request.method.toUpperCase();
    const path = normalizePath(url.pathname);
    try {
      if (path === OPENAPI_PATH) {
        if (method !== "GET") throw new AppError("METHOD_NOT_ALLOWED", `${OPENAPI_PATH} answers GET only.`);
        return json(200, openApiDocument(url.origin, router));
      }
      const matches = routerInfo(router).routes.filter((r) => r.pattern.test(path));
      if (matches.length === 0) throw new AppError("NOT_FOUND", `No REST endpoint at ${method} ${path}. ${DOCS_HINT}`);
      const route = matches.find((r) => r.method === method);
      if (!route) {
        const allowed = [...new Set(matches.map((r) => r.method))].join(", ");
        return errorResponse(new AppError("METHOD_NOT_ALLOWED", `${path} does not answer ${method}; use ${allowed}. ${DOCS_HINT}`), { Allow: allowed });
      }
      const pathParams: Record<string, string> = {};
      for (const [key, value] of Object.entries(route.pattern.exec(path)?.groups ?? {})) {
        try {
          pathParams[key] = decodeURIComponent(value);
        } catch {
          throw new AppError("BAD_REQUEST", `The path segment for ${key} is not valid URL encoding.`);
        }
      }
      const input = await restInput(route, request, url, pathParams);
      const ctx = await createContext(request, { ...extra, via: "rest" });
      let procedure: unknown = createCaller(ctx);
      for (const segment of route.procedurePath.split(".")) procedure = (procedure as Record<string, unknown>)[segment];
      try {
        const data = await (procedure as (input: unknown) => Promise<unknown>)(input);
        return json(200, data ?? null, ctx.responseHeaders);
      } catch (error) {
        // The tRPC middleware has logged unexpected failures already.
        return errorResponse(toAppError(error, extra.requestId), ctx.responseHeaders);
      }
    } catch (error) {
      const appError = toAppError(error, extra.requestId);
      if (appError.code === "INTERNAL") logger().error({ err: error, path }, "REST request failed");
      return errorResponse(appError);
    }
  };
}

export const handleRestRequest = createRestHandler(appRouter);
