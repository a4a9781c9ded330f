import { randomUUID } from "node:crypto";
import { z } from "zod";
import {
  MASTER_USER_ID,
  ensureMasterUser,
  findAdminUserByEmail,
  findAdminUserById,
  insertSignInAttempt,
  recentFailuresForAccount,
  recentFailuresForClient,
} from "../../db/queries/admin-users.ts";
import { secretsEqual, verifyPassword } from "~/auth/password.server";
import { db } from "~/lib/db.server";
import { env } from "~/lib/env.server";
import { AppError } from "~/lib/errors";
import { logger } from "~/lib/logger.server";
import { parseInput } from "~/lib/validation";

/** Failed sign-ins allowed per account (since its last success) and per client address, within the window. */
export const THROTTLE = { windowMinutes: 15, perAccount: 5, perClient: 20 } as const;

export const masterKeySignInSchema = z.object({
  masterKey: z.string({ required_error: "Enter the master key" }).trim().min(1, "Enter the master key"),
});

export const passwordSignInSchema = z.object({
  email: z.string({ required_error: "Enter your email" }).trim().email("Enter a valid email address, like you@example.com"),
  password: z.string({ required_error: "Enter your password" }).min(1, "Enter your password"),
});

type SignInResult = { userId: string };

function minutesUntil(date: Date, now: Date): number {
  return Math.max(1, Math.ceil((date.getTime() - now.getTime()) / 60_000));
}

async function assertNotThrottled(account: string, clientAddress: string, now: Date, options = { perAccount: true }): Promise<void> {
  const since = new Date(now.getTime() - THROTTLE.windowMinutes * 60_000);
  const [accountFailures, clientFailures] = await Promise.all([
    recentFailuresForAccount(db(), account, since),
    recentFailuresForClient(db(), clientAddress, since),
  ]);
  const windowMs = THROTTLE.windowMinutes * 60_000;
  if (options.perAccount && accountFailures.length >= THROTTLE.perAccount) {
    // Locked until enough of the counted failures have aged out of the window.
    const unlockAt = new Date(accountFailures[accountFailures.length - THROTTLE.perAccount].getTime() + windowMs);
    const minutes = minutesUntil(unlockAt, now);
    throw new AppError(
      "TOO_MANY_REQUESTS",
      `Too many failed sign-ins for this account. Wait ${minutes} minute${minutes === 1 ? "" : "s"} and try again, or ask an owner to check the account.`,
      { retryAfterSeconds: Math.ceil((unlockAt.getTime() - now.getTime()) / 1000) },
    );
  }
  if (clientFailures.length >= THROTTLE.perClient) {
    const unlockAt = new Date(clientFailures[clientFailures.length - THROTTLE.perClient].getTime() + windowMs);
    const minutes = minutesUntil(unlockAt, now);
    throw new AppError(
      "TOO_MANY_REQUESTS",
      `Too many failed sign-ins from your network address. Wait ${minutes} minute${minutes === 1 ? "" : "s"} and try again.`,
      { retryAfterSeconds: Math.ceil((unlockAt.getTime() - now.getTime()) / 1000) },
    );
  }
}

async function record(account: string, clientAddress: string, succeeded: boolean, now: Date) {
  await insertSignInAttempt(db(), { id: randomUUID(), account, clientAddress, succeeded, at: now });
  logger().info({ account: account.replace(/^email:(.).*@/, "email:$1***@"), clientAddress, succeeded }, "sign-in attempt");
}

/** Signs in with MASTER_KEY (as the owner `master`). Throttled per account and per client address. */
export async function signInWithMasterKey(input: unknown, clientAddress: string, now = new Date()): Promise<SignInResult> {
  const { masterKey } = parseInput(masterKeySignInSchema, input);
  const account = "master";
  await assertNotThrottled(account, clientAddress, now);
  if (!secretsEqual(masterKey, env().MASTER_KEY)) {
    await record(account, clientAddress, false, now);
    throw new AppError("UNAUTHORIZED", "That master key is not correct. Use the MASTER_KEY this server was started with.", {
      fieldErrors: { masterKey: ["That master key is not correct"] },
    });
  }
  await ensureMasterUser(db());
  await record(account, clientAddress, true, now);
  return { userId: MASTER_USER_ID };
}

/** Signs in a named admin account with email and password. Throttled per account and per client address. */
export async function signInWithPassword(input: unknown, clientAddress: string, now = new Date()): Promise<SignInResult> {
  const { email, password } = parseInput(passwordSignInSchema, input);
  const account = `email:${email.toLowerCase()}`;
  await assertNotThrottled(account, clientAddress, now);
  const user = await findAdminUserByEmail(db(), email);
  const ok = await verifyPassword(password, user?.passwordHash);
  if (!ok || !user || user.disabledAt) {
    await record(account, clientAddress, false, now);
    throw new AppError("UNAUTHORIZED", "Wrong email or password.", { fieldErrors: { password: ["Wrong email or password"] } });
  }
  await record(account, clientAddress, true, now);
  return { userId: user.id };
}

/**
 * Checks a credential a script sends with each request (X-Admin-Key, an API token): refused while the
 * caller's address is locked, and a refusal (UNAUTHORIZED from `verify`) counts against that address
 * like a failed sign-in. Never against the credential itself, so a script with a stale credential
 * cannot lock the admins out.
 */
export async function verifyApiCredential<T>(account: string, clientAddress: string, verify: () => Promise<T>, now = new Date()): Promise<T> {
  await assertNotThrottled(account, clientAddress, now, { perAccount: false });
  try {
    return await verify();
  } catch (error) {
    if (error instanceof AppError && error.code === "UNAUTHORIZED") await record(account, clientAddress, false, now);
    throw error;
  }
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
