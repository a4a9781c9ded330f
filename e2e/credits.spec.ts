import { expect, LITELLM_MASTER_KEY, LITELLM_URL, openAdmin, test } from "./fixtures.ts";

test("a team stopped by its budget works again after an admin adds credits on the team page", async ({ page, request, createTeam }) => {
  const team = await createTeam({ label: "Credits", name: "Small Budget Team", max_budget: 0.01 });

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

  await openAdmin(page);
  await page.goto(`/admin/teams/${team.team_id}`);
  const form = page.getByRole("form", { name: "Add credits" });
  await form.getByLabel("Credits to add (USD)").fill("25");
  await form.getByLabel("Reason").fill("Top-up from the e2e test");
  await form.getByRole("button", { name: "Add credits" }).click();
  await expect(page.getByRole("status")).toContainText("$25.00 of credits added");
  // $25.00 of credits, less what the team spent past its allowance once that spend is ingested.
  await expect(page.getByTestId("budget-figures")).toContainText(/Credit balance\$2[45]\.\d\dRemaining budget\$2[45]\.\d\d/);

  await expect(async () => expect((await chat()).status()).toBe(200)).toPass({ timeout: 10_000 });
});
