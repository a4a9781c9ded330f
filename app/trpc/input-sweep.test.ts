/**
 * Bad input is never a 5xx: every REST operation of /api/openapi.json (each path parameter, query
 * parameter and body field) and every tRPC procedure of the router (each input field) is sent
 * hostile values, as the master key, with real objects in the other fields. A new endpoint or
 * procedure is covered without anyone listing it here. NUL (and the other control characters) must
 * get a 400 naming the field; nothing may get a 5xx.
 */
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { getInputOutputParsers } from "trpc-to-openapi";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { clientAddress, masterActor, uniqueEmail } from "../../test/factories.ts";
import { rest } from "../../test/rest.ts";
import { TEST_MASTER_KEY } from "../../test/setup-db.ts";
import { createApiToken } from "~/services/api-tokens.server";
import { createModelGroup } from "~/services/model-groups.server";
import { createOrganization } from "~/services/organizations.server";
import { createPortalLink } from "~/services/portal.server";
import { createTeam } from "~/services/teams.server";
import { createWebhookEndpoint } from "~/services/webhooks.server";
import { createContext } from "./init.ts";
import { openApiDocument } from "./rest.server.ts";
import { appRouter } from "./router.ts";

const asMaster = { "x-admin-key": TEST_MASTER_KEY };

/** Values that broke, or could break, a handler: NUL and other controls, years PostgreSQL refuses, sizes, wrong types. */
const NUL_VALUES = ["\u0000", "a\u0000b", "\u0007bell", "tab\u001bescape"];
const OTHER_VALUES: unknown[] = ["0000-01-01", "275760-09-13", "-000001-01-01T00:00:00Z", "x".repeat(5000), "%00", "", -1, 1e308, 1e15, null, [], {}, true];
/** In a path segment or a query string, as a client would send them (percent-encoded). */
const NUL_SEGMENTS = ["%00", "a%00b", "%07"];
const OTHER_SEGMENTS = ["0000-01-01", "x".repeat(3000), "%ZZ", "%C3%28", "-1", "1e308", "%20"];

type Fixtures = Record<"organization_id" | "team_id" | "model_group_id" | "api_token_id" | "webhook_id" | "link_id" | "model_group_name", string>;
let fx: Fixtures;

beforeAll(async () => {
  const org = await createOrganization(masterActor, { name: "Sweep Org", litellm_organization_id: "sweep-org" });
  const group = await createModelGroup(masterActor, { name: "sweep-group", models: ["gpt-3.5-turbo"] });
  const team = await createTeam(masterActor, { name: "Sweep Team", organization_id: org.organization_id, model_groups: [group.name] }, { waitMs: 0 });
  const token = await createApiToken(masterActor, { name: "sweep token", role: "viewer" });
  const webhook = await createWebhookEndpoint(masterActor, { url: "https://example.com/sweep-hook" });
  const link = await createPortalLink(masterActor, { team_id: team.team_id });
  fx = {
    organization_id: org.organization_id,
    team_id: team.team_id,
    model_group_id: group.model_group_id,
    model_group_name: group.name,
    api_token_id: token.id,
    webhook_id: webhook.id,
    link_id: link.link_id,
  };
});

/** A valid-looking value for a field, by its name first (real ids), then by its type. */
function sampleByName(name: string, where: string): unknown {
  switch (name) {
    case "organization_id":
    case "team_id":
    case "model_group_id":
    case "link_id":
      return fx[name];
    case "id":
      if (where.includes("webhook-deliveries") || where.includes("replay")) return "no-such-delivery";
      if (where.includes("webhook")) return fx.webhook_id;
      if (where.includes("api-token") || where.includes("apiTokens")) return fx.api_token_id;
      return "no-such-id";
    case "model_groups":
      return [fx.model_group_name];
    case "models":
      return ["gpt-3.5-turbo"];
    case "url":
      return "https://example.com/sweep";
    case "email":
      return uniqueEmail("sweep");
    case "password":
      return "sweep-password-0123456789";
    default:
      return undefined;
  }
}

