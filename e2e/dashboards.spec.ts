import fs from "node:fs/promises";
import AxeBuilder from "@axe-core/playwright";
import type { APIRequestContext, Page } from "@playwright/test";
import { expect, LITELLM_MASTER_KEY, LITELLM_URL, openAdmin, runId, test } from "./fixtures.ts";

/**
 * The admin dashboards with real traffic: a team calls the LiteLLM double with its key, the worker
 * ingests the spend logs, and the overview, team, organization and Usage pages show it; the CSV
 * download holds the same requests, escaped; every page passes axe and fits a 375 px phone.
 */

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
}

/** The page fits a 375 px wide screen: nothing makes the whole page scroll sideways. */
async function fitsPhone(page: Page, screenshot?: string) {
  const size = page.viewportSize();
  await page.setViewportSize({ width: 375, height: 800 });
  await expect
    .poll(() => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), { message: "page scrolls sideways at 375 px" })
    .toBeLessThanOrEqual(0);
  if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
  if (size) await page.setViewportSize(size);
}

/**
 * 400,000 completion tokens ($0.60): the team's $1.80 is more than any other spec's team spends, so it is
 * among the overview's top five teams whatever specs run beside this one.
 */
function chat(request: APIRequestContext, key: string, user: string) {
  return request.post(`${LITELLM_URL}/chat/completions`, {
    headers: { Authorization: `Bearer ${key}` },
    data: { model: "gpt-3.5-turbo", user, max_tokens: 400_000, messages: [{ role: "user", content: "Hello, dashboards!" }] },
  });
}

