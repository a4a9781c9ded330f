import { describe, expect, it } from "vitest";
import { clientAddress } from "../../test/factories.ts";
import { TEST_MASTER_KEY } from "../../test/setup-db.ts";
import { AppError } from "~/lib/errors";
import { createAdminAccount } from "./admin-accounts.server.ts";
import { signInWithMasterKey, signInWithPassword, THROTTLE } from "./sign-in.server.ts";
import { masterActor, uniqueEmail } from "../../test/factories.ts";

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe("sign-in with the master key", () => {
  it("signs in as the owner with the right key", async () => {
    const result = await signInWithMasterKey({ masterKey: TEST_MASTER_KEY }, clientAddress());
    expect(result.userId).toBe("master");
  });

  it("refuses a wrong key with a message that says which key to use", async () => {
    const error = await refusal(signInWithMasterKey({ masterKey: "sk-admin-wrong" }, clientAddress()));
    expect(error.code).toBe("UNAUTHORIZED");
    expect(error.userMessage).toContain("MASTER_KEY");
    expect(error.fieldErrors?.masterKey).toBeDefined();
  });

  it("refuses an empty key, naming the field", async () => {
    const error = await refusal(signInWithMasterKey({ masterKey: "  " }, clientAddress()));
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.fieldErrors).toEqual({ masterKey: ["Enter the master key"] });
  });
});

describe("sign-in throttling", () => {
  it("locks an account after repeated failures, even from many addresses, and says how long to wait", async () => {
    const email = uniqueEmail();
    await createAdminAccount(masterActor, { email, name: "Throttled", role: "admin", password: "correct horse battery" });
    const now = new Date();
    for (let i = 0; i < THROTTLE.perAccount; i++) {
      await refusal(signInWithPassword({ email, password: "wrong password!" }, clientAddress(), now));
    }
    // Even the right password is refused while locked.
    const locked = await refusal(signInWithPassword({ email, password: "correct horse battery" }, clientAddress(), now));
    expect(locked.code).toBe("TOO_MANY_REQUESTS");
    expect(locked.userMessage).toMatch(/Too many failed sign-ins for this account\. Wait 15 minutes/);
    expect(locked.retryAfterSeconds).toBeGreaterThan(14 * 60);
    // After the window it works again.
    const later = new Date(now.getTime() + (THROTTLE.windowMinutes + 1) * 60_000);
    await expect(signInWithPassword({ email, password: "correct horse battery" }, clientAddress(), later)).resolves.toBeDefined();
  });

  it("a success resets the account's count of failures", async () => {
    const email = uniqueEmail();
    await createAdminAccount(masterActor, { email, name: "Resets", role: "viewer", password: "correct horse battery" });
    const from = clientAddress();
    for (let i = 0; i < THROTTLE.perAccount - 1; i++) await refusal(signInWithPassword({ email, password: "nope nope nope" }, from));
    await signInWithPassword({ email, password: "correct horse battery" }, from);
    for (let i = 0; i < THROTTLE.perAccount - 1; i++) await refusal(signInWithPassword({ email, password: "nope nope nope" }, from));
    await expect(signInWithPassword({ email, password: "correct horse battery" }, from)).resolves.toBeDefined();
  });

  it("locks a client address that tries many accounts", async () => {
    const from = clientAddress();
    for (let i = 0; i < THROTTLE.perClient; i++) {
      await refusal(signInWithPassword({ email: uniqueEmail("nobody"), password: "guess guess guess" }, from));
    }
    const locked = await refusal(signInWithMasterKey({ masterKey: TEST_MASTER_KEY }, from));
    expect(locked.code).toBe("TOO_MANY_REQUESTS");
    expect(locked.userMessage).toContain("from your network address");
    // Another address is unaffected.
    await expect(signInWithMasterKey({ masterKey: TEST_MASTER_KEY }, clientAddress())).resolves.toEqual({ userId: "master" });
  });
});
