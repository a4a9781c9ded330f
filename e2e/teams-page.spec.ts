/**
 * The Teams page as an operator runs the business with it (issue 12): organization, budget mode,
 * spend this period, budget used (a gauge), remaining, state and last request for every team;
 * search, filters, sort and paging through the URL; it fits 1,280 px without sideways scroll and
 * shows name, state and budget used at 375 px. A hard team stopped by its budget says "refused".
 * Every team here carries the run's id in its name, and the page is searched for it, so teams that
 * other specs make at the same time never show up.
 */
import type { APIRequestContext, Page, TestInfo } from "@playwright/test";
import { expect, LITELLM_MASTER_KEY, LITELLM_URL, MASTER_KEY, runId, test } from "./fixtures.ts";

const admin = { "X-Admin-Key": MASTER_KEY };
const COLUMNS = ["Name", "Organization", "Mode", "Spend this period", "Budget used", "Remaining", "State", "Last request"];
/** More teams than the smallest page (25), so there is a second page. */
const PAGING_TEAMS = 26;

async function attachScreenshot(page: Page, testInfo: TestInfo, name: string) {
  await testInfo.attach(name, { body: await page.screenshot({ fullPage: true }), contentType: "image/png" });
}

/** How far the page scrolls sideways: document.scrollingElement's scroll width against the viewport. */
async function scrollWidth(page: Page) {
  return page.evaluate(() => (document.scrollingElement ?? document.documentElement).scrollWidth);
}

/** LiteLLM's /chat/completions with the team's key; `maxTokens` completion tokens of gpt-3.5-turbo cost $1.50 per 1M. */
function chat(request: APIRequestContext, key: string, maxTokens: number) {
  return request.post(`${LITELLM_URL}/chat/completions`, {
    headers: { Authorization: `Bearer ${key}` },
    data: { model: "gpt-3.5-turbo", max_tokens: maxTokens, messages: [{ role: "user", content: "Write a long story" }] },
  });
}

