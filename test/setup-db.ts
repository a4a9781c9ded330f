/**
 * Before each test file: its own database (copied from the migrated template),
 * a LiteLLM double of its own on loopback, and the settings the app reads. Test files import app
 * code after this has run.
 */
import postgres from "postgres";
import { afterAll, inject } from "vitest";
import { startLiteLLMDouble, type LiteLLMDouble } from "./litellm-double/server.ts";

export const TEST_MASTER_KEY = "sk-admin-test-master-key-0123456789abcdef";
export const TEST_LITELLM_MASTER_KEY = "sk-litellm-test-master-key-0123456789";

const serverUrl = inject("databaseServerUrl");
const template = inject("templateDatabase");
// A database of its own for every test file: files that start a worker process must not inherit
// another file's queue state (jobs left active by a killed worker, schedules, teams of a closed double).
const database = `${inject("databasePrefix")}_w${process.env.VITEST_POOL_ID ?? "0"}_${Math.random().toString(36).slice(2, 10)}`;

const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
const [exists] = await admin`select 1 from pg_database where datname = ${database}`;
if (!exists) await admin.unsafe(`create database ${database} template ${template}`).catch((error: { code?: string }) => {
  if (error.code !== "42P04") throw error; // created meanwhile by a parallel file of the same worker
});
await admin.end();

// Spend is written only when a test calls flush(), so tests decide when LiteLLM's lag ends.
const double = await startLiteLLMDouble({ port: 0, masterKey: TEST_LITELLM_MASTER_KEY, batchWriteIntervalMs: 3_600_000 });
(globalThis as { __testLiteLLM?: LiteLLMDouble }).__testLiteLLM = double;
afterAll(() => double.close());

const url = new URL(serverUrl);
url.pathname = `/${database}`;
Object.assign(process.env, {
  NODE_ENV: "test",
  DATABASE_URL: url.toString(),
  MASTER_KEY: TEST_MASTER_KEY,
  APP_SECRET: "test-app-secret-0123456789abcdef0123456789",
  LITELLM_PROXY_URL: double.url,
  LITELLM_MASTER_KEY: TEST_LITELLM_MASTER_KEY,
  LOG_LEVEL: "silent",
  // Web processes the tests start (npm start, serve.ts) take any free API port, never the seed's 8003.
  API_PORT: "0",
  // The tests' webhook receivers listen on 127.0.0.1; files that test the refusal turn this off.
  WEBHOOK_ALLOW_PRIVATE: "true",
});
