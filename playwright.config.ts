/**
 * Browser tests (e2e/*.spec.ts) against the real app: `scripts/start.ts` runs the web server, the
 * worker and (without DATABASE_URL) an embedded PostgreSQL whose data dir starts empty every run.
 * Build first: `npm run build && npx playwright test`, or `npm run test:e2e`, which does both.
 */
import { defineConfig } from "@playwright/test";
import { findChromium, HOW_TO_GET_CHROMIUM } from "./e2e/chromium.ts";
import {
  APP_SECRET,
  BASE_URL,
  E2E_API_PORT,
  E2E_DATA_DIR,
  E2E_PG_PORT,
  E2E_PORT,
  LITELLM_DOUBLE_PORT,
  LITELLM_MASTER_KEY,
  LITELLM_MODELS,
  LITELLM_URL,
  MASTER_KEY,
} from "./e2e/fixtures.ts";
import { PLAYWRIGHT_JSON_REPORT } from "./scripts/test-summary.ts";

const browser = findChromium();
// Workers load this file too: say it once, from the main process.
if (!browser.found && !process.env.TEST_WORKER_INDEX) process.stderr.write(`\n${browser.problem}\n${HOW_TO_GET_CHROMIUM}\n\n`);

export default defineConfig({
  testDir: "e2e",
  // Artifacts of failed tests (screenshots, traces); Playwright empties this folder at the start of each run.
  outputDir: "test-results/e2e",
  // Spec files run side by side on two workers (this is a 2-core machine); the tests of one file run in
  // order, as its steps build on each other. Each spec makes its own organizations, teams and accounts
  // under unique names, and none changes a setting another spec reads: throttles count per address
  // (the sign-in and portal specs use addresses of their own), the webhook endpoint's checks filter
  // by their team. A spec that must not share the server would go in a project of its own that
  // depends on this one.
  fullyParallel: false,
  workers: process.env.E2E_WORKERS ? Number(process.env.E2E_WORKERS) : 2,
  forbidOnly: Boolean(process.env.CI),
  retries: process.env.CI ? 1 : 0,
  timeout: 30_000,
  expect: { timeout: 5_000 },
  reporter: [["list"], ["json", { outputFile: PLAYWRIGHT_JSON_REPORT }]],
  use: {
    baseURL: BASE_URL,
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: browser.found ? browser.path : undefined,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
  },
  webServer: [
    {
      // The LiteLLM double stands in for the proxy (the real one needs Python and Docker).
      command: `node --import tsx test/litellm-double/cli.ts --port ${LITELLM_DOUBLE_PORT} --master-key ${LITELLM_MASTER_KEY} --models ${LITELLM_MODELS.join(",")} --batch-write-ms 1000`,
      url: `${LITELLM_URL}/health/liveliness`,
      reuseExistingServer: false,
      timeout: 30_000,
      stdout: "pipe",
      stderr: "pipe",
      gracefulShutdown: { signal: "SIGTERM", timeout: 5_000 },
    },
    {
      // Playwright starts the web servers before globalSetup runs, so the fresh data dir is part of the command.
      // Without DATABASE_URL that dir holds the embedded PostgreSQL; with it, there is nothing to lose.
      command: `node -e "fs.rmSync('${E2E_DATA_DIR}', { recursive: true, force: true })" && node --import tsx scripts/start.ts`,
      url: `http://127.0.0.1:${E2E_PORT}/healthz`,
      reuseExistingServer: false,
      timeout: 90_000,
      stdout: "pipe",
      stderr: "pipe",
      gracefulShutdown: { signal: "SIGTERM", timeout: 10_000 },
      env: {
        PORT: String(E2E_PORT),
        API_PORT: String(E2E_API_PORT),
        PG_PORT: String(E2E_PG_PORT),
        DATA_DIR: E2E_DATA_DIR,
        MASTER_KEY,
        APP_SECRET,
        LITELLM_PROXY_URL: LITELLM_URL,
        LITELLM_MASTER_KEY,
        LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? "warn",
        // The specs' webhook receivers listen on this machine.
        WEBHOOK_ALLOW_PRIVATE: "true",
      },
    },
  ],
});
