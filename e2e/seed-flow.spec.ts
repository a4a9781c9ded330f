/**
 * The seed's whole flow (../shared/seed/INTEGRATION_FLOW.md) in Chromium: an admin signs in, creates
 * an organization, two model groups and a hard-budget team in the admin panel, copies the team's
 * virtual key; a client calls LiteLLM (the double) with it; the worker brings the usage to the team
 * page; the team is refused once its budget is spent; the admin adds credits and the same key works
 * again; the customer signs in to the portal with the key and sees the same numbers. Screenshots of
 * the overview, team, organization and portal pages are attached to the test and copied to
 * test-results/screenshots/.
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { APIRequestContext, Locator, Page, TestInfo } from "@playwright/test";
import { BASE_URL, expect, LITELLM_MASTER_KEY, LITELLM_URL, openAdmin, test } from "./fixtures.ts";

const SCREENSHOT_DIR = "test-results/screenshots";

/** A full-page screenshot attached to the test (under test-results/e2e) and copied to test-results/screenshots/. */
async function screenshot(page: Page, testInfo: TestInfo, name: string) {
  const file = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  await testInfo.attach(name, { path: file, contentType: "image/png" });
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  fs.copyFileSync(file, path.join(SCREENSHOT_DIR, `seed-flow-${name}.png`));
}

async function openSection(page: Page, name: string) {
  await page.getByRole("navigation", { name: "Admin" }).getByRole("link", { name }).click();
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
}

async function createModelGroup(page: Page, name: string, models: string[]) {
  const form = page.getByRole("form", { name: "Create a model group" });
  await form.getByLabel("Name", { exact: true }).fill(name);
  for (const model of models) await form.getByRole("checkbox", { name: model, exact: true }).check();
  await form.getByRole("button", { name: "Create model group" }).click();
  await expect(page.getByRole("status")).toContainText(`Model group ${name} created.`);
  await expect(page.getByRole("row", { name: new RegExp(`^${name}\\b`) })).toContainText("verified");
}

/** The value shown under a label in a group of figures (a dt/dd pair), e.g. "Requests" → "4". */
function figure(group: Locator, label: string): Locator {
  return group.locator("div").filter({ has: group.page().locator("dt", { hasText: new RegExp(`^${label}$`) }) }).locator("dd").first();
}

/** LiteLLM's /chat/completions with the team's key, as the customer's application calls it. */
function chat(request: APIRequestContext, key: string, maxTokens?: number) {
  return request.post(`${LITELLM_URL}/chat/completions`, {
    headers: { Authorization: `Bearer ${key}` },
    data: { model: "gpt-3.5-turbo", user: "acme-app", messages: [{ role: "user", content: "Hello, world!" }], ...(maxTokens ? { max_tokens: maxTokens } : {}) },
  });
}

/** LiteLLM writes spend in batches; write it now, so the next check sees every request. */
const flush = (request: APIRequestContext) => request.post(`${LITELLM_URL}/_double/flush`, { headers: { Authorization: `Bearer ${LITELLM_MASTER_KEY}` } });

