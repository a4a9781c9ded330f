import type { Page } from "@playwright/test";
import { expect, signIn, signOut, test, TEST_PASSWORD, uniqueEmail } from "./fixtures.ts";

// The owner signs out: a session of this test's own, not the worker's.
test.use({ session: "none" });

async function createAccount(page: Page, account: { name: string; email: string; role: "viewer" | "admin" | "owner" }) {
  const form = page.getByRole("form", { name: "Create an admin account" });
  await form.getByLabel("Name").fill(account.name);
  await form.getByLabel("Email").fill(account.email);
  await form.getByLabel("Role").selectOption(account.role);
  await form.getByLabel("Password").fill(TEST_PASSWORD);
  await form.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("status")).toContainText(`Account ${account.email} created with the ${account.role} role.`);
  await expect(page.getByRole("row", { name: account.email })).toContainText(account.role);
}

async function openSettings(page: Page) {
  await page.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Settings" }).click();
  await expect(page.getByRole("heading", { name: "Settings", level: 1 })).toBeVisible();
}

test("an owner creates a viewer and an admin; each can do what their role allows", async ({ page }) => {
  const viewer = { name: "E2E Viewer", email: uniqueEmail("viewer"), role: "viewer" } as const;
  const admin = { name: "E2E Admin", email: uniqueEmail("admin"), role: "admin" } as const;

  await test.step("the owner creates both accounts", async () => {
    await signIn(page, "master-key");
    await openSettings(page);
    await createAccount(page, viewer);
    await createAccount(page, admin);
    await signOut(page);
  });

  await test.step("the viewer sees Settings but cannot create accounts or run a worker check", async () => {
    await signIn(page, viewer);
    await openSettings(page);
    await expect(page.getByRole("row", { name: admin.email })).toBeVisible();
    await expect(page.getByText("Only owners can create or disable admin accounts.")).toBeVisible();
    await expect(page.getByRole("form", { name: "Create an admin account" })).toHaveCount(0);
    await expect(page.getByRole("button", { name: "Run a worker check" })).toHaveCount(0);
    await signOut(page);
  });

  await test.step("the admin runs a worker check and the worker process answers it", async () => {
    await signIn(page, admin);
    await openSettings(page);
    await expect(page.getByRole("form", { name: "Create an admin account" })).toHaveCount(0);
    await page.getByRole("button", { name: "Run a worker check" }).click();
    await expect(page.getByRole("status")).toContainText("Worker check sent");
    // From here the latest check is this one. The page does not poll: reload until the worker has done the job.
    await expect(async () => {
      await page.reload();
      await expect(page.getByTestId("worker-last-check")).toContainText(/answered in \d+ ms/, { timeout: 1000 });
    }).toPass({ timeout: 20_000 });
  });
});
