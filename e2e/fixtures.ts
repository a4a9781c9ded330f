/**
 * What the browser tests share: the settings the test server runs with (playwright.config.ts passes
 * them to `scripts/start.ts`), the steps most specs take (sign in, sign out, make a unique email), and
 * the fixtures every spec runs with (import `test` and `expect` from here, not from @playwright/test):
 * - a test fails when the browser logs a console.error or an uncaught page error (`browserErrors`);
 * - `page` starts signed in as the owner, with a session made once per worker over POST /signin
 *   (`test.use({ session: "none" })` for a visitor; `signIn` for a session of the test's own);
 * - `createTeam` makes a team over REST and waits for its virtual key.
 */
import { randomUUID } from "node:crypto";
import { test as base, expect, type APIRequestContext, type BrowserContext, type BrowserContextOptions, type Page } from "@playwright/test";

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

/** Through the sign-in form (e2e/sign-in.spec.ts); other specs start with the fixture's session or `signIn`. */
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

// ── Fixtures: every spec imports `test` and `expect` from here ──────────────────────────────────

/** The cookies of a session, as Playwright's storageState holds them. */
type SessionState = Awaited<ReturnType<APIRequestContext["storageState"]>>;

/**
 * Starts an admin session over HTTP, as the sign-in form posts it (no page, no UI): the session
 * cookie lands in `request`'s cookie jar, which is the browser context's own for `page.request`.
 * e2e/sign-in.spec.ts is the one spec that signs in through the form.
 */
export async function startSession(request: APIRequestContext, how: "master-key" | { email: string; password?: string } = "master-key"): Promise<void> {
  const form: Record<string, string> =
    how === "master-key"
      ? { method: "master-key", masterKey: MASTER_KEY, redirectTo: "/admin" }
      : { method: "password", email: how.email, password: how.password ?? TEST_PASSWORD, redirectTo: "/admin" };
  const res = await request.post("/signin", { form, maxRedirects: 0 });
  expect(res.status(), `POST /signin as ${how === "master-key" ? "the owner (master key)" : how.email}: ${await res.text()}`).toBe(302);
}

/** Signs `page`'s browser context in as `how` through POST /signin (a session of its own) and opens the admin panel. */
export async function signIn(page: Page, how: "master-key" | { email: string; role: string; password?: string } = "master-key"): Promise<void> {
  await startSession(page.request, how);
  await page.goto("/admin");
  await expect(page.getByTestId("role")).toHaveText(how === "master-key" ? "owner" : how.role);
}

/** Opens the admin panel with the session `page` has (the worker's owner session unless the test made its own). */
export async function openAdmin(page: Page, role = "owner"): Promise<void> {
  await page.goto("/admin");
  await expect(page.getByTestId("role")).toHaveText(role);
}

export type TeamOptions = {
  /** Names the organization and model group made for the team ("Alerts" → "Alerts Org <run>"). */
  label?: string;
  name?: string;
  /** An existing organization and model group (name) instead of new ones. */
  organization_id?: string;
  model_group?: string;
  models?: string[];
  max_budget?: number | null;
  budget_duration?: string;
  budget_mode?: "hard" | "soft";
  rpm_limit?: number;
  tpm_limit?: number;
};

export type TeamWithKey = { team_id: string; name: string; virtual_key: string; organization_id: string; organization_name: string; model_group: string; /** null when the group was given by name. */ model_group_id: string | null };

const ADMIN_KEY_HEADER = { "X-Admin-Key": MASTER_KEY };

/** A unique suffix for names made by one spec run. */
export const runId = () => `${Date.now().toString(36)}${randomUUID().slice(0, 6)}`;

/**
 * Creates a team over REST (with a new organization and model group unless given) and waits until
 * the worker has provisioned its virtual key at LiteLLM.
 */
