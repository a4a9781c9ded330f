import AxeBuilder from "@axe-core/playwright";
import { expect, openAdmin, test } from "./fixtures.ts";

test("an owner creates an API token in Settings, sees it once, uses it, and revokes it", async ({ page }) => {
  const name = `e2e token ${Date.now().toString(36)}`;
  let token = "";

  await test.step("the owner creates a token and sees it once", async () => {
    await openAdmin(page);
    await page.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Settings" }).click();
    const form = page.getByRole("form", { name: "Create an API token" });
    await form.getByLabel("Token name").fill(name);
    await form.getByLabel("Token role").selectOption("admin");
    await form.getByRole("button", { name: "Create token" }).click();

    const shown = page.getByRole("region", { name: "New API token" });
    await expect(shown).toContainText("shown only this once");
    token = await shown.getByLabel("New API token").inputValue();
    expect(token).toMatch(/^sla_[A-Za-z0-9_-]{32}$/);
    await expect(shown.getByRole("button", { name: "Copy" })).toBeVisible();
    await expect(page.getByRole("row", { name: new RegExp(name) })).toContainText(token.slice(0, 10));
    const axe = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
    expect(axe.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id)).toEqual([]);

    // Once: after a reload the page lists the token by its prefix only.
    await page.reload();
    await expect(page.getByRole("region", { name: "New API token" })).toHaveCount(0);
    await expect(page.getByRole("row", { name: new RegExp(name) })).toBeVisible();
    expect(await page.content()).not.toContain(token);
  });

  await test.step("a script's request with the token succeeds", async () => {
    const me = await page.request.get("/api/me", { headers: { Authorization: `Bearer ${token}` } });
    expect(me.status()).toBe(200);
    expect(await me.json()).toMatchObject({ id: "master", role: "admin", name: expect.stringContaining(name) });
  });

  await test.step("after the owner revokes it, the token is refused", async () => {
    await page.reload();
    const row = page.getByRole("row", { name: new RegExp(name) });
    // "Last used" now shows when the script called.
    await expect(row).toContainText("UTC");
    page.once("dialog", (dialog) => void dialog.accept());
    await row.getByRole("button", { name: `Revoke ${name}` }).click();
    await expect(page.getByRole("status")).toContainText(`API token "${name}" revoked`);
    await expect(row).toContainText("revoked");

    const refused = await page.request.get("/api/me", { headers: { Authorization: `Bearer ${token}` } });
    expect(refused.status()).toBe(401);
    expect((await refused.json()).error).toMatchObject({ code: "UNAUTHORIZED", message: expect.stringContaining("revoked") });
  });
});
