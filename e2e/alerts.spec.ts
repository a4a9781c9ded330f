/**
 * Budget alerts in the admin panel (docs/webhooks.md): a soft team spends 90 % of its budget through
 * its virtual key at LiteLLM (the double); once the worker has ingested that usage, the team page
 * shows the 80 % alert banner; adding credits takes the team back under and the banner goes away.
 */
import type { APIRequestContext } from "@playwright/test";
import { expect, LITELLM_MASTER_KEY, LITELLM_URL, openAdmin, test } from "./fixtures.ts";

/** A request whose cost is `tokens` completion tokens of gpt-3.5-turbo ($1.50 per 1M) through the team's key. */
function chat(request: APIRequestContext, key: string, tokens: number) {
  return request.post(`${LITELLM_URL}/chat/completions`, {
    headers: { Authorization: `Bearer ${key}` },
    data: { model: "gpt-3.5-turbo", max_tokens: tokens, messages: [{ role: "user", content: "Write a long story" }] },
  });
}

test("a soft team past 80 % of its budget shows the alert banner until credits are added", async ({ page, request, createTeam }) => {
  // The worker ingests usage every 15 s (USAGE_INGEST_INTERVAL_SECONDS) and evaluates alerts right after;
  // on a fresh server the first run waits for the per-minute schedule that starts the chain.
  test.setTimeout(150_000);
  const teamName = `Alerting Team ${Date.now().toString(36)}`;
  // An organization, a model group and a soft team with a $1.00 30-day budget, set up over REST.
  const team = await createTeam({ label: "Alerts", name: teamName, max_budget: 1, budget_mode: "soft" });

  await openAdmin(page);
  await page.goto(`/admin/teams/${team.team_id}`);
  await expect(page.getByRole("heading", { name: teamName, level: 1 })).toBeVisible();
  await expect(page.getByTestId("budget-alert-banner")).toHaveCount(0);

  // $0.90 of the $1.00: past 80 %, not yet 100 %. LiteLLM writes spend in batches; flush it now.
  const spent = await chat(request, team.virtual_key, 600_000);
  expect(spent.status(), await spent.text()).toBe(200);
  await request.post(`${LITELLM_URL}/_double/flush`, { headers: { Authorization: `Bearer ${LITELLM_MASTER_KEY}` } });

  const banner = page.getByRole("alert").filter({ has: page.getByTestId("budget-alert-banner") });
  await expect(async () => {
    await page.reload();
    await expect(banner).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 100_000 });
  await expect(banner).toContainText("this team has used 80 % or more of this period's budget");
  await expect(banner).toContainText("$0.90 of $1.00");
  await expect(banner).toContainText("Thresholds crossed: 80 %.");

  // Soft mode: the alert warns, LiteLLM keeps serving the team.
  expect((await chat(request, team.virtual_key, 10)).status()).toBe(200);

  // Credits take the team to $0.90 of $2.00 (45 %): the alert is resolved and the banner goes.
  const form = page.getByRole("form", { name: "Add credits" });
  await form.getByLabel("Credits to add (USD)").fill("1");
  await form.getByLabel("Reason").fill("Top-up after the 80 % alert");
  await form.getByRole("button", { name: "Add credits" }).click();
  await expect(page.getByRole("status")).toContainText("$1.00 of credits added");
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId("budget-alert-banner")).toHaveCount(0, { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await expect(page.getByRole("heading", { name: teamName, level: 1 })).toBeVisible();
});
