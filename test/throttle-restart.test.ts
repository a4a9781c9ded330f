import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { insertSignInAttempt } from "../db/queries/admin-users.ts";
import { TEST_MASTER_KEY } from "./setup-db.ts";
import { startWeb, type WebProcess } from "./web-process.ts";
import { THROTTLE } from "~/auth/throttle.server";
import { db } from "~/lib/db.server";

/**
 * No one is locked out across a restart (issue 11 §2), with real processes: a web process that
 * refuses an address's wrong X-Admin-Keys still lets the right key in, before and after a restart;
 * `npm run admin -- unlock --address` (scripts/admin.ts, its own process) clears the address.
 */
const run = promisify(execFile);
const LOOPBACK = "127.0.0.1"; // the test web process sees every request from here
let web: WebProcess | undefined;
afterAll(async () => {
  await web?.stop();
});

async function me(key: string) {
  const response = await fetch(`${web!.url}/api/me`, { headers: { "X-Admin-Key": key }, signal: AbortSignal.timeout(20_000) });
  const text = await response.text();
  return { status: response.status, retryAfter: response.headers.get("retry-after"), body: JSON.parse(text) as { error?: { message: string } } };
}

function admin(...args: string[]) {
  return run(process.execPath, ["--import", "tsx", "scripts/admin.ts", ...args], { env: { ...process.env, LOG_LEVEL: "silent" }, timeout: 30_000 });
}

describe("throttles across a restart", () => {
  it("never lock out the right key, and `npm run admin -- unlock --address` clears them", async () => {
    const at = new Date(Date.now() - 60_000);
    for (let i = 0; i < THROTTLE.refuseAfter; i++) {
      await insertSignInAttempt(db(), { id: randomUUID(), account: "api:x-admin-key", clientAddress: LOOPBACK, succeeded: false, at });
    }
    web = await startWeb();
    const refused = await me("sk-stale-key");
    expect(refused.status).toBe(429);
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    expect(refused.body.error?.message).toContain(`npm run admin -- unlock --address ${LOOPBACK}`);
    expect((await me(TEST_MASTER_KEY)).status).toBe(200);

    await web.stop();
    web = await startWeb();
    expect((await me(TEST_MASTER_KEY)).status).toBe(200);
    expect((await me("sk-stale-key")).status).toBe(429);

    const listed = await admin("throttles");
    expect(listed.stdout).toMatch(new RegExp(`${LOOPBACK.replace(/\./g, "\\.")}\\s+sign-in\\s+\\d+ wrong\\s+refused`));
    const unlocked = await admin("unlock", "--address", LOOPBACK);
    expect(unlocked.stdout).toMatch(new RegExp(`Unlocked address ${LOOPBACK.replace(/\./g, "\\.")}: ${THROTTLE.refuseAfter + 2} wrong sign-in or API attempts`));
    const wrong = await me("sk-stale-key");
    expect(wrong.status).toBe(401);
    expect(wrong.body.error?.message).not.toContain("slowly");
  });

  it("the unlock command says what it needs when told nothing", async () => {
    const error = (await admin("unlock").then(
      () => undefined,
      (e: unknown) => e,
    )) as { code: number; stderr: string } | undefined;
    expect(error?.code).toBe(2);
    expect(error?.stderr).toContain("Say what to unlock: --address <address>, --account <email>, or --all.");
  });
});
