import { randomUUID } from "node:crypto";
import {
  MASTER_USER_ID,
  ensureMasterUser,
  findAdminUserByEmail,
  findAdminUserById,
  insertSignInAttempt,
  recentFailuresForAccountFromClient,
  recentFailuresForClient,
} from "../../db/queries/admin-users.ts";
import { secretsEqual, verifyPassword } from "~/auth/password.server";
import { assertAccountOpenFromAddress, throttleWrongAttempts, windowStart, type FailureLog } from "~/auth/throttle.server";
import { db } from "~/lib/db.server";
import { env } from "~/lib/env.server";
import { AppError } from "~/lib/errors";
import { logger } from "~/lib/logger.server";
import { parseInput } from "~/lib/validation";
import { masterKeySignInSchema, passwordSignInSchema } from "./sign-in.schema.ts";

export { THROTTLE } from "~/auth/throttle.server";

export { masterKeySignInSchema, passwordSignInSchema };

type SignInResult = { userId: string };

async function record(account: string, clientAddress: string, succeeded: boolean, now: Date) {
  await insertSignInAttempt(db(), { id: randomUUID(), account, clientAddress, succeeded, at: now });
  logger().info({ account: account.replace(/^email:(.).*@/, "email:$1***@"), clientAddress, succeeded }, "sign-in attempt");
}

/** Wrong admin credentials of every kind (sign-in, X-Admin-Key, API tokens) count against the client address together. */
function failureLog(account: string, clientAddress: string): FailureLog {
  return { recent: (since) => recentFailuresForClient(db(), clientAddress, since), record: (at) => record(account, clientAddress, false, at) };
}

/**
 * Signs in with MASTER_KEY (as the owner `master`). The right key always gets in, from any address;
 * wrong ones are throttled per client address (throttleWrongAttempts), never against the key.
 */
export async function signInWithMasterKey(input: unknown, clientAddress: string, now = new Date()): Promise<SignInResult> {
  const { masterKey } = parseInput(masterKeySignInSchema, input);
  const account = "master";
  return throttleWrongAttempts(failureLog(account, clientAddress), { clientAddress, audience: "admin" }, async () => {
    if (!secretsEqual(masterKey, env().MASTER_KEY)) {
      throw new AppError("UNAUTHORIZED", "That master key is not correct. Use the MASTER_KEY this server was started with.", {
        fieldErrors: { masterKey: ["That master key is not correct"] },
      });
    }
    await ensureMasterUser(db());
    await record(account, clientAddress, true, now);
    return { userId: MASTER_USER_ID };
  }, now);
}

/**
 * Signs in a named admin account with email and password. Wrong passwords are throttled per client
 * address like wrong keys, and per account from that address: after a few, that address waits before
 * the account's password is checked again, while the right password from any other address gets in.
 */
export async function signInWithPassword(input: unknown, clientAddress: string, now = new Date()): Promise<SignInResult> {
  const { email, password } = parseInput(passwordSignInSchema, input);
  const account = `email:${email.toLowerCase()}`;
  assertAccountOpenFromAddress(await recentFailuresForAccountFromClient(db(), account, clientAddress, windowStart(now)), { email: email.toLowerCase(), clientAddress }, now);
  return throttleWrongAttempts(failureLog(account, clientAddress), { clientAddress, audience: "admin" }, async () => {
    const user = await findAdminUserByEmail(db(), email);
    const ok = await verifyPassword(password, user?.passwordHash);
    if (!ok || !user || user.disabledAt) {
      throw new AppError("UNAUTHORIZED", "Wrong email or password.", { fieldErrors: { password: ["Wrong email or password"] } });
    }
    await record(account, clientAddress, true, now);
    return { userId: user.id };
  }, now);
}

/**
 * Checks a credential a script sends with each request (X-Admin-Key, an API token). A right one always
 * passes; a refusal (UNAUTHORIZED from `verify`) counts against the caller's address like a failed
 * sign-in (slowed, then TOO_MANY_REQUESTS). Never against the credential itself, so a script with a
 * stale credential cannot lock the admins out.
 */
export async function verifyApiCredential<T>(account: string, clientAddress: string, verify: () => Promise<T>, now = new Date()): Promise<T> {
  return throttleWrongAttempts(failureLog(account, clientAddress), { clientAddress, audience: "admin" }, verify, now);
}

/** The account behind an X-Admin-Key header: MASTER_KEY acts as the owner `master`. Throttled by verifyApiCredential. */
export async function authenticateAdminKey(key: string, clientAddress: string, now = new Date()) {
  return verifyApiCredential(
    "api:x-admin-key",
    clientAddress,
    async () => {
      if (!secretsEqual(key, env().MASTER_KEY)) {
        throw new AppError("UNAUTHORIZED", "The X-Admin-Key header is not the MASTER_KEY of this server.");
      }
      await ensureMasterUser(db());
      return findAdminUserById(db(), MASTER_USER_ID);
    },
    now,
  );
}
