import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures.ts";

/** Serious and critical WCAG 2.1 A/AA violations, as "rule: summary (n elements)". */
async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} (${v.nodes.length} element${v.nodes.length === 1 ? "" : "s"}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
}

test.describe("signed out", () => {
  // A signed-in admin is sent from /signin to the panel.
  test.use({ session: "none" });
  test("the sign-in page has no serious accessibility problems", async ({ page }) => {
    await page.goto("/signin");
    await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
    expect(await seriousViolations(page)).toEqual([]);
  });
});

test("the admin overview has no serious accessibility problems", async ({ page }) => {
  await page.goto("/admin");
  await expect(page.getByTestId("role")).toHaveText("owner");
  expect(await seriousViolations(page)).toEqual([]);
});