test("admins see a team's traffic on the overview, team, organization and Usage pages, and download it as CSV", async ({ page, request, createTeam }, testInfo) => {
  test.setTimeout(120_000);
  const run = runId();
  const teamName = `Dashboards Team ${run}`;
  const team = await createTeam({ label: "Dashboards", name: teamName, max_budget: 50 });
  const org = { organization_id: team.organization_id };
  const orgName = team.organization_name;

  // Three requests; one end user's name would be a formula in a spreadsheet.
  for (const user of ["alice", "bob", "=HYPERLINK(\"http://evil\")"]) expect((await chat(request, team.virtual_key, user)).status()).toBe(200);
  await request.post(`${LITELLM_URL}/_double/flush`, { headers: { Authorization: `Bearer ${LITELLM_MASTER_KEY}` } });

  // No page may log an error in the browser (a failed hydration, a chart that cannot draw): the
  // browserErrors fixture fails the test on any.
  await openAdmin(page);
  const teamUrl = `/admin/teams/${team.team_id}`;

  await test.step("the team page shows the requests once the worker has read them", async () => {
    const requests = page.getByRole("table", { name: "Requests in this range, newest first" });
    await expect(async () => {
      await page.goto(teamUrl);
      await expect(requests.getByRole("row")).toHaveCount(4, { timeout: 1_000 }); // header + 3
    }).toPass({ timeout: 60_000, intervals: [1_000, 2_000, 3_000] });
    const figures = page.getByRole("group", { name: "Usage in this range" });
    await expect(figures).toContainText("Requests3");
    await expect(figures).toContainText("Error rate0 %");
    await expect(figures).toContainText("Latency p50 / p95");
    await expect(requests).toContainText("alice");
    // The chart is drawn in the browser (recharts), its numbers are also a table for screen readers.
    await expect(page.getByRole("figure", { name: /Spend by day/ }).locator("svg.recharts-surface")).toBeVisible();
    await expect(page.getByRole("figure", { name: /Spend by day/ }).getByRole("table", { name: "Spend by day" })).toBeAttached();
    await expect(page.getByRole("figure", { name: /Cost by model/ })).toContainText("gpt-3.5-turbo");
    await expect(page.getByRole("table", { name: "Usage by model" }).getByRole("rowheader", { name: "gpt-3.5-turbo" })).toBeVisible();
    await expect(page.getByRole("link", { name: "Customer portal access" })).toHaveAttribute("href", `${teamUrl}/portal`);
    // What was already there stays: budget, credits, key, sync.
    await expect(page.getByRole("form", { name: "Add credits" })).toBeVisible();
    await expect(page.getByTestId("sync-state")).toBeVisible();
  });

  await test.step("tables sort by their headers and the range has presets", async () => {
    const models = page.getByRole("table", { name: "Usage by model" });
    await models.getByRole("link", { name: /^Requests/ }).click();
    await expect(page).toHaveURL(/model-sort=requests&model-dir=desc/);
    await expect(models.getByRole("columnheader", { name: /^Requests/ })).toHaveAttribute("aria-sort", "descending");
    // With the keyboard: focus the Cost header's link and press Enter.
    await models.getByRole("link", { name: /^Cost/ }).focus();
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(/model-sort=cost&model-dir=desc/);
    await page.getByRole("navigation", { name: "Date range presets" }).getByRole("link", { name: "7 days" }).click();
    await expect(page).toHaveURL(/from=\d{4}-\d{2}-\d{2}&to=\d{4}-\d{2}-\d{2}/);
    await expect(page.getByRole("link", { name: "7 days" })).toHaveAttribute("aria-current", "true");
    await expect(page.getByRole("table", { name: "Requests in this range, newest first" }).getByRole("row")).toHaveCount(4);
  });

  await test.step("the requests download as CSV, exact and escaped", async () => {
    const download = page.waitForEvent("download");
    await page.getByRole("link", { name: "Download CSV of Requests in this range, newest first" }).click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(new RegExp(`^${team.team_id}_requests_\\d{4}-\\d{2}-\\d{2}_\\d{4}-\\d{2}-\\d{2}\\.csv$`));
    const lines = (await fs.readFile((await file.path())!, "utf8")).split("\r\n");
    expect(lines[0]).toBe("time,request_id,team_id,team,model_group,model,prompt_tokens,completion_tokens,total_tokens,spend_usd,billed_usd,margin_usd,margin_percent,status,latency_ms,end_user");
    expect(lines.filter(Boolean)).toHaveLength(4);
    expect(lines.some((l) => l.endsWith(`,"'=HYPERLINK(""http://evil"")"`))).toBe(true);
    expect(lines.filter((l) => l.includes(`,${team.team_id},${teamName},gpt-3.5-turbo,`))).toHaveLength(3);
  });

  await test.step("the team page is accessible and fits a phone", async () => {
    await page.goto(teamUrl);
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: testInfo.outputPath("team.png"), fullPage: true });
    await fitsPhone(page, testInfo.outputPath("team-375.png"));
  });

  await test.step("the overview shows the spend and the team among the top teams", async () => {
    await page.goto("/admin");
    await expect(page.getByRole("heading", { name: "Overview", level: 1 })).toBeVisible();
    // Admins read cost, what the customers are billed, and the margin.
    await expect(page.getByRole("group", { name: "Spend" })).toContainText("Cost today (UTC)");
    await expect(page.getByRole("group", { name: "Spend" })).toContainText("Billed in");
    await expect(page.getByRole("group", { name: "Spend" })).toContainText("Margin in");
    await expect(page.getByRole("region", { name: /Top teams in/ }).getByRole("link", { name: teamName })).toBeVisible();
    await expect(page.getByRole("region", { name: "LiteLLM" })).toContainText("connected");
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: testInfo.outputPath("overview.png"), fullPage: true });
    await fitsPhone(page);
  });

  await test.step("the organization page sums its teams", async () => {
    await page.goto(`/admin/organizations/${org.organization_id}`);
    const teams = page.getByRole("table", { name: `Spend by team of ${orgName}` });
    await expect(teams.getByRole("row", { name: new RegExp(teamName) })).toContainText("3");
    await expect(page.getByRole("group", { name: "Usage of all teams in this range" })).toContainText("Requests3");
    const download = page.waitForEvent("download");
    await page.getByRole("link", { name: `Download CSV of Spend by team of ${orgName}` }).click();
    const csv = await fs.readFile((await (await download).path())!, "utf8");
    expect(csv.split("\r\n")[1]).toMatch(new RegExp(`^${team.team_id},${teamName},${orgName},active,3,0,0,`));
    await expect(page.getByRole("table", { name: "Requests of every team in this range, newest first" }).getByRole("row", { name: new RegExp(teamName) })).toHaveCount(3);
    // One link to the team on the page (the Teams card); the usage tables name it in text.
    await expect(page.getByRole("link", { name: teamName })).toHaveCount(1);
    await expect(page.getByRole("form")).toHaveCount(1); // the organization's details; the range is a search, not a form
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: testInfo.outputPath("organization.png"), fullPage: true });
    await fitsPhone(page);
  });

  await test.step("the Usage page covers every team", async () => {
    await page.goto("/admin/usage");
    await expect(page.getByRole("table", { name: "Spend by team in this range" }).getByRole("link", { name: teamName })).toBeVisible();
    expect(await seriousViolations(page)).toEqual([]);
    await fitsPhone(page);
  });

  await test.step("CSV exports are for signed-in admins only", async () => {
    const anonymous = await request.get(`${teamUrl}/usage.csv?table=days`, { maxRedirects: 0, headers: { Cookie: "" } });
    expect(anonymous.status()).toBe(302);
    expect(anonymous.headers()["location"]).toMatch(/^\/signin/);
  });

});
