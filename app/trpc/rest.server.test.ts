import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { auditEvents } from "../../db/schema/index.ts";
import { clientAddress, uniqueEmail } from "../../test/factories.ts";
import { rest } from "../../test/rest.ts";
import { TEST_MASTER_KEY } from "../../test/setup-db.ts";
import { db } from "~/lib/db.server";
import { adminProcedure, publicProcedure, router } from "./init.ts";
import { createRestHandler, openApiDocument } from "./rest.server.ts";

type ErrorBody = { error: { code: string; message: string; fieldErrors?: Record<string, string[]> } };
const asMaster = { "x-admin-key": TEST_MASTER_KEY };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function createToken(role: "owner" | "admin" | "viewer", name = `${role} script`) {
  const res = await rest("POST", "/api/api-tokens", { headers: asMaster, body: { name, role } });
  expect(res.status).toBe(200);
  return res.body as { id: string; token: string; prefix: string; role: string };
}

describe("REST API", () => {
  it("accepts X-Admin-Key and refuses a wrong one with 401 and the error shape", async () => {
    const ok = await rest("GET", "/api/me", { headers: asMaster });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ id: "master", name: "Master key", email: null, role: "owner" });
    expect(ok.headers.get("content-type")).toMatch(/^application\/json/);

    const wrong = await rest("GET", "/api/me", { headers: { "x-admin-key": "sk-admin-guess" } });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ error: { code: "UNAUTHORIZED", message: "The X-Admin-Key header is not the MASTER_KEY of this server." } });

    const none = await rest("GET", "/api/models");
    expect(none.status).toBe(401);
    expect((none.body as ErrorBody).error.message).toMatch(/Sign in first.*Authorization: Bearer/);
  });

  it("serves procedures that read through LiteLLM (models) and the database (admins)", async () => {
    const models = await rest("GET", "/api/models", { headers: asMaster });
    expect(models.status).toBe(200);
    expect(models.body).toEqual(expect.any(Array));
    const admins = await rest("GET", "/api/admins", { headers: asMaster });
    expect(admins.body).toContainEqual(expect.objectContaining({ id: "master", role: "owner", created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) }));
  });

  it("a Bearer API token works until it is revoked; its calls are audited as REST by its creator", async () => {
    const created = await createToken("admin");
    expect(created.token).toMatch(/^sla_[A-Za-z0-9_-]{32}$/);

    const me = await rest("GET", "/api/me", { headers: bearer(created.token) });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: "master", role: "admin" });

    const listed = await rest("GET", "/api/api-tokens", { headers: bearer(created.token) });
    expect(listed.body).toContainEqual(expect.objectContaining({ id: created.id, prefix: created.prefix, last_used_at: expect.any(String), revoked_at: null }));
    expect(listed.text).not.toContain(created.token);

    // A revoke is a POST with the id in the path and no body.
    const revoked = await rest("POST", `/api/api-tokens/${created.id}/revoke`, { headers: asMaster });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id: created.id, revoked_at: expect.any(String) });

    const refused = await rest("GET", "/api/me", { headers: bearer(created.token) });
    expect(refused.status).toBe(401);
    expect((refused.body as ErrorBody).error).toMatchObject({ code: "UNAUTHORIZED", message: expect.stringMatching(/was revoked/) });

    const again = await rest("POST", `/api/api-tokens/${created.id}/revoke`, { headers: asMaster });
    expect(again.status).toBe(409);
    const missing = await rest("POST", "/api/api-tokens/no-such-id/revoke", { headers: asMaster });
    expect(missing.status).toBe(404);

    const audit = await db().select().from(auditEvents).where(eq(auditEvents.target, created.id));
    expect(audit.map((e) => [e.action, e.via, e.actorId]).sort()).toEqual([
      ["api-token.create", "rest", "master"],
      ["api-token.revoke", "rest", "master"],
    ]);
  });

  it("a viewer-role token reads but is refused a write with 403", async () => {
    const { token } = await createToken("viewer");
    expect((await rest("GET", "/api/admins", { headers: bearer(token) })).status).toBe(200);
    const write = await rest("POST", "/api/admins", {
      headers: bearer(token),
      body: { email: uniqueEmail("nope"), name: "Nope", role: "viewer", password: "a long password" },
    });
    expect(write.status).toBe(403);
    expect((write.body as ErrorBody).error).toMatchObject({ code: "FORBIDDEN", message: expect.stringMatching(/Viewers have read-only access/) });
  });

  it("answers bad input with 400 and fieldErrors naming each field, never a stack trace", async () => {
    const res = await rest("POST", "/api/admins", { headers: asMaster, body: { email: "nope", role: "admin" } });
    expect(res.status).toBe(400);
    const { error } = res.body as ErrorBody;
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.fieldErrors).toMatchObject({ email: [expect.any(String)], name: [expect.any(String)], password: [expect.any(String)] });
    expect(res.text).not.toMatch(/stack|\.ts:\d+|ZodError/);

    const role = await rest("POST", "/api/api-tokens", { headers: asMaster, body: { name: "x", role: "root" } });
    expect(role.status).toBe(400);
    expect((role.body as ErrorBody).error.fieldErrors).toEqual({ role: ["Choose owner, admin or viewer"] });

    const notJson = await rest("POST", "/api/api-tokens", { headers: { ...asMaster, "content-type": "application/json" }, rawBody: "{name:" });
    expect(notJson.status).toBe(400);
    expect((notJson.body as ErrorBody).error.message).toMatch(/not valid JSON/);

    const form = await rest("POST", "/api/api-tokens", { headers: { ...asMaster, "content-type": "application/x-www-form-urlencoded" }, rawBody: "name=x&role=viewer" });
    expect(form.status).toBe(400);
    expect((form.body as ErrorBody).error.message).toBe("Send the body as JSON with `Content-Type: application/json` (got application/x-www-form-urlencoded).");
  });

  it("takes a JSON body whatever its label, as `curl -d` without a Content-Type sends it", async () => {
    for (const type of ["application/x-www-form-urlencoded", "text/plain;charset=UTF-8"]) {
      const created = await rest("POST", "/api/api-tokens", { headers: { ...asMaster, "content-type": type }, rawBody: `{"name": "labelled ${type}", "role": "viewer"}` });
      expect(created.status).toBe(200);
      expect(created.body).toMatchObject({ name: `labelled ${type}`, role: "viewer" });
    }
  });

  it("creates an admin account over REST that can then be listed", async () => {
    const email = uniqueEmail("rest");
    const created = await rest("POST", "/api/admins", { headers: asMaster, body: { email, name: "By REST", role: "viewer", password: "a long password" } });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ email, role: "viewer", disabled_at: null });
    expect(created.text).not.toContain("password");
    const duplicate = await rest("POST", "/api/admins", { headers: asMaster, body: { email, name: "Again", role: "viewer", password: "a long password" } });
    expect(duplicate.status).toBe(409);
  });

  it("answers an unknown path with a 404 that says where the docs are, and a wrong method with 405", async () => {
    const unknown = await rest("GET", "/api/nothing-here", { headers: asMaster });
    expect(unknown.status).toBe(404);
    expect((unknown.body as ErrorBody).error).toMatchObject({ code: "NOT_FOUND", message: expect.stringContaining("/api/openapi.json") });

    const wrongMethod = await rest("DELETE", "/api/me", { headers: asMaster });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("allow")).toBe("GET");
    expect((wrongMethod.body as ErrorBody).error.code).toBe("METHOD_NOT_ALLOWED");
    expect((await rest("POST", "/api/openapi.json")).status).toBe(405);
  });

  it("serves the OpenAPI 3 document without credentials, listing every annotated endpoint", async () => {
    const res = await rest("GET", "/api/openapi.json");
    expect(res.status).toBe(200);
    const doc = JSON.parse(res.text);
    expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect(doc.servers).toEqual([{ url: "http://localhost" }]);
    const operations = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations).toEqual(
      expect.arrayContaining(["GET /api/me", "GET /api/models", "GET /api/admins", "POST /api/admins", "GET /api/api-tokens", "POST /api/api-tokens", "POST /api/api-tokens/{id}/revoke"]),
    );
    const revoke = doc.paths["/api/api-tokens/{id}/revoke"].post;
    expect(revoke.parameters).toEqual([expect.objectContaining({ in: "path", name: "id", required: true })]);
    expect(doc.paths["/api/admins"].post.requestBody.content["application/json"].schema.required).toEqual(["email", "name", "role", "password"]);
    expect(doc.paths["/api/admins"].post.responses["400"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/Error" });
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(["AdminKey", "ApiToken"]);
  });

  it("names every JSON field on the wire in snake_case, with times as ISO-8601 strings", async () => {
    const doc = JSON.parse((await rest("GET", "/api/openapi.json")).text);
    const offenders: string[] = [];
    const walk = (schema: unknown, where: string) => {
      if (!schema || typeof schema !== "object") return;
      const node = schema as Record<string, unknown>;
      if (node.properties && typeof node.properties === "object") {
        for (const [name, child] of Object.entries(node.properties as Record<string, unknown>)) {
          if (!/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/.test(name)) offenders.push(`${where}.${name}`);
          walk(child, `${where}.${name}`);
        }
      }
      // A Date in a zod schema has no JSON type: it would show here as a schema without "type".
      for (const key of ["items", "additionalProperties", "anyOf", "oneOf", "allOf"]) {
        const value = node[key];
        if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${where}[${i}]`));
        else walk(value, where);
      }
    };
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, Record<string, unknown>>>)) {
      for (const [method, operation] of Object.entries(item)) {
        const where = `${method.toUpperCase()} ${path}`;
        walk((operation.requestBody as { content?: Record<string, { schema: unknown }> } | undefined)?.content?.["application/json"]?.schema, `${where} body`);
        for (const [status, response] of Object.entries((operation.responses ?? {}) as Record<string, { content?: Record<string, { schema: unknown }> }>)) {
          walk(response.content?.["application/json"]?.schema, `${where} ${status}`);
        }
      }
    }
    expect(offenders).toEqual([]);

    // And as served: the answers that were camelCase with Date objects before.
    const token = await createToken("viewer", "wire shape");
    for (const path of ["/api/admins", "/api/api-tokens", "/api/models"]) {
      const res = await rest("GET", path, { headers: asMaster });
      expect(res.status).toBe(200);
      for (const row of res.body as Record<string, unknown>[]) {
        for (const [key, value] of Object.entries(row)) {
          expect(key, `${path} field ${key}`).toMatch(/^[a-z][a-z0-9_]*$/);
          if (key.endsWith("_at") && value !== null) expect(value, `${path} ${key}`).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        }
      }
    }
    expect(token.id).toBeTruthy();
  });

  it("refuses, naming the procedure, a REST path outside /api/ or inside /api/trpc/", () => {
    for (const path of ["/api/trpc/x", "/x"] as const) {
      const bad = router({ x: publicProcedure.meta({ openapi: { method: "GET", path } }).input(z.void()).output(z.null()).query(() => null) });
      expect(() => openApiDocument("http://localhost", bad)).toThrow(`[x] REST path "${path}" must start with /api/`);
    }
  });
});

describe("REST adapter (for new procedures)", () => {
  // The shapes the next resources will use: ids in the path, JSON bodies, typed query strings.
  const flags = z.object({ widget_id: z.string(), verbose: z.boolean().optional(), limit: z.number().int().optional() });
  const rename = z.object({ widget_id: z.string(), name: z.string().min(1, "Give a name") });
  const widgets = router({
    get: adminProcedure
      .meta({ openapi: { method: "GET", path: "/api/widgets/{widget_id}" } })
      .input(flags)
      .output(z.object({ input: flags }))
      .query(({ input }) => ({ input })),
    rename: adminProcedure
      .meta({ openapi: { method: "POST", path: "/api/widgets/{widget_id}/rename" } })
      .input(rename)
      .output(z.object({ id: z.string(), name: z.string(), by: z.string() }))
      .mutation(({ input, ctx }) => ({ id: input.widget_id, name: input.name, by: ctx.actor.via })),
    // Declared after GET /api/widgets/{widget_id} on purpose: the path without parameters still wins.
    count: publicProcedure.meta({ openapi: { method: "GET", path: "/api/widgets/count" } }).input(z.void()).output(z.object({ n: z.number() })).query(() => ({ n: 2 })),
  });
  const handle = createRestHandler(widgets);
  async function call(method: string, path: string, body?: unknown) {
    const request = new Request(`http://localhost${path}`, {
      method,
      headers: { ...asMaster, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const res = await handle(request, { requestId: "r", clientAddress: clientAddress() });
    return { status: res.status, body: await res.json() };
  }

  it("passes path parameters and the JSON body as one input", async () => {
    const res = await call("POST", "/api/widgets/w%2F1/rename", { name: "Blue" });
    expect(res).toEqual({ status: 200, body: { id: "w/1", name: "Blue", by: "rest" } });
    const bad = await call("POST", "/api/widgets/w1/rename", { name: "" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fieldErrors).toEqual({ name: ["Give a name"] });
  });

  it("turns query strings into the numbers and booleans the schema expects, without changing the schema", async () => {
    const res = await call("GET", "/api/widgets/w1?verbose=false&limit=5");
    expect(res.body).toEqual({ input: { widget_id: "w1", verbose: false, limit: 5 } });
    const wrong = await call("GET", "/api/widgets/w1?limit=many");
    expect(wrong.status).toBe(400);
    expect(Object.keys(wrong.body.error.fieldErrors)).toEqual(["limit"]);
    // The schema is shared with services: it must still refuse strings where it wants booleans.
    expect(flags.safeParse({ widget_id: "w", verbose: "false" }).success).toBe(false);
  });

  it("prefers a path without parameters over one with", async () => {
    expect(await call("GET", "/api/widgets/count")).toEqual({ status: 200, body: { n: 2 } });
  });
});
