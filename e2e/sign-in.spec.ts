import { expect, test } from "@playwright/test";
import { MASTER_KEY, signInAs, signInWithMasterKey } from "./fixtures.ts";

test.describe("signing in with the master key", () => {
  test("opens the admin panel with its navigation and the health of each part", async ({ page }) => {
    await signInAs(page, "master-key");

    const nav = page.getByRole("navigation", { name: "Admin" });
    for (const name of ["Overview", "Models", "Organizations", "Model groups", "Teams", "Usage", "Settings"]) {
      await expect(nav.getByRole("link", { name })).toBeVisible();
    }

    const health = page.getByRole("region", { name: "System health" });
    await expect(health.getByTestId("health-postgres")).toContainText("connected");
    // The test server talks to the LiteLLM double with its master key.
    await expect(health.getByTestId("health-litellm")).toContainText("connected");
    // The strip is drawn by the server: reload until the worker's first heartbeat is in.
    await expect(async () => {
      await page.reload();
      await expect(page.getByTestId("health-worker")).toContainText("running", { timeout: 1000 });
    }).toPass({ timeout: 20_000 });
  });

  test("refuses a wrong master key with a clear message and stays on the sign-in page", async ({ page }) => {
    await signInWithMasterKey(page, "not-the-master-key");

    await expect(page.getByRole("alert")).toContainText("That master key is not correct");
    await expect(page).toHaveURL(/\/signin$/);
    await expect(page.getByLabel("Master key")).toBeVisible();

    // Five failures lock the account until a success: end with one, so other specs and later runs start clean.
    await signInAs(page, "master-key");
  });

  test("sends a visitor who is not signed in to the sign-in page, then back", async ({ page }) => {
    await page.goto("/admin/settings");
    await expect(page).toHaveURL(/\/signin\?redirectTo=%2Fadmin%2Fsettings$/);

    await page.getByLabel("Master key").fill(MASTER_KEY);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/admin\/settings$/);
    await expect(page.getByRole("heading", { name: "Settings", level: 1 })).toBeVisible();
  });
});
