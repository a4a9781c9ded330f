/**
 * Before each test file: this worker's own database (copied from the migrated template on first use)
 * and the settings the app reads. Test files import app code after this has run.
 */
import postgres from "postgres";
import { inject } from "vitest";
import { freePort } from "../db/embedded-postgres.ts";

export const TEST_MASTER_KEY = "sk-admin-test-master-key-0123456789abcdef";

const serverUrl = inject("databaseServerUrl");
const template = inject("templateDatabase");
const database = `${inject("databasePrefix")}_w${process.env.VITEST_POOL_ID ?? "0"}`;

const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
const [exists] = await admin`select 1 from pg_database where datname = ${database}`;
if (!exists) await admin.unsafe(`create database ${database} template ${template}`).catch((error: { code?: string }) => {
  if (error.code !== "42P04") throw error; // created meanwhile by a parallel file of the same worker
});
await admin.end();

const url = new URL(serverUrl);
url.pathname = `/${database}`;
Object.assign(process.env, {
  NODE_ENV: "test",
  DATABASE_URL: url.toString(),
  MASTER_KEY: TEST_MASTER_KEY,
  APP_SECRET: "test-app-secret-0123456789abcdef0123456789",
  // A closed port: no LiteLLM runs in these tests unless a test starts one.
  LITELLM_PROXY_URL: `http://127.0.0.1:${await freePort()}`,
  LITELLM_MASTER_KEY: "",
  LOG_LEVEL: "silent",
});
