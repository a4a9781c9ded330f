import http from "node:http";
import AxeBuilder from "@axe-core/playwright";
import type { APIRequestContext, Page } from "@playwright/test";
import postgres from "postgres";
import { BASE_URL, createTeamWithKey, E2E_PG_PORT, E2E_PORT, expect, LITELLM_MASTER_KEY, LITELLM_URL, MASTER_KEY, signIn, test } from "./fixtures.ts";

/**
 * The customers' portal in Chromium: sign-in with the virtual key or an admin's portal link, what
 * a customer sees (their team only, whatever ids they put in URLs), and every way in that must be
 * refused: wrong key, tampered cookie, rotated key, revoked and expired links, too many failures.
 */

const admin = { "X-Admin-Key": MASTER_KEY };
const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const WRONG_KEY = /That virtual key does not open a portal/;
/** What Chromium logs when the portal answers a refused sign-in with its 401 page. */
const REFUSED_401 = /Failed to load resource: the server responded with a status of 401/;

// Customers' browsers: no admin session (the one admin test signs in on its own).
test.use({ session: "none" });

type Team = { team_id: string; name: string; virtual_key: string };

function createTeam(request: APIRequestContext, orgId: string, group: string, name: string): Promise<Team> {
  return createTeamWithKey(request, { name, organization_id: orgId, model_group: group, max_budget: 50, budget_duration: "30d", rpm_limit: 60, tpm_limit: 40000 });
}

async function chat(request: APIRequestContext, key: string, user: string) {
  const res = await request.post(`${LITELLM_URL}/chat/completions`, {
    headers: { Authorization: `Bearer ${key}` },
    data: { model: "gpt-3.5-turbo", user, messages: [{ role: "user", content: "Hello" }] },
  });
  expect(res.status()).toBe(200);
}

async function signInToPortal(page: Page, key: string) {
  await page.goto("/portal");
  await expect(page).toHaveURL(/\/portal\/signin/);
  await page.getByLabel("Virtual key").fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
}

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  return results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
}

/** The page fits the viewport's width; on failure, names the elements that stick out. */
async function noSidewaysScroll(page: Page) {
  const { scroll, client, wide } = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const wideElements = [...document.querySelectorAll("body *")]
      .filter((el) => {
        if (el.getBoundingClientRect().right <= width + 1) return false;
        // Absolutely positioned boxes escape scrolling ancestors that are not positioned.
        if (getComputedStyle(el).position === "absolute") return true;
        for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
          const style = getComputedStyle(up);
          if (style.overflowX !== "visible" || style.position === "absolute") return false;
        }
        return true;
      })
      .filter((el, _i, all) => !all.some((other) => other !== el && el.contains(other)))
      .slice(0, 5)
      .map((el) => `${el.tagName.toLowerCase()}.${el.className} (${Math.round(el.getBoundingClientRect().right)}px)`);
    return { scroll: document.documentElement.scrollWidth, client: width, wide: wideElements };
  });
  expect(scroll, `sticking out: ${wide.join("; ")}`).toBeLessThanOrEqual(client);
}

/** The e2e server's database (embedded unless DATABASE_URL is set), for what a browser cannot do: let a link expire. */
function database() {
  return postgres(process.env.DATABASE_URL ?? `postgres://postgres:postgres@127.0.0.1:${E2E_PG_PORT}/saas_litellm`, { max: 1, onnotice: () => {} });
}

let teamA: Team;
let teamB: Team;
let groupName: string;
let orgId: string;

test.beforeAll(async ({ playwright }) => {
  test.setTimeout(120_000);
  const request = await playwright.request.newContext({ baseURL: BASE_URL });
  const org = await (await request.post("/api/organizations/create", { headers: admin, data: { name: `Portal Org ${run}`, litellm_organization_id: `portal-${run}` } })).json();
  orgId = org.organization_id;
  groupName = (await (await request.post("/api/model-groups/create", { headers: admin, data: { name: `portal-models-${run}`, models: ["gpt-3.5-turbo"] } })).json()).name;
  teamA = await createTeam(request, orgId, groupName, `Portal Team A ${run}`);
  teamB = await createTeam(request, orgId, groupName, `Portal Team B ${run}`);
  // A makes 2 requests, B makes 3: the portal of A must always say 2.
  for (let i = 0; i < 2; i++) await chat(request, teamA.virtual_key, "alice-of-a");
  for (let i = 0; i < 3; i++) await chat(request, teamB.virtual_key, "bob-of-b");
  await request.post(`${LITELLM_URL}/_double/flush`, { headers: { Authorization: `Bearer ${LITELLM_MASTER_KEY}` } });
  await expect(async () => {
    const [a, b] = await Promise.all([teamA, teamB].map(async (t) => (await request.get(`/api/teams/${t.team_id}/usage`, { headers: admin })).json()));
    expect([a.request_count, b.request_count]).toEqual([2, 3]);
  }).toPass({ timeout: 90_000 });
  await request.dispose();
});