export async function createTeamWithKey(request: APIRequestContext, options: TeamOptions = {}): Promise<TeamWithKey> {
  const run = runId();
  const label = options.label ?? "E2E";
  const slug = label.toLowerCase().replace(/[^a-z0-9]+/g, "-");
  let organizationId = options.organization_id;
  if (!organizationId) {
    const org = await request.post("/api/organizations/create", { headers: ADMIN_KEY_HEADER, data: { name: `${label} Org ${run}`, litellm_organization_id: `${slug}-${run}` } });
    expect(org.status(), await org.text()).toBe(200);
    organizationId = (await org.json()).organization_id as string;
  }
  let group = options.model_group;
  let groupId: string | null = null;
  if (!group) {
    const made = await request.post("/api/model-groups/create", { headers: ADMIN_KEY_HEADER, data: { name: `${slug}-models-${run}`, models: options.models ?? ["gpt-3.5-turbo"] } });
    expect(made.status(), await made.text()).toBe(200);
    const json = await made.json();
    group = json.name as string;
    groupId = json.model_group_id as string;
  }
  const { label: _label, name, organization_id: _org, model_group: _group, models: _models, ...limits } = options;
  const data = { max_budget: 50, budget_duration: "30d", ...limits, name: name ?? `${label} Team ${run}`, organization_id: organizationId, model_groups: [group] };
  const created = await request.post("/api/teams/create", { headers: ADMIN_KEY_HEADER, data });
  const body = await created.json();
  expect(body.team_id, JSON.stringify(body)).toMatch(/^team-/);
  // The key is usually in the answer; otherwise it appears once the worker has provisioned the team.
  let team = body;
  await expect(async () => {
    team = await (await request.get(`/api/teams/${body.team_id}`, { headers: ADMIN_KEY_HEADER })).json();
    expect(team.virtual_key).toMatch(/^sk-/);
  }).toPass({ timeout: 30_000 });
  return { team_id: team.team_id, name: team.name, virtual_key: team.virtual_key, organization_id: organizationId, organization_name: team.organization_name, model_group: group, model_group_id: groupId };
}

/** What the browser logged as an error during a test, and the errors the test provokes on purpose. */
export type BrowserErrors = {
  /** Errors so far, as "console.error at <url>: <text>" or "page error at <url>: <message>". */
  readonly seen: string[];
  /** Lets errors matching `pattern` pass: only for an error the test provokes on purpose, and `because` says which. */
  allow(pattern: RegExp, because: string): void;
  /** Watches a browser context made by hand (the `newContext` fixture does this for you). */
  watch(context: BrowserContext): void;
};

type Fixtures = {
  /** Whether `page` starts signed in as the owner (the worker's session, made once over POST /signin), or with no session. */
  session: "owner" | "none";
  browserErrors: BrowserErrors;
  /** Another browser context (a customer's browser): no session, its console watched, closed after the test. */
  newContext: (options?: BrowserContextOptions) => Promise<BrowserContext>;
  /** createTeamWithKey with this test's request context. */
  createTeam: (options?: TeamOptions) => Promise<TeamWithKey>;
};

type WorkerFixtures = { ownerSession: SessionState };

export const test = base.extend<Fixtures, WorkerFixtures>({
  session: ["owner", { option: true }],

  ownerSession: [
    async ({ playwright }, use) => {
      const request = await playwright.request.newContext({ baseURL: BASE_URL });
      await startSession(request, "master-key");
      const state = await request.storageState();
      await request.dispose();
      await use(state);
    },
    { scope: "worker" },
  ],

  browserErrors: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const seen: string[] = [];
      const allowed: Array<{ pattern: RegExp; because: string }> = [];
      const where = (page: Page | null, url?: string) => url || page?.url() || "(no page)";
      const errors: BrowserErrors = {
        seen,
        allow: (pattern, because) => void allowed.push({ pattern, because }),
        watch(context) {
          context.on("console", (message) => {
            if (message.type() === "error") seen.push(`console.error at ${where(message.page(), message.location().url)}: ${message.text()}`);
          });
          context.on("weberror", (error) => seen.push(`page error at ${where(error.page())}: ${error.error().stack ?? error.error().message}`));
        },
      };
      await use(errors);
      const unexpected = seen.filter((line) => !allowed.some((a) => a.pattern.test(line)));
      expect(unexpected, "the browser logged errors (console.error or an uncaught page error); a spec that provokes one on purpose says so with browserErrors.allow").toEqual([]);
    },
    { auto: true },
  ],

  context: async ({ context, session, ownerSession, browserErrors }, use) => {
    browserErrors.watch(context);
    if (session === "owner") await context.addCookies(ownerSession.cookies);
    await use(context);
  },

  newContext: async ({ browser, browserErrors }, use) => {
    const made: BrowserContext[] = [];
    await use(async (options) => {
      const context = await browser.newContext({ baseURL: BASE_URL, ...options });
      browserErrors.watch(context);
      made.push(context);
      return context;
    });
    for (const context of made) await context.close();
  },

  createTeam: async ({ request }, use) => {
    await use((options) => createTeamWithKey(request, options));
  },
});

export { expect };
