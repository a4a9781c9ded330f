/**
 * The seed's Phase 3 in the admin panel (INTEGRATION_FLOW.md): the admin creates an organization,
 * two model groups and a team, views the team, copies its virtual key, and the key works at LiteLLM
 * (here the LiteLLM double) for the team's models only. Names are unique per run, so the spec also
 * passes against a database that keeps earlier runs.
 */
import { randomUUID } from "node:crypto";
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { BASE_URL, LITELLM_URL, signInAs } from "./fixtures.ts";

/** Serious and critical WCAG 2.1 A/AA violations, as "rule: summary (elements)". */
async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
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
  const row = page.getByRole("row", { name: new RegExp(`^${name}\\b`) });
  await expect(row).toContainText("verified");
  for (const model of models) await expect(row).toContainText(model);
}

function chat(request: import("@playwright/test").APIRequestContext, key: string, model: string) {
  return request.post(`${LITELLM_URL}/chat/completions`, {
    headers: { Authorization: `Bearer ${key}` },
    data: { model, messages: [{ role: "user", content: "Hello, world!" }] },
  });
}

test("Phase 3: an admin sets up Acme in the admin panel and the team's copied key works at LiteLLM", async ({ page, context, request }) => {
  test.setTimeout(90_000);
  const run = `${Date.now().toString(36)}-${randomUUID().slice(0, 6)}`;
  const org = { name: `Acme Corporation ${run}`, litellmId: `acme-corp-${run}` };
  const basic = `basic-models-${run}`;
  const premium = `premium-models-${run}`;
  const teamName = "Acme Dev Team";
  let teamId = "";
  let key = "";

  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: BASE_URL });
  await signInAs(page, "master-key");

  await test.step("create the organization", async () => {
    await openSection(page, "Organizations");
    const form = page.getByRole("form", { name: "Create an organization" });
    await form.getByLabel("Name", { exact: true }).fill(org.name);
    await form.getByLabel("LiteLLM organization id").fill(org.litellmId);
    await form.getByLabel("Description").fill("Main organization");
    await form.getByRole("button", { name: "Create organization" }).click();
    await expect(page.getByRole("status")).toContainText(`Organization ${org.name} created.`);
    await expect(page.getByRole("heading", { name: org.name, level: 1 })).toBeVisible();

    // The same LiteLLM id again is refused next to its field.
    await openSection(page, "Organizations");
    await form.getByLabel("Name", { exact: true }).fill(`${org.name} again`);
    await form.getByLabel("LiteLLM organization id").fill(org.litellmId);
    await form.getByRole("button", { name: "Create organization" }).click();
    await expect(form.getByRole("alert")).toContainText(`already used by ${org.name}`);
    await expect(form.getByLabel("LiteLLM organization id")).toHaveAttribute("aria-invalid", "true");
  });

  await test.step("create the basic and premium model groups", async () => {
    await openSection(page, "Model groups");
    // A name LiteLLM does not serve is refused with the list of valid names.
    const form = page.getByRole("form", { name: "Create a model group" });
    await form.getByLabel("Name", { exact: true }).fill(`typo-models-${run}`);
    await form.getByLabel("Other model names").fill("GPT-4-turbo");
    await form.getByRole("button", { name: "Create model group" }).click();
    await expect(form.getByRole("alert")).toContainText("Valid names: claude-3-sonnet, gpt-3.5-turbo, gpt-4-turbo");
    await form.getByLabel("Other model names").fill("");

    await createModelGroup(page, basic, ["gpt-3.5-turbo"]);
    await createModelGroup(page, premium, ["gpt-4-turbo", "claude-3-sonnet"]);
  });

  await test.step("create the team with basic models, a $100 30-day budget and rate limits", async () => {
    await openSection(page, "Teams");
    const form = page.getByRole("form", { name: "Create a team" });
    await form.getByLabel("Name", { exact: true }).fill(teamName);
    await form.getByLabel("Organization").selectOption({ label: org.name });
    await form.getByRole("group", { name: "Model groups" }).getByRole("checkbox", { name: basic, exact: true }).check();
    await form.getByLabel("Max budget (USD)").fill("100");
    await form.getByLabel("Budget duration").selectOption("30d");
    await expect(form.getByRole("radio", { name: "Hard (default)" })).toBeChecked();
    await form.getByLabel("RPM limit").fill("100");
    await form.getByLabel("TPM limit").fill("50000");
    await form.getByRole("button", { name: "Create team" }).click();

    await expect(page).toHaveURL(/\/admin\/teams\/team-[0-9a-f-]+$/);
    teamId = new URL(page.url()).pathname.split("/").pop()!;
    await expect(page.getByRole("status")).toContainText(`Team ${teamName} created`);
    await expect(page.getByRole("heading", { name: teamName, level: 1 })).toBeVisible();
  });

  await test.step("the team page shows it in sync with LiteLLM, then reveals and copies the key", async () => {
    // The page refreshes itself while the worker provisions the team.
    await expect(page.getByTestId("sync-state")).toHaveText("in sync", { timeout: 30_000 });
    await expect(page.getByTestId("masked-key")).toHaveText(/^sk-/);
    const details = page.getByRole("region", { name: "Details" });
    await expect(details).toContainText("$100.00, resets every 30d");
    await expect(details).toContainText("100 RPM · 50,000 TPM");

    await page.getByRole("button", { name: "Reveal the virtual key" }).click();
    const shown = page.getByRole("textbox", { name: "Virtual key" });
    await expect(shown).toHaveValue(/^sk-/);
    await page.getByRole("button", { name: "Copy the virtual key" }).click();
    await expect(page.getByText("Copied", { exact: true })).toBeVisible();
    key = await page.evaluate(() => navigator.clipboard.readText());
    expect(key).toMatch(/^sk-/);
    await expect(shown).toHaveValue(key);
  });

  await test.step("the copied key works at LiteLLM for the team's models only", async () => {
    const allowed = await chat(request, key, "gpt-3.5-turbo");
    expect(allowed.status(), await allowed.text()).toBe(200);
    const refused = await chat(request, key, "gpt-4-turbo");
    expect(refused.status(), await refused.text()).toBe(403);
  });

  await test.step("the teams list and the team page have no serious accessibility problems", async () => {
    expect(await seriousViolations(page)).toEqual([]);
    await openSection(page, "Teams");
    const row = page.getByRole("row").filter({ has: page.getByRole("link", { name: org.name }) });
    await expect(row).toContainText(teamName);
    await expect(row).toContainText("in sync");
    await expect(row).toContainText("$100.00 / 30d");
    expect(await seriousViolations(page)).toEqual([]);
  });

  await test.step("the audit log lists the team's creation and the key reveal", async () => {
    await openSection(page, "Audit log");
    const filters = page.getByRole("form", { name: "Filter the audit log" });
    await filters.getByLabel("Object id").fill(teamId);
    await filters.getByRole("button", { name: "Filter" }).click();
    await expect(page).toHaveURL(new RegExp(`target=${teamId}`));
    const table = page.getByRole("table", { name: /Audit events/ });
    await expect(table.getByRole("row").filter({ hasText: "team.create" })).toHaveCount(1);
    await expect(table.getByRole("row").filter({ hasText: "team.key.reveal" }).first()).toContainText("web");
  });
});