test("a customer signs in with the key and sees only their own team, whatever ids the URLs name", async ({ page }) => {
  test.setTimeout(60_000);
  await signInToPortal(page, teamA.virtual_key);
  await expect(page).toHaveURL(/\/portal$/);
  await expect(page.getByRole("heading", { level: 1, name: teamA.name })).toBeVisible();
  await expect(page.getByTestId("portal-requests")).toHaveText("2");
  await expect(page.getByTestId("budget-figures")).toContainText("Remaining budget");
  await expect(page.getByText("Requests per minute")).toBeVisible();
  await expect(page.getByRole("list", { name: "Models you may call" })).toContainText("gpt-3.5-turbo");
  await expect(page.getByRole("table", { name: "Requests in this range, newest first" })).toContainText("alice-of-a");
  // The example runs as pasted: it sends $LITELLM_KEY, set by its export line, never the masked key,
  // which is shown beside it (as on the admin pages).
  await expect(page.getByTestId("portal-curl")).toContainText("export LITELLM_KEY=");
  await expect(page.getByTestId("portal-curl")).toContainText("Bearer $LITELLM_KEY");
  await expect(page.getByTestId("portal-key-masked")).toContainText(teamA.virtual_key.slice(-4));
  await expect(page.getByTestId("portal-curl")).toContainText(`${LITELLM_URL}/chat/completions`);
  const html = await page.content();
  expect(html).not.toContain(teamA.virtual_key);
  expect(html).not.toContain(teamB.name);

  // Team B's ids in every portal URL and parameter: ignored, never B's numbers.
  for (const url of [`/portal?team_id=${teamB.team_id}`, `/portal?team=${teamB.team_id}&teamId=${teamB.team_id}`, `/portal/?team_id=${teamB.team_id}&from=2020-01-01`]) {
    await page.goto(url);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(teamA.name);
    expect(await page.content()).not.toContain("bob-of-b");
  }
  for (const table of ["requests", "days", "models"]) {
    const csv = await page.request.get(`/portal/usage.csv?table=${table}&team_id=${teamB.team_id}`);
    expect(csv.status()).toBe(200);
    const body = await csv.text();
    expect(body).not.toContain("bob-of-b");
    if (table === "requests") expect(body.trim().split("\r\n")).toHaveLength(3);
  }
  expect((await page.request.get(`/portal/usage.csv?table=teams`)).status()).toBe(400);
  // The portal session opens nothing outside the portal.
  expect((await page.request.get(`/api/teams/${teamB.team_id}/usage`)).status()).toBe(401);
  expect((await page.request.get(`/api/teams/${teamA.team_id}/usage`)).status()).toBe(401);
  expect((await page.request.get(`/api/trpc/usage.team?input=${encodeURIComponent(JSON.stringify({ team_id: teamA.team_id }))}`)).status()).toBe(401);
  await page.goto(`/admin/teams/${teamB.team_id}`);
  await expect(page).toHaveURL(/\/signin\?redirectTo=/);

  await page.goto("/portal");
  expect(await seriousViolations(page)).toEqual([]);
  await page.setViewportSize({ width: 375, height: 800 });
  await page.reload();
  await expect(page.getByRole("heading", { level: 1, name: teamA.name })).toBeVisible();
  await noSidewaysScroll(page);

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/portal\/signin/);
  await expect(page.getByRole("alert")).toContainText("You are signed out");
  await page.goto("/portal");
  await expect(page).toHaveURL(/\/portal\/signin/);
});