test("the seed flow: admin sets up Acme, the client's key spends, is stopped by its budget, works after credits, and the customer sees the same numbers", async ({
  page,
  context,
  newContext,
  request,
}, testInfo) => {
  // Usage reaches the pages through the worker's ingestion (every 15 s; on a fresh server the first
  // run waits for the per-minute schedule), three times over.
  test.setTimeout(240_000);
  const run = `${Date.now().toString(36)}-${randomUUID().slice(0, 6)}`;
  const orgName = `Acme Corporation ${run}`;
  const basic = `basic-models-${run}`;
  const premium = `premium-models-${run}`;
  const teamName = `Acme Dev Team ${run}`;
  let teamUrl = "";
  let key = "";

  const usage = page.getByRole("group", { name: "Usage in this range" });
  /** Reloads the team page until its usage shows `requests` requests. */
  async function teamPageShows(requests: number) {
    await expect(async () => {
      await page.goto(teamUrl);
      await expect(figure(usage, "Requests")).toHaveText(String(requests), { timeout: 1_000 });
    }).toPass({ timeout: 100_000, intervals: [1_000, 2_000, 3_000] });
  }

  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: BASE_URL });
  await openAdmin(page);

  await test.step("the admin creates the organization", async () => {
    await openSection(page, "Organizations");
    const form = page.getByRole("form", { name: "Create an organization" });
    await form.getByLabel("Name", { exact: true }).fill(orgName);
    await form.getByLabel("LiteLLM organization id").fill(`acme-corp-${run}`);
    await form.getByLabel("Description").fill("Main organization");
    await form.getByRole("button", { name: "Create organization" }).click();
    await expect(page.getByRole("status")).toContainText(`Organization ${orgName} created.`);
  });

  await test.step("the admin creates the basic and premium model groups", async () => {
    await openSection(page, "Model groups");
    await createModelGroup(page, basic, ["gpt-3.5-turbo"]);
    await createModelGroup(page, premium, ["gpt-4-turbo", "claude-3-sonnet"]);
  });

  await test.step("the admin creates a hard-mode team with a $0.10 budget on the basic models", async () => {
    await openSection(page, "Teams");
    const form = page.getByRole("form", { name: "Create a team" });
    await form.getByLabel("Name", { exact: true }).fill(teamName);
    await form.getByLabel("Organization").selectOption({ label: orgName });
    await form.getByRole("group", { name: "Model groups" }).getByRole("checkbox", { name: basic, exact: true }).check();
    await form.getByLabel("Max budget (USD)").fill("0.10");
    await form.getByLabel("Budget duration").selectOption("30d");
    await expect(form.getByRole("radio", { name: "Hard (default)" })).toBeChecked();
    await form.getByRole("button", { name: "Create team" }).click();
    await expect(page).toHaveURL(/\/admin\/teams\/team-[0-9a-f-]+$/);
    await expect(page.getByRole("status")).toContainText(`Team ${teamName} created`);
    teamUrl = new URL(page.url()).pathname;
  });

  await test.step("the admin copies the team's virtual key", async () => {
    await expect(page.getByTestId("sync-state")).toHaveText("in sync", { timeout: 30_000 });
    await page.getByRole("button", { name: "Reveal the virtual key" }).click();
    await page.getByRole("button", { name: "Copy the virtual key" }).click();
    await expect(page.getByText("Copied", { exact: true })).toBeVisible();
    key = await page.evaluate(() => navigator.clipboard.readText());
    expect(key).toMatch(/^sk-/);
    await expect(page.getByRole("textbox", { name: "Virtual key" })).toHaveValue(key);
  });

  await test.step("the client calls LiteLLM with the key, and the usage shows on the team page", async () => {
    for (let i = 0; i < 2; i++) {
      const answer = await chat(request, key);
      expect(answer.status(), await answer.text()).toBe(200);
    }
    await flush(request);
    await teamPageShows(2);
    await expect(page.getByRole("table", { name: "Requests in this range, newest first" })).toContainText("acme-app");
  });

  await test.step("the team is refused once its budget is spent", async () => {
    // One long answer costs $0.15 of the $0.10: accepted (LiteLLM checks spend already made), then refused.
    const big = await chat(request, key, 100_000);
    expect(big.status(), await big.text()).toBe(200);
    await flush(request);
    const refused = await chat(request, key);
    expect(refused.status()).toBe(429);
    expect((await refused.json()).error.type).toBe("budget_exceeded");

    await teamPageShows(3);
    await expect(page.getByTestId("budget-blocked")).toContainText("Stopped by its budget.");
    await expect(figure(page.getByTestId("budget-figures"), "Remaining budget")).toHaveText("$0.00");
    await expect(page.getByRole("meter", { name: /budget used/ })).toHaveAttribute("aria-valuenow", "100");
  });

  await test.step("the admin adds credits on the team page and the same key works again", async () => {
    const form = page.getByRole("form", { name: "Add credits" });
    await form.getByLabel("Credits to add (USD)").fill("1");
    await form.getByLabel("Reason").fill("Top-up after the budget ran out");
    await form.getByRole("button", { name: "Add credits" }).click();
    await expect(page.getByRole("status")).toContainText("$1.00 of credits added");
    await expect(page.getByTestId("budget-blocked")).toHaveCount(0);
    // The gauge falls below full: the credits are the part of the budget not yet spent.
    const used = Number(await page.getByRole("meter", { name: /budget used/ }).getAttribute("aria-valuenow"));
    expect(used).toBeLessThan(100);
    await expect(async () => expect((await chat(request, key)).status()).toBe(200)).toPass({ timeout: 10_000 });
    await flush(request);
    await teamPageShows(4);
    await screenshot(page, testInfo, "team");
  });

  // Admins see cost, billed and margin; the customer sees what it is billed (no price list: its cost).
  const teamFigures = {
    spend: (await figure(usage, "Billed").textContent())!,
    requests: (await figure(usage, "Requests").textContent())!,
    budget: (await page.getByTestId("budget-figures").innerText()).trim(),
  };
  expect(teamFigures.spend).toMatch(/^\$0\.1\d+$/);
  await expect(figure(usage, "Cost")).toHaveText(teamFigures.spend);

  await test.step("the organization page sums its team", async () => {
    await page.getByRole("link", { name: orgName }).first().click();
    await expect(page.getByRole("heading", { name: orgName, level: 1 })).toBeVisible();
    await expect(figure(page.getByRole("group", { name: "Usage of all teams in this range" }), "Requests")).toHaveText("4");
    await expect(page.getByRole("table", { name: `Spend by team of ${orgName}` }).getByRole("row", { name: new RegExp(teamName) })).toBeVisible();
    await screenshot(page, testInfo, "organization");
  });

  await test.step("the overview lists the team among the top teams", async () => {
    await openSection(page, "Overview");
    await expect(page.getByRole("region", { name: /Top teams in/ }).getByRole("link", { name: teamName })).toBeVisible();
    await screenshot(page, testInfo, "overview");
  });

  await test.step("the customer signs in to the portal with the key and sees the same numbers", async () => {
    // The customer's own browser: no admin session.
    const customer = await newContext();
    const portal = await customer.newPage();
    try {
      await portal.goto("/portal");
      await portal.getByLabel("Virtual key").fill(key);
      await portal.getByRole("button", { name: "Sign in" }).click();
      await expect(portal.getByRole("heading", { name: teamName, level: 1 })).toBeVisible();
      await expect(portal.getByTestId("portal-requests")).toHaveText(teamFigures.requests);
      await expect(portal.getByTestId("portal-spend")).toHaveText(teamFigures.spend);
      expect((await portal.getByTestId("budget-figures").innerText()).trim()).toBe(teamFigures.budget);
      await expect(portal.getByRole("table", { name: /Requests in this range/ })).toContainText("acme-app");
      // The key is checked, never shown back.
      expect(await portal.content()).not.toContain(key);
      await screenshot(portal, testInfo, "portal");
    } finally {
      await customer.close();
    }
  });
});
