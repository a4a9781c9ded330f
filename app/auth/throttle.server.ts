import { setTimeout as sleep } from "node:timers/promises";
import { clearSignInFailures, signInFailuresByClient } from "../../db/queries/admin-users.ts";
import { clearPortalSignInFailures, portalFailuresByClient } from "../../db/queries/portal.ts";
import type { Db } from "../../db/queries/types.ts";
import { db } from "~/lib/db.server";
import { AppError } from "~/lib/errors";

/**
 * Throttling of wrong credentials (docs/operations.md, "Unlocking"). The rule: a right credential
 * always gets in, whatever came before it, from any address; only wrong ones are throttled, per
 * client address (which TRUST_PROXY decides: the socket's address, or X-Forwarded-For behind a proxy).
 *
 * - Within `windowMinutes`, the first `slowAfter` wrong attempts from an address are answered at
 *   once; the next ones are answered slowly (`slowDownMs`, doubling up to `maxDelayMs`); past
 *   `refuseAfter` they are refused with TOO_MANY_REQUESTS and Retry-After.
 * - Named accounts also count wrong passwords per account and address: past `perAccountFromAddress`
 *   that address must wait before that account's password is checked again. The same password from
 *   another address is checked at once, and the master key is never held back.
 * - Nothing is kept in memory: a restart changes nothing, and `npm run admin -- unlock` clears it.
 */
export const THROTTLE = { windowMinutes: 15, slowAfter: 5, refuseAfter: 20, perAccountFromAddress: 5, firstDelayMs: 250, maxDelayMs: 3000 } as const;

const WINDOW_MS = THROTTLE.windowMinutes * 60_000;

export function windowStart(now: Date): Date {
  return new Date(now.getTime() - WINDOW_MS);
}

/** How long the answer to a wrong attempt is held back, given the address's earlier failures in the window. */
export function slowDownMs(previousFailures: number): number {
  if (previousFailures < THROTTLE.slowAfter) return 0;
  return Math.min(THROTTLE.maxDelayMs, THROTTLE.firstDelayMs * 2 ** (previousFailures - THROTTLE.slowAfter));
}

/** Seconds until fewer than `limit` of `failures` (oldest first) are inside the window. */
function secondsUntilBelow(failures: Date[], limit: number, now: Date): number {
  const freedAt = failures[failures.length - limit].getTime() + WINDOW_MS;
  return Math.max(1, Math.ceil((freedAt - now.getTime()) / 1000));
}

const inMinutes = (seconds: number) => {
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  return `${minutes} minute${minutes === 1 ? "" : "s"}`;
};

/** Where a throttled caller is told to turn: operators clear throttles themselves, customers ask their provider. */
export type Audience = "admin" | "portal";

function clearHint(audience: Audience, command: string): string {
  return audience === "admin" ? `To clear it now, an operator runs \`${command}\` on the server.` : "If you cannot wait, ask your provider to clear it.";
}

/** The failures of one client address, in whichever table its kind of credential uses. */
export type FailureLog = { recent: (since: Date) => Promise<Date[]>; record: (at: Date) => Promise<void> };

/**
 * Runs `attempt` (which checks a credential and throws UNAUTHORIZED when it is wrong). A right one
 * passes at once, whatever the address did before. A wrong one is recorded against the address and
 * answered at once, slowly, or (past `refuseAfter` in the window) with TOO_MANY_REQUESTS.
 */
export async function throttleWrongAttempts<T>(
  log: FailureLog,
  target: { clientAddress: string; audience: Audience },
  attempt: () => Promise<T>,
  now = new Date(),
): Promise<T> {
  try {
    return await attempt();
  } catch (error) {
    if (!(error instanceof AppError) || error.code !== "UNAUTHORIZED") throw error;
    const before = await log.recent(windowStart(now));
    await log.record(now);
    if (before.length >= THROTTLE.refuseAfter) {
      const seconds = secondsUntilBelow([...before, now], THROTTLE.refuseAfter, now);
      const right = target.audience === "admin" ? "The right master key, password or API token still gets in." : "The right virtual key or portal link still gets in.";
      throw new AppError(
        "TOO_MANY_REQUESTS",
        `Too many wrong attempts from your network address (${target.clientAddress}): more than ${THROTTLE.refuseAfter} in ${THROTTLE.windowMinutes} minutes. Wrong ones are refused for the next ${inMinutes(seconds)}. ${right} ${clearHint(target.audience, `npm run admin -- unlock --address ${target.clientAddress}`)}`,
        { retryAfterSeconds: seconds, fieldErrors: error.fieldErrors, cause: error },
      );
    }
    const delay = slowDownMs(before.length);
    if (delay === 0) throw error;
    await sleep(delay);
    throw new AppError(
      "UNAUTHORIZED",
      `${error.userMessage} Wrong attempts from your network address are now answered slowly, and refused after ${THROTTLE.refuseAfter} in ${THROTTLE.windowMinutes} minutes.`,
      { fieldErrors: error.fieldErrors, cause: error },
    );
  }
}