test("the requests table and its CSV follow the chosen range (docs/portal.md)", async ({ page }) => {
  await signInToPortal(page, teamA.virtual_key);
  await expect(page.getByRole("heading", { level: 1, name: teamA.name })).toBeVisible();
  const requests = page.getByRole("table", { name: /^(Recent requests|Requests in this range)/ });
  await expect(requests.getByRole("row").filter({ hasText: "alice-of-a" })).toHaveCount(2);

  // A preset keeps today in the range: the same two requests.
  await page.getByRole("navigation", { name: "Date range presets" }).getByRole("link", { name: "7 days" }).click();
  await expect(page).toHaveURL(/from=\d{4}-\d{2}-\d{2}&to=\d{4}-\d{2}-\d{2}/);
  await expect(requests.getByRole("row").filter({ hasText: "alice-of-a" })).toHaveCount(2);

  // A month long before the team existed: no requests in the figures, the table or the CSV.
  await page.goto("/portal?from=2020-01-01&to=2020-01-31");
  await expect(page.getByTestId("portal-requests")).toHaveText("0");
  await expect(page.getByText("alice-of-a")).toHaveCount(0);
  const before = await page.request.get("/portal/usage.csv?table=requests&from=2020-01-01&to=2020-01-31");
  expect(before.status()).toBe(200);
  expect((await before.text()).trim().split("\r\n")).toHaveLength(1); // the header only
  const today = new Date().toISOString().slice(0, 10);
  const now = await page.request.get(`/portal/usage.csv?table=requests&from=${today}&to=${today}`);
  expect((await now.text()).trim().split("\r\n")).toHaveLength(3);
});

test("a wrong key is refused with a message that names no team, and the key is not put back", async ({ page, browserErrors }) => {
  browserErrors.allow(REFUSED_401, "the wrong key is answered 401 on purpose");
  await page.setViewportSize({ width: 375, height: 800 });
  await signInToPortal(page, `${teamA.virtual_key}x`);
  await expect(page.getByRole("alert").first()).toContainText(WRONG_KEY);
  await expect(page.getByLabel("Virtual key")).toHaveValue("");
  expect(await page.content()).not.toContain(teamA.virtual_key);
  expect(await seriousViolations(page)).toEqual([]);
  await noSidewaysScroll(page);
});

test("a tampered session cookie is refused", async ({ page, context }) => {
  await signInToPortal(page, teamA.virtual_key);
  await expect(page.getByRole("heading", { level: 1, name: teamA.name })).toBeVisible();
  const cookie = (await context.cookies()).find((c) => c.name === "saas_portal")!;
  expect(cookie.httpOnly).toBe(true);
  expect(cookie.path).toBe("/portal");
  const flipped = cookie.value.slice(0, -1) + (cookie.value.endsWith("A") ? "B" : "A");
  await context.addCookies([{ ...cookie, value: flipped }]);
  await page.goto("/portal");
  await expect(page).toHaveURL(/\/portal\/signin\?reason=ended/);
  await expect(page.getByRole("alert")).toContainText("Your portal session has ended");
});

