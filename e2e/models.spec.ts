import { expect, LITELLM_MODELS, openAdmin, test } from "./fixtures.ts";

test("the Models page lists exactly the model names LiteLLM serves, with prices", async ({ page }) => {
  await openAdmin(page);
  await page.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Models" }).click();
  await expect(page.getByRole("heading", { name: "Models", level: 1 })).toBeVisible();
  const table = page.getByRole("table", { name: /Models served by LiteLLM/ });
  for (const name of LITELLM_MODELS) {
    const row = table.getByRole("row", { name: new RegExp(`^${name.replace(/\./g, "\\.")}\\b`) });
    await expect(row).toBeVisible();
    await expect(row).toContainText("$");
  }
  await expect(table.getByRole("row")).toHaveCount(LITELLM_MODELS.length + 1);
});
