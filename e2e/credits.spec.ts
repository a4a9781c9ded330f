import { expect, test } from "@playwright/test";
import { LITELLM_MASTER_KEY, LITELLM_URL, MASTER_KEY, signInAs } from "./fixtures.ts";

test("a team stopped by its budget works again after an admin adds credits on the team page", async ({ page, request }) => {
  const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const admin = { "X-Admin-Key": MASTER_KEY };
  const org = await (await request.post("/api/organizations/create", { headers: admin, data: { name: `Credits Org ${run}`, litellm_organization_id: `credits-${run}` } })).json();
  const group = await (await request.post("/api/model-groups/create", { headers: admin, data: { name: `credit-models-${run}`, models: ["gpt-3.5-turbo"] } })).json();
  const created = await (
    await request.post("/api/teams/create", {
      headers: admin,
      data: { name: "Small Budget Team", organization_id: org.organization_id, model_groups: [group.name], max_budget: 0.01, budget_duration: "30d" },
    })
  ).json();
  // The key is usually in the answer; otherwise it appears once the worker has provisioned the team.
  let team = created;
  await expect(async () => {
    team = await (await request.get(`/api/teams/${created.team_id}`, { headers: admin })).json();
    expect(team.virtual_key).toMatch(/^sk-/);
  }).toPass({ timeout: 20_000 });

  // One expensive request spends the budget; once LiteLLM has written its spend, the key is refused.
  const chat = () =>
    request.post(`${LITELLM_URL}/chat/completions`, {
      headers: { Authorization: `Bearer ${team.virtual_key}` },
      data: { model: "gpt-3.5-turbo", max_tokens: 100000, messages: [{ role: "user", content: "Write a long story" }] },
    });
  expect((await chat()).status()).toBe(200);
  await request.post(`${LITELLM_URL}/_double/flush`, { headers: { Authorization: `Bearer ${LITELLM_MASTER_KEY}` } });
  const refused = await chat();
  expect(refused.status()).toBe(429);
  expect((await refused.json()).error.type).toBe("budget_exceeded");

  await signInAs(page, "master-key");
  await page.goto(`/admin/teams/${team.team_id}`);
  const form = page.getByRole("form", { name: "Add credits" });
  await form.getByLabel("Credits to add (USD)").fill("25");
  await form.getByLabel("Reason").fill("Top-up from the e2e test");
  await form.getByRole("button", { name: "Add credits" }).click();
  await expect(page.getByRole("status")).toContainText("$25.00 of credits added");
  await expect(page.getByTestId("budget-figures")).toContainText("$25.00");

  await expect(async () => expect((await chat()).status()).toBe(200)).toPass({ timeout: 10_000 });
});