test("rotating the key ends the customer's session and the old key no longer opens the portal", async ({ page, request, browserErrors }) => {
  browserErrors.allow(REFUSED_401, "the rotated-out key is answered 401 on purpose");
  test.setTimeout(60_000);
  const team = await createTeam(request, orgId, groupName, `Portal Team R ${run}`);
  await signInToPortal(page, team.virtual_key);
  await expect(page.getByRole("heading", { level: 1, name: team.name })).toBeVisible();
  expect((await request.post(`/api/teams/${team.team_id}/rotate-key`, { headers: admin })).status()).toBe(200);
  await expect(async () => {
    await page.goto("/portal");
    await expect(page).toHaveURL(/\/portal\/signin\?reason=ended/, { timeout: 1000 });
  }).toPass({ timeout: 30_000 });
  await page.getByLabel("Virtual key").fill(team.virtual_key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert").first()).toContainText(WRONG_KEY);
});

test("an admin's portal link opens the portal until it is revoked; expired links are refused", async ({ page, newContext, browserErrors }) => {
  test.setTimeout(60_000);
  browserErrors.allow(REFUSED_401, "the revoked and the expired link are answered 401 on purpose");
  await signIn(page, "master-key");
  await page.goto(`/admin/teams/${teamA.team_id}/portal`);
  await expect(page.getByRole("heading", { name: "Customer portal access" })).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
  const form = page.getByRole("form", { name: "Create a portal link" });
  await form.getByLabel("Expires after").selectOption("1d");
  await form.getByLabel("Label (optional)").fill("Finance");
  await form.getByRole("button", { name: "Create link" }).click();
  const linkInput = page.getByLabel("Portal link", { exact: true });
  await expect(linkInput).toHaveValue(/\/portal\/link\/slp_/);
  const url = await linkInput.inputValue();
  await expect(page.getByRole("status").filter({ hasText: "Portal link created" })).toBeVisible();

  const customer = await newContext();
  const portal = await customer.newPage();
  await portal.goto(url);
  await expect(portal).toHaveURL(/\/portal$/);
  await expect(portal.getByRole("heading", { level: 1, name: teamA.name })).toBeVisible();
  await expect(portal.getByText("Signed in with a portal link")).toBeVisible();

  await page.reload();
  const row = page.getByTestId("portal-link-row").filter({ hasText: "Finance" });
  await expect(row).toContainText("active");
  await expect(row).not.toContainText("never");
  page.once("dialog", (dialog) => void dialog.accept());
  await row.getByRole("button", { name: /Revoke/ }).click();
  await expect(page.getByRole("status").filter({ hasText: "revoked" })).toBeVisible();
  await expect(page.getByTestId("portal-link-row").filter({ hasText: "Finance" })).toContainText("revoked");

  await portal.goto("/portal");
  await expect(portal).toHaveURL(/\/portal\/signin\?reason=ended/);
  await portal.goto(url);
  await expect(portal.getByRole("heading", { name: "This link does not open the portal" })).toBeVisible();
  await expect(portal.getByRole("alert")).toContainText("expired or been revoked");

  // A second link, signed in, then past its expiry: refused, and its session ends.
  await page.getByRole("form", { name: "Create a portal link" }).getByLabel("Label (optional)").fill("Short");
  await page.getByRole("button", { name: "Create link" }).click();
  await expect(page.getByLabel("Portal link", { exact: true })).toHaveValue(/\/portal\/link\/slp_/);
  const short = await page.getByLabel("Portal link", { exact: true }).inputValue();
  await portal.goto(short);
  await expect(portal).toHaveURL(/\/portal$/);
  const sql = database();
  try {
    await sql`update portal_links set expires_at = now() - interval '1 minute' where team_id = ${teamA.team_id} and label = 'Short'`;
  } finally {
    await sql.end();
  }
  await portal.goto("/portal");
  await expect(portal).toHaveURL(/\/portal\/signin\?reason=ended/);
  await portal.goto(short);
  await expect(portal.getByRole("alert")).toContainText("expired or been revoked");
  await page.reload();
  await expect(page.getByTestId("portal-link-row").filter({ hasText: "Short" })).toContainText("expired");
  await customer.close();
});

/** A form post from another loopback address, so throttling it never locks out the browser's own address. */
function postFrom(localAddress: string, path: string, form: Record<string, string>): Promise<{ status: number; body: string; location?: string }> {
  const body = new URLSearchParams(form).toString();
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port: E2E_PORT, path, method: "POST", localAddress, headers: { "content-type": "application/x-www-form-urlencoded", "content-length": Buffer.byteLength(body) } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text, location: res.headers.location }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

test("repeated wrong keys from one address are answered slowly, and the right key still gets in from there", async () => {
  const address = `127.0.${Math.floor(Math.random() * 200) + 20}.${Math.floor(Math.random() * 200) + 20}`;
  for (let i = 0; i < 5; i++) {
    const res = await postFrom(address, "/portal/signin", { key: `sk-wrong-${i}-${run}` });
    expect(res.status).toBe(401);
    expect(res.body).toMatch(WRONG_KEY);
  }
  const slowed = await postFrom(address, "/portal/signin", { key: `sk-wrong-again-${run}` });
  expect(slowed.status).toBe(401);
  expect(slowed.body).toContain("Wrong attempts from your network address are now answered slowly");
  const right = await postFrom(address, "/portal/signin", { key: teamA.virtual_key });
  expect(right.status).toBe(302);
  expect(right.location).toBe("/portal");
  expect(right.body).not.toContain(teamA.virtual_key);
});
