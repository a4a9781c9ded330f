import { expect, signIn, signOut, test } from "./fixtures.ts";

// The session this test ends is its own, not the worker's.
test.use({ session: "none" });

test("signing out ends the session, even for a copy of its cookie", async ({ page, context }) => {
  await signIn(page, "master-key");
  const cookiesWhileSignedIn = await context.cookies();

  await signOut(page);
  await page.goto("/admin");
  await expect(page).toHaveURL(/\/signin\?redirectTo=%2Fadmin$/);

  // The session is gone on the server too: replaying the old cookie does not get back in.
  await context.addCookies(cookiesWhileSignedIn);
  await page.goto("/admin");
  await expect(page).toHaveURL(/\/signin\?redirectTo=%2Fadmin$/);
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
});
