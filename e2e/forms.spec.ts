import { expect, test } from "./fixtures.ts";

// Issue 11 §8: the forms refuse what the API refuses, with the API's words, instead of the browser
// cutting the input short or the form giving a vaguer reason.
test("a 5,000-character organization name is refused with the API's message, not cut to 100 characters", async ({ page, browserErrors }) => {
  browserErrors.allow(/organizations\?_data=.*status of 400/, "the over-long name is answered 400 on purpose");
  await page.goto("/admin/organizations");
  const form = page.getByRole("form", { name: "Create an organization" });
  const name = `Long ${"x".repeat(4995)}`;
  await form.getByLabel("Name", { exact: true }).fill(name);
  await form.getByLabel("LiteLLM organization id").fill(`long-${Date.now().toString(36)}`);
  await form.getByRole("button", { name: "Create organization" }).click();
  // The form checks with the API's own schema before sending, and says it under the field.
  const field = form.getByLabel("Name", { exact: true });
  await expect(form.getByText("Use at most 100 characters")).toBeVisible();
  await expect(field).toHaveAttribute("aria-invalid", "true");
  expect((await field.inputValue()).length).toBe(5000);
  await expect(page.getByRole("heading", { name: name.slice(0, 100), level: 1 })).toHaveCount(0);
});

test("the Usage page says why it ignores ?from=garbage, as it does for other bad ranges", async ({ page }) => {
  await page.goto("/admin/usage?from=garbage");
  await expect(page.getByText(/from must be a date.*Showing the default range instead/)).toBeVisible();
});