test("the Teams page shows spend, budget used and state, searches, filters, sorts and pages through the URL, at 1,280 and 375 px", async ({ page, request, createTeam }, testInfo) => {
  // The refused state needs the worker's ingestion of the spend (every 15 s; on a fresh server the
  // first run waits for the per-minute schedule).
  test.setTimeout(180_000);
  const run = runId();
  const stopped = await createTeam({ label: "Teams Page", name: `TP ${run} stopped`, max_budget: 0.01, budget_mode: "hard" });
  const soft = await createTeam({ name: `TP ${run} soft`, organization_id: stopped.organization_id, model_group: stopped.model_group, max_budget: 1, budget_mode: "soft" });
  const other = await createTeam({ label: "Teams Page Other", name: `TP ${run} other org` });

  // One long answer costs $0.15 of the $0.01: accepted (LiteLLM checks spend already made), then refused.
  const spent = await chat(request, stopped.virtual_key, 100_000);
  expect(spent.status(), await spent.text()).toBe(200);
  await request.post(`${LITELLM_URL}/_double/flush`, { headers: { Authorization: `Bearer ${LITELLM_MASTER_KEY}` } });
  await expect.poll(async () => (await chat(request, stopped.virtual_key, 10)).status(), { timeout: 15_000 }).toBe(429);

  // The teams to page through; their keys need not be ready.
  for (let i = 0; i < PAGING_TEAMS; i += 1) {
    const name = `TP ${run} page ${String(i).padStart(2, "0")}`;
    const made = await request.post("/api/teams/create", {
      headers: admin,
      data: { name, organization_id: other.organization_id, model_groups: [other.model_group], max_budget: 5, budget_duration: "30d" },
    });
    expect(made.status(), await made.text()).toBe(200);
  }
  const total = PAGING_TEAMS + 3;

  const list = page.getByTestId("teams-list");
  const row = (name: string) => list.getByRole("row").filter({ has: page.getByRole("link", { name, exact: true }) });
  const search = `/admin/teams?q=${encodeURIComponent(run)}`;

  await test.step("a hard team stopped by its budget shows refused, its budget used full", async () => {
    await expect(async () => {
      await page.goto(`${search}&sort=spend&dir=desc`);
      await expect(row(stopped.name).getByTestId("team-state")).toHaveText("refused", { timeout: 1_000 });
    }).toPass({ timeout: 120_000, intervals: [1_000, 2_000, 3_000] });
    await expect(row(stopped.name).getByRole("meter")).toHaveAttribute("aria-valuenow", "100");
    await expect(row(stopped.name).getByRole("meter")).toHaveAttribute("aria-valuetext", /^1,500(\.\d+)? % used$/);
    await expect(row(stopped.name).getByTestId("team-spend")).toHaveText("$0.15");
    await expect(row(stopped.name).getByTestId("team-remaining")).toHaveText("$0.00");
    await expect(row(stopped.name).getByTestId("team-last-request")).not.toHaveText("Never");
    // Sorted by spend, highest first: the stopped team leads.
    await expect(list.getByRole("row").nth(1)).toContainText(stopped.name);
    // The soft team has spent nothing: it sorts last by spend, on the second page, so it is looked up by name.
    await page.goto(`/admin/teams?q=${encodeURIComponent(soft.name)}`);
    await expect(row(soft.name).getByTestId("team-state")).toHaveText("active");
    await expect(row(soft.name).getByTestId("team-mode")).toHaveText("soft");
    await expect(row(soft.name).getByTestId("team-last-request")).toHaveText("Never");
  });

  await test.step("at 1,280 px every column is visible and nothing scrolls sideways", async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${search}&sort=spend&dir=desc`);
    for (const name of COLUMNS) await expect(list.getByRole("columnheader", { name: new RegExp(`^${name}`) })).toBeVisible();
    for (const cell of ["team-organization", "team-mode", "team-spend", "team-remaining", "team-last-request"]) await expect(row(stopped.name).getByTestId(cell)).toBeVisible();
    await expect.poll(() => scrollWidth(page), { message: "the Teams page scrolls sideways at 1,280 px" }).toBeLessThanOrEqual(1280);
    await attachScreenshot(page, testInfo, "teams-1280");
  });

  await test.step("sort on a header, in the URL, both ways", async () => {
    await list.getByRole("link", { name: /^Spend this period/ }).click();
    await expect(page).toHaveURL(/sort=spend&dir=asc/);
    await expect(list.getByRole("columnheader", { name: /^Spend this period/ })).toHaveAttribute("aria-sort", "ascending");
    await list.getByRole("link", { name: /^Spend this period/ }).click();
    await expect(page).toHaveURL(/sort=spend&dir=desc/);
    await expect(list.getByRole("columnheader", { name: /^Spend this period/ })).toHaveAttribute("aria-sort", "descending");
    await expect(list.getByRole("row").nth(1)).toContainText(stopped.name);
    await list.getByRole("link", { name: /^Name/ }).click();
    await expect(page).toHaveURL(/sort=name&dir=asc/);
    await expect(list.getByRole("row").nth(1)).toContainText(other.name);
  });

  await test.step("pages of 25, through the URL, keeping the search", async () => {
    await page.goto(search);
    const paging = page.getByRole("navigation", { name: "Pages" });
    await expect(paging).toContainText(`${total} teams of`);
    await expect(paging).toContainText("page 1 of 2");
    await expect(list.getByTestId("team-row")).toHaveCount(25);
    await paging.getByRole("link", { name: "Next" }).click();
    await expect(page).toHaveURL(/[?&]page=2/);
    await expect(page).toHaveURL(new RegExp(`q=${run}`));
    await expect(paging).toContainText("page 2 of 2");
    await expect(list.getByTestId("team-row")).toHaveCount(total - 25);
    await paging.getByRole("link", { name: "Previous" }).click();
    await expect(paging).toContainText("page 1 of 2");
    await paging.getByRole("link", { name: "50", exact: true }).click();
    await expect(page).toHaveURL(/per=50/);
    await expect(list.getByTestId("team-row")).toHaveCount(total);
  });

  await test.step("filters by state, budget mode and organization, through the URL", async () => {
    await page.goto(`${search}&state=refused`);
    await expect(list.getByTestId("team-row")).toHaveCount(1);
    await expect(row(stopped.name)).toBeVisible();
    await page.goto(`${search}&mode=soft`);
    await expect(list.getByTestId("team-row")).toHaveCount(1);
    await expect(row(soft.name)).toBeVisible();

    // The form writes the same URL.
    await page.goto(search);
    const filters = page.getByRole("search", { name: "Search and filter teams" });
    await filters.getByLabel("Organization").selectOption({ label: stopped.organization_name });
    await filters.getByRole("button", { name: "Apply" }).click();
    await expect(page).toHaveURL(new RegExp(`organization=${stopped.organization_id}`));
    await expect(list.getByTestId("team-row")).toHaveCount(2);
    await expect(row(soft.name)).toBeVisible();
    await expect(row(other.name)).toHaveCount(0);

    // A value the page does not know falls back to the default and says so.
    await page.goto(`${search}&state=sleeping`);
    await expect(page.getByTestId("teams-notes")).toContainText('There is no state "sleeping"');
    await expect(page.getByRole("navigation", { name: "Pages" })).toContainText(`${total} teams of`);
  });

  await test.step("at 375 px name, state and budget used are visible, and nothing scrolls sideways", async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    await page.goto(`${search}&sort=spend&dir=desc`);
    const first = row(stopped.name);
    await expect(first.getByRole("link", { name: stopped.name })).toBeVisible();
    await expect(first.getByTestId("team-state")).toBeVisible();
    await expect(first.getByTestId("team-state")).toHaveText("refused");
    await expect(first.getByRole("meter")).toBeVisible();
    for (const name of ["Name", "Budget used", "State"]) await expect(list.getByRole("columnheader", { name: new RegExp(`^${name}`) })).toBeVisible();
    await expect(first.getByTestId("team-organization")).toBeHidden();
    await expect.poll(() => scrollWidth(page), { message: "the Teams page scrolls sideways at 375 px" }).toBeLessThanOrEqual(375);
    await attachScreenshot(page, testInfo, "teams-375");
  });
});
