import { formatUsd } from "../app/components/format.ts";
import { money, moneyString } from "../app/lib/money.ts";
import { expect, LITELLM_MASTER_KEY, LITELLM_URL, MASTER_KEY, test } from "./fixtures.ts";

/**
 * Reselling in Chromium (docs/billing.md): an admin puts an organization on a 25 % markup from its
 * Pricing page; the customer's calls through the LiteLLM double are billed cost × 1.25; the team page
 * shows cost, billed and margin; the portal shows the billed amount and no margin.
 */

const admin = { "X-Admin-Key": MASTER_KEY };
const litellmAdmin = { Authorization: `Bearer ${LITELLM_MASTER_KEY}` };

test("a markup set on the Pricing page bills the customer's calls; the team page shows the margin, the portal the billed amount only", async ({ page, request, createTeam, newContext }) => {
  test.setTimeout(180_000);
  const team = await createTeam({ label: "Billing", max_budget: 100 });

  await page.goto(`/admin/organizations/${team.organization_id}`);
  await page.getByRole("link", { name: "Pricing" }).first().click();
  const form = page.getByRole("form", { name: "Save a new price list version" });
  await form.getByLabel("Kind").selectOption("markup");
  await form.getByLabel("Markup over cost (%)").fill("25");
  await form.getByRole("button", { name: "Save a new version" }).click();
  await expect(page.getByRole("region", { name: "In force now" })).toContainText("25");
  await expect(async () => {
    const list = await (await request.get(`/api/organizations/${team.organization_id}/price-list`, { headers: admin })).json();
    expect(list.current).toMatchObject({ version: 1, kind: "markup", markup_percent: 25 });
  }).toPass({ timeout: 10_000 });

  for (const tokens of [900, 1700]) {
    const chat = await request.post(`${LITELLM_URL}/chat/completions`, {
      headers: { Authorization: `Bearer ${team.virtual_key}` },
      data: { model: "gpt-3.5-turbo", max_tokens: tokens, messages: [{ role: "user", content: "Summarise the invoice" }] },
    });
    expect(chat.status()).toBe(200);
  }
  await request.post(`${LITELLM_URL}/_double/flush`, { headers: litellmAdmin });
  const logs = (await (
    await request.get(`${LITELLM_URL}/spend/logs/v2?team_id=${team.team_id}&start_date=${encodeURIComponent("2000-01-01 00:00:00")}&end_date=${encodeURIComponent("2100-01-01 00:00:00")}&page_size=100`, {
      headers: litellmAdmin,
    })
  ).json()) as { data: Array<{ spend: number }> };
  expect(logs.data).toHaveLength(2);
  // cost × 1.25 per call, rounded half up to 1e-10 as the billed column is.
  const billed = logs.data.reduce((sum, l) => sum + (money(String(l.spend)) * 125n + 50n) / 100n, 0n);
  const cost = logs.data.reduce((sum, l) => sum + money(String(l.spend)), 0n);

  let usage: { total_billed: number; total_spend: number; margin: number } = { total_billed: 0, total_spend: 0, margin: 0 };
  await expect(async () => {
    usage = await (await request.get(`/api/teams/${team.team_id}/usage`, { headers: admin })).json();
    expect(moneyString(money(String(usage.total_billed)))).toBe(moneyString(billed));
  }).toPass({ timeout: 60_000 });
  expect(moneyString(money(String(usage.margin)))).toBe(moneyString(billed - cost));

  // The team page: cost, billed and margin.
  await page.goto(`/admin/teams/${team.team_id}`);
  await expect(page.getByText("Margin").first()).toBeVisible();
  await expect(page.getByText(formatUsd(usage.total_billed)).first()).toBeVisible();

  // The portal, signed in with the team's key: the billed amount, no cost, no margin.
  const customer = await newContext();
  const portal = await customer.newPage();
  await portal.goto("/portal");
  await portal.getByLabel("Virtual key").fill(team.virtual_key);
  await portal.getByRole("button", { name: "Sign in" }).click();
  await expect(portal.getByText(formatUsd(usage.total_billed)).first()).toBeVisible();
  const text = (await portal.locator("main").innerText()).toLowerCase();
  expect(text).not.toContain("margin");
  expect(text).not.toContain(formatUsd(usage.total_spend).toLowerCase());

  // The customer's statements: this month's, open, with its billed total, as a PDF to download.
  await portal.getByRole("link", { name: "see your statements" }).click();
  const statements = portal.getByRole("table", { name: "Your statements" });
  await expect(statements.locator("tbody tr")).toHaveCount(1);
  const pdfHref = await statements.getByRole("link", { name: /^PDF/ }).getAttribute("href");
  const pdf = await customer.request.get(pdfHref!);
  expect(pdf.status()).toBe(200);
  expect(pdf.headers()["content-type"]).toBe("application/pdf");
  expect((await pdf.body()).subarray(0, 5).toString()).toBe("%PDF-");
  const csvHref = await statements.getByRole("link", { name: /^CSV/ }).getAttribute("href");
  const csv = await (await customer.request.get(csvHref!)).text();
  expect(csv).toContain(moneyString(billed));
  expect(csv.toLowerCase()).not.toContain("margin");
});