/**
 * Per named account: refused (before its password is checked) when this address already got its
 * password wrong `perAccountFromAddress` times in the window since its last success from here.
 */
export function assertAccountOpenFromAddress(failures: Date[], target: { email: string; clientAddress: string }, now: Date): void {
  if (failures.length < THROTTLE.perAccountFromAddress) return;
  const seconds = secondsUntilBelow(failures, THROTTLE.perAccountFromAddress, now);
  throw new AppError(
    "TOO_MANY_REQUESTS",
    `Too many wrong passwords for this account from your network address. Wait ${inMinutes(seconds)} and try again, or sign in from another network (the right password gets in there at once). ${clearHint("admin", `npm run admin -- unlock --account ${target.email}`)}`,
    { retryAfterSeconds: seconds },
  );
}

// ── operators: npm run admin -- unlock / throttles ──────────────────────────────────────────────

/** The sign_in_attempts account for what an operator types: `master`, or an email. */
export function accountKey(account: string): string {
  const value = account.trim();
  return value.toLowerCase() === "master" ? "master" : `email:${value.toLowerCase()}`;
}

/** An IPv4 address and its IPv6-mapped form (`::ffff:…`, as some sockets report it) are one client. */
function addressForms(clientAddress: string): string[] {
  const value = clientAddress.trim();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(value);
  if (mapped) return [value, mapped[1]];
  return /^\d+\.\d+\.\d+\.\d+$/.test(value) ? [value, `::ffff:${value}`] : [value];
}

/**
 * Clears throttles: failures from one address (admin sign-ins, API credentials and the portal), of
 * one account (its wrong passwords, from every address), both, or everything. The rows stay, marked
 * cleared, for audit. Returns how many failures no longer count.
 */
export async function clearThrottles(
  filter: { clientAddress?: string; account?: string } | "all",
  now = new Date(),
  database: Db = db(),
): Promise<{ signIn: number; portal: number }> {
  const { clientAddress, account } = filter === "all" ? {} : filter;
  if (filter !== "all" && !clientAddress?.trim() && !account?.trim()) {
    throw new AppError("BAD_REQUEST", "Say what to clear: an address, an account, or all.");
  }
  const accountFilter = account === undefined ? undefined : accountKey(account);
  let signIn = 0;
  let portal = 0;
  for (const address of clientAddress === undefined ? [undefined] : addressForms(clientAddress)) {
    signIn += await clearSignInFailures(database, { clientAddress: address, account: accountFilter }, now);
    // Portal failures belong to addresses only.
    if (account === undefined) portal += await clearPortalSignInFailures(database, { clientAddress: address }, now);
  }
  return { signIn, portal };
}

export type ThrottledAddress = { clientAddress: string; where: "sign-in" | "portal"; failures: number; state: "counting" | "slowed" | "refused"; lastAt: Date; accounts: string[] };

/** Every address with failures in the window, and what its next wrong attempt gets. */
export async function listThrottles(now = new Date(), database: Db = db()): Promise<ThrottledAddress[]> {
  const since = windowStart(now);
  const state = (failures: number): ThrottledAddress["state"] =>
    failures >= THROTTLE.refuseAfter ? "refused" : failures >= THROTTLE.slowAfter ? "slowed" : "counting";
  const [signIn, portal] = await Promise.all([signInFailuresByClient(database, since), portalFailuresByClient(database, since)]);
  return [
    ...signIn.map((r) => ({ clientAddress: r.clientAddress, where: "sign-in" as const, failures: r.failures, state: state(r.failures), lastAt: r.lastAt, accounts: r.accounts })),
    ...portal.map((r) => ({ clientAddress: r.clientAddress, where: "portal" as const, failures: r.failures, state: state(r.failures), lastAt: r.lastAt, accounts: [] })),
  ];
}
