import { describe, expect, it } from "vitest";
import { clientAddress, masterActor, uniqueEmail } from "../../test/factories.ts";
import { AppError } from "~/lib/errors";
import type { Actor } from "~/auth/actor";
import { createAdminAccount, disableAdminAccount, listAdminAccounts } from "./admin-accounts.server.ts";
import { signInWithPassword } from "./sign-in.server.ts";
import { requestWorkerCheck } from "./worker-check.server.ts";

async function accountActor(role: "owner" | "admin" | "viewer"): Promise<Actor & { email: string; password: string }> {
  const email = uniqueEmail(role);
  const password = `pw-${role}-long-enough`;
  const account = await createAdminAccount(masterActor, { email, name: `A ${role}`, role, password });
  return { userId: account.id, name: account.name, email, role, via: "web", password };
}

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe("admin accounts", () => {
  it("an owner creates an account that can then sign in with its password", async () => {
    const admin = await accountActor("admin");
    const listed = await listAdminAccounts(masterActor);
    expect(listed).toContainEqual(expect.objectContaining({ email: admin.email, role: "admin", disabled_at: null }));
    // Emails are matched case-insensitively.
    const signedIn = await signInWithPassword({ email: admin.email.toUpperCase(), password: admin.password }, clientAddress());
    expect(signedIn.userId).toBe(admin.userId);
    await expect(signInWithPassword({ email: admin.email, password: "not the password" }, clientAddress())).rejects.toThrow("Wrong email or password");
  });

  it("never stores or returns the password", async () => {
    const admin = await accountActor("admin");
    const listed = await listAdminAccounts(masterActor);
    const row = listed.find((a) => a.id === admin.userId)!;
    expect(JSON.stringify(row)).not.toContain(admin.password);
    expect(Object.keys(row)).not.toContain("passwordHash");
  });

  it("refuses a duplicate email, a weak password and a bad role, naming each field", async () => {
    const admin = await accountActor("admin");
    const dup = await refusal(createAdminAccount(masterActor, { email: admin.email.toUpperCase(), name: "Dup", role: "admin", password: "another long pw" }));
    expect(dup.code).toBe("CONFLICT");
    expect(dup.fieldErrors?.email).toEqual(["An account with this email already exists"]);
    const bad = await refusal(createAdminAccount(masterActor, { email: "not-an-email", name: "", role: "superuser" as never, password: "short" }));
    expect(bad.code).toBe("BAD_REQUEST");
    expect(Object.keys(bad.fieldErrors ?? {}).sort()).toEqual(["email", "name", "password", "role"]);
    expect(bad.fieldErrors?.password).toEqual(["Use at least 12 characters"]);
  });

  it("a viewer is refused every write, with a message saying why", async () => {
    const viewer = await accountActor("viewer");
    const check = await refusal(requestWorkerCheck(viewer));
    expect(check.code).toBe("FORBIDDEN");
    expect(check.userMessage).toMatch(/Viewers have read-only access/);
    const create = await refusal(createAdminAccount(viewer, { email: uniqueEmail(), name: "x", role: "viewer", password: "long enough password" }));
    expect(create.code).toBe("FORBIDDEN");
    // Reading is allowed.
    await expect(listAdminAccounts(viewer)).resolves.toBeInstanceOf(Array);
  });

  it("only owners manage accounts; admins may run writes such as a worker check", async () => {
    const admin = await accountActor("admin");
    const refused = await refusal(createAdminAccount(admin, { email: uniqueEmail(), name: "x", role: "viewer", password: "long enough password" }));
    expect(refused.code).toBe("FORBIDDEN");
    expect(refused.userMessage).toContain("Only an owner can create admin accounts");
    await expect(requestWorkerCheck(admin)).resolves.toEqual({ checkId: expect.any(String) });
  });

  it("a disabled account can no longer sign in", async () => {
    const viewer = await accountActor("viewer");
    await disableAdminAccount(masterActor, { id: viewer.userId });
    await expect(signInWithPassword({ email: viewer.email, password: viewer.password }, clientAddress())).rejects.toThrow("Wrong email or password");
    const again = await refusal(disableAdminAccount(masterActor, { id: viewer.userId }));
    expect(again.code).toBe("CONFLICT");
    const master = await refusal(disableAdminAccount(masterActor, { id: "master" }));
    expect(master.userMessage).toContain("change MASTER_KEY");
  });
});
