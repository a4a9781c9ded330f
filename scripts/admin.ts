/**
 * Operator commands run on the server (`npm run admin -- <command>`), against DATABASE_URL, or else
 * the embedded PostgreSQL of `npm start` (running or not). See docs/operations.md, "Unlocking".
 *
 *   npm run admin -- throttles                       addresses with wrong attempts in the last 15 minutes
 *   npm run admin -- unlock --address 203.0.113.7    clear one client address (sign-in, API, portal)
 *   npm run admin -- unlock --account ops@example.com  clear one account's wrong passwords, from every address
 *   npm run admin -- unlock --all                    clear every throttle
 */
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { isPortFree } from "../db/embedded-postgres.ts";
import { startLocalPostgres, stopPostgres } from "./local-stack.ts";
import { THROTTLE, clearThrottles, listThrottles } from "~/auth/throttle.server";
import { createDatabase } from "~/lib/db.server";
import { settingsOrExit, type Env } from "~/lib/env.server";

const USAGE = `Usage: npm run admin -- <command> [options]

Commands:
  throttles                   list client addresses with wrong credentials in the last ${THROTTLE.windowMinutes} minutes
                              and what their next wrong attempt gets (counting, slowed, refused)
  unlock --address <address>  clear one client address: admin sign-in, API credentials and the portal
  unlock --account <email>    clear one account's wrong passwords, from every address ("master" for the master key)
  unlock --all                clear every throttle
  (--address and --account together clear that account's wrong passwords from that address.)

A right credential always gets in, throttled or not: unlocking only stops wrong attempts being slowed
or refused. Cleared attempts stay in the database for audit. Uses DATABASE_URL, else the embedded
PostgreSQL of \`npm start\` (DATA_DIR, PG_PORT; for \`npm run demo\`: PG_PORT=54339 DATA_DIR=.data/demo).
`;

function fail(message: string, code = 2): never {
  process.stderr.write(`${message}\n\n${USAGE}`);
  process.exit(code);
}

function parseCommand(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: { address: { type: "string" }, account: { type: "string" }, all: { type: "boolean", default: false }, help: { type: "boolean", short: "h", default: false } },
    });
  } catch (error) {
    fail((error as Error).message);
  }
}

/** The database to work on, and how to let it go afterwards. */
async function openDatabase(settings: Env): Promise<{ url: string; close: () => Promise<void> }> {
  if (settings.DATABASE_URL) return { url: settings.DATABASE_URL, close: async () => {} };
  const dataDir = path.join(settings.DATA_DIR, "pg");
  const url = `postgres://postgres:postgres@127.0.0.1:${settings.PG_PORT}/saas_litellm`;
  // `npm start` is running: its PostgreSQL is on PG_PORT.
  if (!(await isPortFree(settings.PG_PORT))) return { url, close: async () => {} };
  if (!fs.existsSync(path.join(dataDir, "PG_VERSION"))) {
    fail(`No database: DATABASE_URL is not set and there is no embedded PostgreSQL in ${dataDir}. Set DATABASE_URL, or run this where \`npm start\` keeps its data.`, 1);
  }
  const quiet = () => {};
  const local = await startLocalPostgres({ dataDir, port: settings.PG_PORT, say: quiet, portInUseHint: "set PG_PORT to the port of the running PostgreSQL." });
  return { url: local.url, close: () => stopPostgres(local.embedded, quiet) };
}

const { values, positionals } = parseCommand(process.argv.slice(2));
const command = positionals[0];
if (values.help || !command || command === "help") {
  process.stdout.write(USAGE);
  process.exit(command || values.help ? 0 : 2);
}
if (command !== "unlock" && command !== "throttles") fail(`Unknown command "${command}".`);
if (positionals.length > 1) fail(`Unexpected argument "${positionals[1]}".`);
if (command === "unlock" && !values.all && !values.address?.trim() && !values.account?.trim()) {
  fail("Say what to unlock: --address <address>, --account <email>, or --all.");
}
if (command === "unlock" && values.all && (values.address || values.account)) fail("Use --all alone, or --address / --account without it.");

const settings: Env = settingsOrExit();

const database = await openDatabase(settings);
const handle = createDatabase(database.url, { max: 1 });
try {
  if (command === "throttles") {
    const rows = await listThrottles(new Date(), handle.db);
    if (rows.length === 0) process.stdout.write(`No wrong credentials in the last ${THROTTLE.windowMinutes} minutes.\n`);
    for (const row of rows) {
      const accounts = row.accounts.length ? `  accounts: ${row.accounts.join(", ")}` : "";
      process.stdout.write(`${row.clientAddress}  ${row.where}  ${row.failures} wrong  ${row.state}  last ${row.lastAt.toISOString()}${accounts}\n`);
    }
  } else {
    const filter = values.all ? ("all" as const) : { clientAddress: values.address?.trim() || undefined, account: values.account?.trim() || undefined };
    const cleared = await clearThrottles(filter, new Date(), handle.db);
    const what = values.all ? "every address and account" : [filter !== "all" && filter.clientAddress ? `address ${filter.clientAddress}` : "", filter !== "all" && filter.account ? `account ${filter.account}` : ""].filter(Boolean).join(", ");
    process.stdout.write(
      `Unlocked ${what}: ${cleared.signIn} wrong sign-in or API attempt${cleared.signIn === 1 ? "" : "s"} and ${cleared.portal} wrong portal attempt${cleared.portal === 1 ? "" : "s"} no longer count.\n`,
    );
  }
} finally {
  await handle.client.end({ timeout: 3 });
  await database.close();
}