type JsonSchema = { type?: string | string[]; enum?: unknown[]; items?: JsonSchema; properties?: Record<string, JsonSchema>; required?: string[]; anyOf?: JsonSchema[]; oneOf?: JsonSchema[]; minimum?: number };

function sampleJson(schema: JsonSchema | undefined): unknown {
  if (!schema) return "sweep";
  if (schema.enum) return schema.enum[0];
  const alternative = schema.anyOf?.[0] ?? schema.oneOf?.[0];
  if (alternative) return sampleJson(alternative);
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  switch (type) {
    case "integer":
    case "number":
      return Math.max(1, schema.minimum ?? 1);
    case "boolean":
      return false;
    case "array":
      return [];
    case "object":
      return Object.fromEntries((schema.required ?? []).map((key) => [key, sampleByName(key, "") ?? sampleJson(schema.properties?.[key])]));
    default:
      return "sweep";
  }
}

function unwrap(schema: z.ZodTypeAny): z.ZodTypeAny {
  let s = schema;
  for (let i = 0; i < 10; i++) {
    if (s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s.unwrap();
    else if (s instanceof z.ZodDefault) s = s.removeDefault();
    else if (s instanceof z.ZodEffects) s = s.innerType();
    else if (s instanceof z.ZodCatch) s = s.removeCatch();
    else if (s instanceof z.ZodPipeline) s = s._def.in;
    else break;
  }
  return s;
}

function sampleZod(schema: z.ZodTypeAny): unknown {
  const s = unwrap(schema);
  if (s instanceof z.ZodEnum) return s.options[0];
  if (s instanceof z.ZodLiteral) return s.value;
  if (s instanceof z.ZodNumber) return 1;
  if (s instanceof z.ZodBoolean) return false;
  if (s instanceof z.ZodArray) return [];
  if (s instanceof z.ZodUnion) return sampleZod(s.options[0]);
  if (s instanceof z.ZodObject) return {};
  return "sweep";
}

type Answer = { status: number; text: string };
type Failure = { request: string; status: number; text: string };

function check(failures: Failure[], request: string, answer: Answer, field: string, nul: boolean) {
  if (answer.status >= 500) failures.push({ request, status: answer.status, text: answer.text.slice(0, 300) });
  else if (nul && (answer.status !== 400 || !answer.text.includes(field))) failures.push({ request: `${request} (NUL must be a 400 naming ${field})`, status: answer.status, text: answer.text.slice(0, 300) });
}

/** Deleting and revoking go last, so the fixtures stay for everything else. */
const destructiveLast = (a: string, b: string) => Number(/delete|revoke|disable/i.test(a)) - Number(/delete|revoke|disable/i.test(b));

describe("input sweep", () => {
  it("no REST operation of the OpenAPI document answers 5xx to bad input; NUL is a 400 naming the field", { timeout: 120_000 }, async () => {
    const document = openApiDocument("http://localhost");
    type Parameter = { name: string; in: "path" | "query"; schema?: JsonSchema };
    type Operation = { parameters?: Parameter[]; requestBody?: { content?: { "application/json"?: { schema?: JsonSchema } } } };
    const operations: Array<{ method: string; path: string; op: Operation }> = [];
    for (const [path, item] of Object.entries(document.paths ?? {})) {
      for (const [method, op] of Object.entries(item as Record<string, Operation>)) operations.push({ method: method.toUpperCase(), path, op });
    }
    operations.sort((a, b) => destructiveLast(a.path, b.path));
    expect(operations.length).toBeGreaterThan(30);

    const failures: Failure[] = [];
    let sent = 0;
    for (const { method, path, op } of operations) {
      const parameters = op.parameters ?? [];
      const bodySchema = op.requestBody?.content?.["application/json"]?.schema;
      const baseSegments = Object.fromEntries(parameters.filter((p) => p.in === "path").map((p) => [p.name, encodeURIComponent(String(sampleByName(p.name, path) ?? "sweep"))]));
      const baseBody = bodySchema ? (sampleJson(bodySchema) as Record<string, unknown>) : undefined;
      for (const key of Object.keys(baseBody ?? {})) baseBody![key] = sampleByName(key, path) ?? baseBody![key];

      const send = async (segments: Record<string, string>, query: string, body: unknown) => {
        const url = path.replace(/\{(\w+)\}/g, (_, name: string) => segments[name]!) + query;
        sent++;
        const answer = await rest(method, url, { headers: asMaster, ...(method !== "GET" && method !== "DELETE" ? { body: body ?? {} } : {}), from: clientAddress() });
        return { answer, label: `${method} ${url.slice(0, 120)}${body !== undefined ? ` ${JSON.stringify(body).slice(0, 120)}` : ""}` };
      };

      for (const p of parameters) {
        for (const value of [...NUL_SEGMENTS, ...OTHER_SEGMENTS]) {
          const nul = NUL_SEGMENTS.includes(value);
          const { answer, label } = p.in === "path" ? await send({ ...baseSegments, [p.name]: value }, "", baseBody) : await send(baseSegments, `?${p.name}=${value}`, baseBody);
          check(failures, label, answer, p.name, nul);
        }
      }
      for (const field of Object.keys(bodySchema?.properties ?? {})) {
        for (const value of [...NUL_VALUES, ...OTHER_VALUES]) {
          const nul = NUL_VALUES.includes(value as string);
          const { answer, label } = await send(baseSegments, "", { ...baseBody, [field]: value });
          check(failures, label, answer, field, nul);
        }
        const { answer, label } = await send(baseSegments, "", { ...baseBody, [field]: ["a\u0000b"] });
        check(failures, label, answer, field, true);
      }
    }
    expect(sent).toBeGreaterThan(500);
    expect(failures).toEqual([]);
  });

  it("no tRPC procedure of the router answers 5xx to bad input; NUL is a 400 naming the field", { timeout: 120_000 }, async () => {
    const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>).sort(([a], [b]) => destructiveLast(a, b));
    expect(procedures.length).toBeGreaterThan(40);

    const call = async (path: string, type: string, input: unknown): Promise<Answer> => {
      const url = new URL(`http://localhost/api/trpc/${path}`);
      if (type === "query") url.searchParams.set("input", JSON.stringify(input));
      const request = new Request(url, {
        method: type === "query" ? "GET" : "POST",
        headers: { "content-type": "application/json", ...asMaster },
        body: type === "query" ? undefined : JSON.stringify(input),
      });
      const from = clientAddress();
      const response = await fetchRequestHandler({ endpoint: "/api/trpc", req: request, router: appRouter, createContext: () => createContext(request, { requestId: "sweep", clientAddress: from }) });
      return { status: response.status, text: await response.text() };
    };

    const failures: Failure[] = [];
    let sent = 0;
    for (const [path, procedure] of procedures) {
      const type = procedure._def.type;
      const parser = getInputOutputParsers(procedure as never).inputParser as z.ZodTypeAny | undefined;
      const objectSchema = parser ? unwrap(parser) : undefined;
      const shape: Record<string, z.ZodTypeAny> = objectSchema instanceof z.ZodObject ? objectSchema.shape : {};
      const base: Record<string, unknown> = Object.fromEntries(Object.entries(shape).map(([key, field]) => [key, sampleByName(key, path) ?? sampleZod(field)]));

      const label = (input: unknown) => `${type} ${path} ${JSON.stringify(input).slice(0, 160)}`;
      for (const whole of ["\u0000", null, [], "x"]) {
        sent++;
        check(failures, label(whole), await call(path, type, whole), "", whole === "\u0000");
      }
      for (const field of Object.keys(shape)) {
        for (const value of [...NUL_VALUES, ...OTHER_VALUES]) {
          const input = { ...base, [field]: value };
          sent++;
          check(failures, label(input), await call(path, type, input), field, NUL_VALUES.includes(value as string));
        }
      }
    }
    expect(sent).toBeGreaterThan(500);
    expect(failures).toEqual([]);
  });
});
