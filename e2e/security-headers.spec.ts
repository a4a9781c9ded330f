import type { APIRequestContext, Page, Response } from "@playwright/test";
import { createTeamWithKey, expect, LITELLM_MASTER_KEY, LITELLM_URL, signIn, signOut, test } from "./fixtures.ts";

/**
 * The Content-Security-Policy in Chromium (docs/operations.md, "Security headers"): every page of the
 * admin panel and the portal loads, hydrates and draws its charts without a single CSP violation,
 * and carries the security headers; the session cookies are httpOnly and SameSite=Lax.
 */

const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

// The first test visits the sign-in pages signed out and signs out at the end: its own session.
test.use({ session: "none" });

type Violation = { directive: string; blocked: string; source: string; page: string };

/** Collects CSP violations: the DOM's securitypolicyviolation events and Chromium's console reports. */
async function watchCsp(page: Page): Promise<{ violations: Violation[]; console: string[] }> {
  const violations: Violation[] = [];
  const console: string[] = [];
  await page.exposeFunction("__reportCspViolation", (v: Violation) => violations.push(v));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      const report = (window as unknown as { __reportCspViolation: (v: Violation) => void }).__reportCspViolation;
      void report({ directive: e.effectiveDirective, blocked: e.blockedURI, source: `${e.sourceFile}:${e.lineNumber}`, page: location.pathname });
    });
  });
  page.on("console", (message) => {
    if (/Content Security Policy|Refused to (execute|load|apply|connect|frame)/i.test(message.text())) console.push(message.text());
  });
  return { violations, console };
}

function expectHeaders(response: Response | null, path: string) {
  expect(response, path).not.toBeNull();
  const headers = response!.headers();
  const csp = headers["content-security-policy"] ?? "";
  expect(csp, path).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]{16,}'/);
  expect(csp, path).not.toMatch(/script-src[^;]*'unsafe-inline'/);
  expect(csp, path).toContain("frame-ancestors 'none'");
  expect(headers["x-frame-options"], path).toBe("DENY");
  expect(headers["x-content-type-options"], path).toBe("nosniff");
  expect(headers["referrer-policy"], path).toBe("same-origin");
}

/** Loads a page, checks its headers, and waits until Remix has hydrated it (its scripts ran). */
async function visit(page: Page, path: string) {
  const response = await page.goto(path);
  expect(response?.status(), path).toBeLessThan(400);
  expectHeaders(response, path);
  await page.waitForFunction(() => Boolean((window as unknown as { __remixRouter?: unknown }).__remixRouter));
  await page.waitForLoadState("networkidle");
}

async function createTeam(request: APIRequestContext) {
  const team = await createTeamWithKey(request, { label: "CSP", name: `CSP Team ${run}`, max_budget: 50 });
  // Some traffic, so the charts have something to draw (recharts writes inline style attributes).
  for (const user of ["alice", "bob"]) {
    const res = await request.post(`${LITELLM_URL}/chat/completions`, {
      headers: { Authorization: `Bearer ${team.virtual_key}` },
      data: { model: "gpt-3.5-turbo", user, messages: [{ role: "user", content: "Hello" }] },
    });
    expect(res.status()).toBe(200);
  }
  await request.post(`${LITELLM_URL}/_double/flush`, { headers: { Authorization: `Bearer ${LITELLM_MASTER_KEY}` } });
  return { orgId: team.organization_id, groupId: team.model_group_id!, teamId: team.team_id, key: team.virtual_key };
}

test("every admin and portal page satisfies its Content-Security-Policy and carries the security headers", async ({ page, request, context }) => {
  test.setTimeout(120_000);
  const { orgId, groupId, teamId, key } = await createTeam(request);
  const csp = await watchCsp(page);

  for (const path of ["/signin", "/signin?method=password", "/portal/signin"]) {
    const response = await page.goto(path);
    expectHeaders(response, path);
    await page.waitForFunction(() => Boolean((window as unknown as { __remixRouter?: unknown }).__remixRouter));
  }

  await signIn(page, "master-key");
  const session = (await context.cookies()).find((c) => c.name === "saas_session");
  expect(session?.httpOnly).toBe(true);
  expect(session?.sameSite).toBe("Lax");

  const adminPages = [
    "/admin",
    "/admin/models",
    "/admin/organizations",
    `/admin/organizations/${orgId}`,
    "/admin/model-groups",
    `/admin/model-groups/${groupId}`,
    "/admin/teams",
    `/admin/teams/${teamId}`,
    `/admin/teams/${teamId}/portal`,
    "/admin/usage",
    "/admin/audit",
    "/admin/settings",
    "/admin/webhooks",
  ];
  for (const path of adminPages) await visit(page, path);

  // Client-side navigation: route modules and the route manifest load under the policy too.
  await page.goto("/admin");
  await page.waitForFunction(() => Boolean((window as unknown as { __remixRouter?: unknown }).__remixRouter));
  await page.getByRole("link", { name: "Teams", exact: true }).first().click();
  await expect(page).toHaveURL(/\/admin\/teams$/);
  await page.getByRole("link", { name: `CSP Team ${run}` }).first().click();
  await expect(page).toHaveURL(new RegExp(`/admin/teams/${teamId}$`));
  await page.waitForLoadState("networkidle");
  await signOut(page);

  // The portal, signed in with the team's virtual key.
  await page.goto("/portal/signin");
  await page.getByLabel("Virtual key").fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/portal$/);
  const portalSession = (await context.cookies()).find((c) => c.name === "saas_portal");
  expect(portalSession?.httpOnly).toBe(true);
  expect(portalSession?.sameSite).toBe("Lax");
  await visit(page, "/portal");

  expect(csp.violations, JSON.stringify(csp.violations, null, 2)).toEqual([]);
  expect(csp.console).toEqual([]);
});

test("a page that breaks the policy is caught: an inline script without the nonce is blocked and reported", async ({ page, browserErrors }) => {
  browserErrors.allow(/Executing inline script violates the following Content Security Policy directive/, "the test injects a script without the nonce on purpose");
  const csp = await watchCsp(page);
  await visit(page, "/signin");
  // What an injected <script> would do (e.g. through a name shown unescaped): blocked, reported.
  await page.evaluate(() => {
    const script = document.createElement("script");
    script.textContent = "document.body.dataset.injected = 'ran'";
    document.body.append(script);
  });
  await expect.poll(() => csp.violations.length).toBeGreaterThan(0);
  expect(csp.violations[0]!.directive).toBe("script-src-elem");
  expect(await page.evaluate(() => document.body.dataset.injected ?? null)).toBeNull();
});
