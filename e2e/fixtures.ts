/**
 * What the browser tests share: the settings the test server runs with (playwright.config.ts passes
 * them to `scripts/start.ts`) and the steps most specs take (sign in, sign out, make a unique email).
 */
import { randomUUID } from "node:crypto";
import { expect, type Page } from "@playwright/test";

export const E2E_PORT = 3100;
export const E2E_PG_PORT = 54349;
/** The app's API-only listener in the e2e run (API_PORT), instead of 8003, which a running `npm start` holds. */
export const E2E_API_PORT = 3103;
export const E2E_DATA_DIR = ".data/e2e";
export const BASE_URL = `http://localhost:${E2E_PORT}`;

/** Fixed, test-only secrets: the server under test starts with these. */
export const MASTER_KEY = "e2e-master-key-0123456789abcdef0123456789abcdef";
export const APP_SECRET = "e2e-app-secret-0123456789abcdef0123456789abcdef";

/** The LiteLLM double the test server talks to (started by Playwright before the app). */
export const LITELLM_DOUBLE_PORT = 4109;
export const LITELLM_URL = `http://127.0.0.1:${LITELLM_DOUBLE_PORT}`;
export const LITELLM_MASTER_KEY = "sk-litellm-e2e-master-key-0123456789";
export const LITELLM_MODELS = ["gpt-3.5-turbo", "gpt-4-turbo", "claude-3-sonnet"];

/** A password that passes the account rules (at least 12 characters). */
export const TEST_PASSWORD = "correct horse battery staple";

/**
 * An address no earlier run has used: tests must also pass against a DATABASE_URL that keeps
 * the accounts of previous runs.
 */
export function uniqueEmail(label: string): string {
  return `e2e-${label}-${Date.now().toString(36)}-${randomUUID().slice(0, 8)}@example.com`;
}

export async function signInWithMasterKey(page: Page, masterKey = MASTER_KEY): Promise<void> {
  await page.goto("/signin");
  await page.getByLabel("Master key").fill(masterKey);
  await page.getByRole("button", { name: "Sign in" }).click();
}

export async function signInWithPassword(page: Page, email: string, password = TEST_PASSWORD): Promise<void> {
  await page.goto("/signin");
  // The tabs are links (?method=password), so a click works even before the page's scripts load.
  await page.getByRole("tab", { name: "Email and password" }).click();
  await expect(page.getByLabel("Email")).toBeVisible();
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Signs in and checks the admin panel shows the expected role. */
export async function signInAs(page: Page, how: { email: string; role: string } | "master-key"): Promise<void> {
  if (how === "master-key") await signInWithMasterKey(page);
  else await signInWithPassword(page, how.email);
  await expect(page).toHaveURL(/\/admin$/);
  await expect(page.getByTestId("role")).toHaveText(how === "master-key" ? "owner" : how.role);
}

export async function signOut(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/signin$/);
}
