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
  it("holds back one address after repeated wrong passwords for an account, says how long, and lets the right password in elsewhere", async () => {
    const email = uniqueEmail();
    await createAdminAccount(masterActor, { email, name: "Throttled", role: "admin", password: "correct horse battery" });
    const now = new Date();
    const from = clientAddress();
    for (let i = 0; i < THROTTLE.perAccountFromAddress; i++) {
      await refusal(signInWithPassword({ email, password: "wrong password!" }, from, now));
    }
    // From that address even the right password waits...
    const locked = await refusal(signInWithPassword({ email, password: "correct horse battery" }, from, now));
    expect(locked.code).toBe("TOO_MANY_REQUESTS");
    expect(locked.userMessage).toMatch(/Too many wrong passwords for this account from your network address\. Wait 15 minutes/);
    expect(locked.retryAfterSeconds).toBeGreaterThan(14 * 60);
    // ...while from another address it gets in at once, and after the window from the first one too.
    await expect(signInWithPassword({ email, password: "correct horse battery" }, clientAddress(), now)).resolves.toBeDefined();
    const later = new Date(now.getTime() + (THROTTLE.windowMinutes + 1) * 60_000);
    await expect(signInWithPassword({ email, password: "correct horse battery" }, from, later)).resolves.toBeDefined();
  });

  it("a success resets the account's count of failures from that address", async () => {
    const email = uniqueEmail();
    await createAdminAccount(masterActor, { email, name: "Resets", role: "viewer", password: "correct horse battery" });
    const from = clientAddress();
    for (let i = 0; i < THROTTLE.perAccountFromAddress - 1; i++) await refusal(signInWithPassword({ email, password: "nope nope nope" }, from));
    await signInWithPassword({ email, password: "correct horse battery" }, from);
    for (let i = 0; i < THROTTLE.perAccountFromAddress - 1; i++) await refusal(signInWithPassword({ email, password: "nope nope nope" }, from));
    await expect(signInWithPassword({ email, password: "correct horse battery" }, from)).resolves.toBeDefined();
  });

  it("never holds back the master key, even from an address that tried many accounts", async () => {
    const from = clientAddress();
    for (let i = 0; i < THROTTLE.slowAfter; i++) {
      await refusal(signInWithPassword({ email: uniqueEmail("nobody"), password: "guess guess guess" }, from));
    }
    await expect(signInWithMasterKey({ masterKey: TEST_MASTER_KEY }, from)).resolves.toEqual({ userId: "master" });
    await expect(signInWithMasterKey({ masterKey: TEST_MASTER_KEY }, clientAddress())).resolves.toEqual({ userId: "master" });
  });
});
