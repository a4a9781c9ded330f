import http from "node:http";
import { E2E_PORT, expect, MASTER_KEY, signInAs, signInWithMasterKey, test } from "./fixtures.ts";

// The one spec that signs in through the form, as a person does; the others start with a session
// made over POST /signin (the `session` fixture).
test.use({ session: "none" });

/** A form post to POST /signin from another loopback address (its own throttle), as a browser without scripts sends it. */
function signInFrom(localAddress: string, masterKey: string): Promise<{ status: number; body: string; location?: string; setCookie?: string[] }> {
  const body = new URLSearchParams({ method: "master-key", masterKey, redirectTo: "/admin" }).toString();
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port: E2E_PORT, path: "/signin", method: "POST", localAddress, headers: { "content-type": "application/x-www-form-urlencoded", "content-length": Buffer.byteLength(body) } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text, location: res.headers.location, setCookie: res.headers["set-cookie"] }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const loopback = () => `127.0.${Math.floor(Math.random() * 200) + 20}.${Math.floor(Math.random() * 200) + 20}`;

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

  test("refuses a wrong master key with a clear message and stays on the sign-in page", async ({ page, browserErrors }) => {
    browserErrors.allow(/Failed to load resource: the server responded with a status of 401/, "the wrong master key is answered 401 on purpose");
    await signInWithMasterKey(page, "not-the-master-key");

    await expect(page.getByRole("alert")).toContainText("That master key is not correct");
    await expect(page).toHaveURL(/\/signin$/);
    await expect(page.getByLabel("Master key")).toBeVisible();

    await signInAs(page, "master-key");
  });

  test("gets in with the right key after wrong ones, from the same address and from another", async () => {
    const address = loopback();
    for (let i = 0; i < 6; i++) expect((await signInFrom(address, `sk-wrong-${i}`)).status).toBe(401);
    const slowed = await signInFrom(address, "sk-wrong-again");
    expect(slowed.body).toContain("Wrong attempts from your network address are now answered slowly");
    for (const from of [address, loopback()]) {
      const right = await signInFrom(from, MASTER_KEY);
      expect(right.status).toBe(302);
      expect(right.location).toBe("/admin");
      expect(right.setCookie?.join(";")).toMatch(/saas_session=\w+/);
    }
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
