/**
 * The seed's Phase 3 in the admin panel (INTEGRATION_FLOW.md): the admin creates an organization,
 * two model groups and a team, views the team, copies its virtual key, and the key works at LiteLLM
 * (here the LiteLLM double) for the team's models only. Names are unique per run, so the spec also
 * passes against a database that keeps earlier runs.
 */
import { randomUUID } from "node:crypto";
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { BASE_URL, expect, LITELLM_URL, openAdmin, signIn, signOut, test, TEST_PASSWORD, uniqueEmail } from "./fixtures.ts";

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

async function createTeam(page: Page, team: { name: string; organization: string; modelGroup: string; maxBudget?: string; duration?: string; rpm?: string; tpm?: string }) {
  await openSection(page, "Teams");
  const form = page.getByRole("form", { name: "Create a team" });
  await form.getByLabel("Name", { exact: true }).fill(team.name);
  await form.getByLabel("Organization").selectOption({ label: team.organization });
  await form.getByRole("group", { name: "Model groups" }).getByRole("checkbox", { name: team.modelGroup, exact: true }).check();
  if (team.maxBudget) await form.getByLabel("Max budget (USD)").fill(team.maxBudget);
  if (team.duration) await form.getByLabel("Budget duration").selectOption(team.duration);
  await expect(form.getByRole("radio", { name: "Hard (default)" })).toBeChecked();
  if (team.rpm) await form.getByLabel("RPM limit").fill(team.rpm);
  if (team.tpm) await form.getByLabel("TPM limit").fill(team.tpm);
  await form.getByRole("button", { name: "Create team" }).click();

  await expect(page).toHaveURL(/\/admin\/teams\/team-[0-9a-f-]+$/);
  await expect(page.getByRole("status")).toContainText(`Team ${team.name} created`);
  await expect(page.getByRole("heading", { name: team.name, level: 1 })).toBeVisible();
  return new URL(page.url()).pathname.split("/").pop()!;
}

async function createOrganization(page: Page, org: { name: string; litellmId: string }) {
  await openSection(page, "Organizations");
  const form = page.getByRole("form", { name: "Create an organization" });
  await form.getByLabel("Name", { exact: true }).fill(org.name);
  await form.getByLabel("LiteLLM organization id").fill(org.litellmId);
  await form.getByLabel("Description").fill("Main organization");
  await form.getByRole("button", { name: "Create organization" }).click();
  await expect(page.getByRole("status")).toContainText(`Organization ${org.name} created.`);
  await expect(page.getByRole("heading", { name: org.name, level: 1 })).toBeVisible();
}

/** Accepts the next confirm() dialog, checking what it asks. */
function acceptNextConfirm(page: Page, question: RegExp) {
  page.once("dialog", async (dialog) => {
    expect(dialog.message()).toMatch(question);
    await dialog.accept();
  });
}

const uniqueRun = () => `${Date.now().toString(36)}-${randomUUID().slice(0, 6)}`;

function chat(request: import("@playwright/test").APIRequestContext, key: string, model: string) {
  return request.post(`${LITELLM_URL}/chat/completions`, {
    headers: { Authorization: `Bearer ${key}` },
    data: { model, messages: [{ role: "user", content: "Hello, world!" }] },
  });
}

