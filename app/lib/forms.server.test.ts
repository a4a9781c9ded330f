import { parseWithZod } from "@conform-to/zod";
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { TEST_MASTER_KEY } from "../../test/setup-db.ts";
import { AppError } from "./errors.ts";
import type { FormReply } from "./forms.ts";
import { replyWithAppError } from "./forms.server.ts";
import { clientAddress } from "../../test/factories.ts";
import { action as createOrganizationAction } from "~/routes/admin.organizations";
import { action as signInAction } from "~/routes/signin";

const form = (fields: Record<string, string>) => {
  const data = new FormData();
  for (const [k, v] of Object.entries(fields)) data.set(k, v);
  return data;
};

const signInSchema = z.object({ email: z.string(), password: z.string() });

describe("replyWithAppError: a service's refusal as the form's answer", () => {
  const submission = () => parseWithZod(form({ email: "ops@example.com", password: "hunter2-hunter2" }), { schema: signInSchema });

  it("puts field errors on their fields and the message as the form error, with the error's status", async () => {
    const error = new AppError("CONFLICT", "An account with this email already exists.", { fieldErrors: { email: ["Already taken"], _form: ["x"] } });
    const response = replyWithAppError(submission(), error, { intent: "create-account", hideFields: ["password"] });
    expect(response.status).toBe(409);
    const body = (await response.json()) as FormReply;
    expect(body.intent).toBe("create-account");
    expect(body.result.error).toEqual({ "": ["An account with this email already exists."], email: ["Already taken"] });
    // What the user typed comes back to re-fill the form, except the secret.
    expect(body.result.initialValue).toEqual({ email: "ops@example.com" });
  });

  it("says when to try again (Retry-After) when the service does", () => {
    const error = new AppError("TOO_MANY_REQUESTS", "Too many wrong attempts; try again in 30 seconds.", { retryAfterSeconds: 30 });
    const response = replyWithAppError(submission(), error);
    expect(response.status).toBe(429);
    expect(response.headers.get("Retry-After")).toBe("30");
  });

  it("rethrows anything that is not an AppError (a bug is a 500, not a form message)", () => {
    const bug = new TypeError("cannot read properties of undefined");
    expect(() => replyWithAppError(submission(), bug)).toThrow(bug);
  });
});

describe("the Create an organization form, through its action and the service (real PostgreSQL)", () => {
  const post = (fields: Record<string, string>) =>
    createOrganizationAction({
      request: new Request("http://localhost/admin/organizations", { method: "POST", headers: { "x-admin-key": TEST_MASTER_KEY }, body: form(fields) }),
      params: {},
      context: { clientAddress: "192.0.2.10", requestId: "forms-test" },
    });
  const suffix = () => randomUUID().slice(0, 8);

  it("creates the organization and goes to its page", async () => {
    const id = `acme-${suffix()}`;
    const response = await post({ name: `Acme ${id}`, litellm_organization_id: id, description: "" });
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toMatch(/^\/admin\/organizations\/[0-9a-f-]{36}$/);
  });

  it("a name already taken shows on the Name field with the service's words, and keeps what was typed", async () => {
    const id = `dup-${suffix()}`;
    await post({ name: `Dup ${id}`, litellm_organization_id: id });
    const response = await post({ name: `Dup ${id}`, litellm_organization_id: `${id}-2` });
    expect(response.status).toBe(409);
    const { result } = (await response.json()) as FormReply;
    expect(result.error?.name).toEqual(["An organization with this name already exists"]);
    expect(result.error?.[""]).toEqual([`An organization named Dup ${id} already exists.`]);
    expect(result.initialValue).toMatchObject({ name: `Dup ${id}`, litellm_organization_id: `${id}-2` });
  });

  it("a bad LiteLLM id is refused with the schema's message (the one the browser shows too), before the service runs", async () => {
    const response = await post({ name: `Bad ${suffix()}`, litellm_organization_id: "-no spaces-" });
    expect(response.status).toBe(400);
    const { result } = (await response.json()) as FormReply;
    expect(result.error?.litellm_organization_id).toEqual([
      "Use 1–63 letters, digits, dots, dashes or underscores, starting with a letter or digit (e.g. acme-corp)",
    ]);
  });
});

describe("the sign-in form, through its action and the sign-in service", () => {
  it("a wrong master key is refused on its field with the service's words, and the key is not sent back", async () => {
    const response = await signInAction({
      request: new Request("http://localhost/signin", { method: "POST", body: form({ method: "master-key", masterKey: "sk-admin-wrong-key", redirectTo: "/admin" }) }),
      params: {},
      context: { clientAddress: clientAddress(), requestId: "forms-test" },
    });
    expect(response.status).toBe(401);
    const { intent, result } = (await response.json()) as FormReply;
    expect(intent).toBe("master-key");
    expect(result.error?.[""]?.[0]).toContain("That master key is not correct");
    expect(result.error?.masterKey?.length).toBeGreaterThan(0);
    expect(JSON.stringify(result)).not.toContain("sk-admin-wrong-key");
  });
});