test("Phase 3: an admin sets up Acme in the admin panel and the team's copied key works at LiteLLM", async ({ page, context, request, browserErrors }) => {
  test.setTimeout(90_000);
  browserErrors.allow(/organizations\?_data=.*status of 409/, "the same LiteLLM organization id twice is answered 409 on purpose");
  browserErrors.allow(/model-groups\?_data=.*status of 400/, "a model name LiteLLM does not serve is answered 400 on purpose");
  const run = uniqueRun();
  const org = { name: `Acme Corporation ${run}`, litellmId: `acme-corp-${run}` };
  const basic = `basic-models-${run}`;
  const premium = `premium-models-${run}`;
  const teamName = "Acme Dev Team";
  let teamId = "";
  let key = "";

  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: BASE_URL });
  await openAdmin(page);

  await test.step("create the organization", async () => {
    await createOrganization(page, org);

    // The same LiteLLM id again is refused next to its field.
    await openSection(page, "Organizations");
    const form = page.getByRole("form", { name: "Create an organization" });
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
    teamId = await createTeam(page, { name: teamName, organization: org.name, modelGroup: basic, maxBudget: "100", duration: "30d", rpm: "100", tpm: "50000" });
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
    await expect(row.getByTestId("team-state")).toHaveText("active");
    await expect(row.getByTestId("team-remaining")).toHaveText("$100.00");
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

test("a model group in use cannot be deleted; a team's key is rotated, the team suspended, resumed and deleted", async ({ page, request, browserErrors }) => {
  test.setTimeout(90_000);
  browserErrors.allow(/model-groups\/.*status of 409/, "deleting a model group that teams use is answered 409 on purpose");
  const run = uniqueRun();
  const org = { name: `Lifecycle Org ${run}`, litellmId: `lifecycle-${run}` };
  const group = `lifecycle-models-${run}`;
  await openAdmin(page);
  await createOrganization(page, org);
  await openSection(page, "Model groups");
  await createModelGroup(page, group, ["gpt-3.5-turbo"]);
  const teamId = await createTeam(page, { name: "Lifecycle Team", organization: org.name, modelGroup: group });
  await expect(page.getByTestId("sync-state")).toHaveText("in sync", { timeout: 30_000 });

  await test.step("deleting the group is refused, naming the team that uses it", async () => {
    await openSection(page, "Model groups");
    await page.getByRole("link", { name: group, exact: true }).click();
    await expect(page.getByRole("region", { name: "Teams using it" }).getByRole("link", { name: "Lifecycle Team" })).toBeVisible();
    acceptNextConfirm(page, new RegExp(`Delete the model group ${group}\\?`));
    await page.getByRole("button", { name: `Delete model group ${group}` }).click();
    await expect(page.getByRole("alert")).toContainText(`The model group ${group} is used by Lifecycle Team`);
  });

  await test.step("rotating the key makes a new one and revokes the old one", async () => {
    await page.goto(`/admin/teams/${teamId}`);
    await page.getByRole("button", { name: "Reveal the virtual key" }).click();
    const oldKey = await page.getByRole("textbox", { name: "Virtual key" }).inputValue();
    acceptNextConfirm(page, /Make a new key/);
    await page.getByRole("button", { name: "Rotate key" }).click();
    await expect(page.getByRole("status")).toContainText("the old key is revoked");
    await expect(page.getByTestId("sync-state")).toHaveText("in sync", { timeout: 30_000 });
    await expect(page.getByTestId("masked-key")).not.toHaveText(`${oldKey.slice(0, 5)}…${oldKey.slice(-4)}`);
    await expect.poll(async () => (await chat(request, oldKey, "gpt-3.5-turbo")).status(), { timeout: 15_000 }).toBe(401);
  });

  await test.step("suspend and resume", async () => {
    acceptNextConfirm(page, /Suspend Lifecycle Team\?/);
    await page.getByRole("button", { name: "Suspend team" }).click();
    await expect(page.getByRole("status")).toContainText("Team Lifecycle Team suspended");
    await expect(page.getByRole("button", { name: "Resume team" })).toBeVisible();
    await page.getByRole("button", { name: "Resume team" }).click();
    await expect(page.getByRole("status")).toContainText("Team Lifecycle Team resumed");
    await expect(page.getByRole("button", { name: "Suspend team" })).toBeVisible();
  });

  await test.step("delete the team", async () => {
    acceptNextConfirm(page, /Delete Lifecycle Team\?/);
    await page.getByRole("button", { name: "Delete team" }).click();
    await expect(page).toHaveURL(/\/admin\/teams$/);
    await expect(page.getByRole("status")).toContainText(/Team .+ deleted/);
    await expect(page.getByRole("link", { name: "Lifecycle Team" })).toHaveCount(0);
  });
});

test("a model group can be deleted once the teams that used it are deleted", async ({ page }) => {
  test.setTimeout(60_000);
  const run = uniqueRun();
  const org = { name: `Cleanup Org ${run}`, litellmId: `cleanup-${run}` };
  const group = `cleanup-models-${run}`;
  await openAdmin(page);
  await createOrganization(page, org);
  await openSection(page, "Model groups");
  await createModelGroup(page, group, ["gpt-3.5-turbo"]);
  await createTeam(page, { name: "Cleanup Team", organization: org.name, modelGroup: group });
  acceptNextConfirm(page, /Delete Cleanup Team\?/);
  await page.getByRole("button", { name: "Delete team" }).click();
  await expect(page.getByRole("status")).toContainText(/Team .+ deleted/);

  await openSection(page, "Model groups");
  await page.getByRole("link", { name: group, exact: true }).click();
  await expect(page.getByRole("region", { name: "Teams using it" })).toContainText("No team uses this group.");
  acceptNextConfirm(page, /Delete the model group/);
  await page.getByRole("button", { name: `Delete model group ${group}` }).click();
  await expect(page).toHaveURL(/\/admin\/model-groups$/);
  await expect(page.getByRole("status")).toContainText("Model group deleted.");
  await expect(page.getByRole("link", { name: group, exact: true })).toHaveCount(0);
});

test("a viewer sees organizations, model groups, teams and the audit log, with no way to change them or reveal a key", async ({ page, context }) => {
  test.setTimeout(60_000);
  const run = uniqueRun();
  const org = { name: `Viewer Org ${run}`, litellmId: `viewer-${run}` };
  const group = `viewer-models-${run}`;
  const viewer = { email: uniqueEmail("phase3-viewer"), role: "viewer" };
  // The owner signs out below: a session of this test's own instead of the worker's.
  await context.clearCookies();
  await signIn(page, "master-key");
  await createOrganization(page, org);
  await openSection(page, "Model groups");
  await createModelGroup(page, group, ["gpt-3.5-turbo"]);
  const teamId = await createTeam(page, { name: "Viewer Team", organization: org.name, modelGroup: group });
  await openSection(page, "Settings");
  const account = page.getByRole("form", { name: "Create an admin account" });
  await account.getByLabel("Name").fill("Phase 3 Viewer");
  await account.getByLabel("Email").fill(viewer.email);
  await account.getByLabel("Role").selectOption("viewer");
  await account.getByLabel("Password").fill(TEST_PASSWORD);
  await account.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("status")).toContainText(`Account ${viewer.email} created`);
  await signOut(page);

  await signIn(page, viewer);
  await openSection(page, "Organizations");
  await expect(page.getByRole("link", { name: org.name })).toBeVisible();
  await expect(page.getByRole("form")).toHaveCount(0);
  await page.getByRole("link", { name: org.name }).click();
  await expect(page.getByRole("link", { name: "Viewer Team" })).toBeVisible();
  await expect(page.getByRole("form")).toHaveCount(0);

  await openSection(page, "Model groups");
  await expect(page.getByRole("link", { name: group, exact: true })).toBeVisible();
  await expect(page.getByRole("form")).toHaveCount(0);
  await page.getByRole("link", { name: group, exact: true }).click();
  await expect(page.getByRole("button", { name: /Delete/ })).toHaveCount(0);

  await openSection(page, "Teams");
  await expect(page.getByRole("form")).toHaveCount(0);
  await page.goto(`/admin/teams/${teamId}`);
  await expect(page.getByTestId("masked-key")).toHaveText(/^sk-/, { timeout: 30_000 });
  for (const name of ["Reveal the virtual key", "Save changes", "Suspend team", "Rotate key", "Delete team"]) {
    await expect(page.getByRole("button", { name })).toHaveCount(0);
  }
  await expect(page.getByRole("region", { name: "How to call the API" })).toContainText("/chat/completions");

  await openSection(page, "Audit log");
  await expect(page.getByRole("table", { name: /Audit events/ })).toBeVisible();
});
