/**
 * The Webhooks page (docs/webhooks.md): an admin adds an endpoint (a small receiver server run by the
 * test) and sees its signing secret once; a team crossing its 80 % threshold sends a signed event that
 * shows in the delivery log with the receiver's answer; Replay sends it again; deleting the endpoint
 * asks first.
 */
import { createHmac } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { APIRequestContext } from "@playwright/test";
import { createTeamWithKey, expect, LITELLM_MASTER_KEY, LITELLM_URL, openAdmin, test } from "./fixtures.ts";

const RECEIVER_ANSWER = "thanks from the e2e receiver";

type Received = { timestamp: string; signature: string; body: string; event: { id: string; type: string; data: { team_name: string; threshold_percent: number } } };

/** A webhook receiver on loopback that records every POST and answers 200 with RECEIVER_ANSWER. */
async function startReceiver() {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      received.push({
        timestamp: String(req.headers["x-saas-litellm-timestamp"]),
        signature: String(req.headers["x-saas-litellm-signature"]),
        body,
        event: JSON.parse(body),
      });
      res.writeHead(200, { "Content-Type": "text/plain" }).end(RECEIVER_ANSWER);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks/budget`, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A soft team with a $1.00 budget (set up over REST) that spends $0.90 through its key at LiteLLM. */
async function teamPastEightyPercent(request: APIRequestContext, name: string) {
  const { virtual_key: key } = await createTeamWithKey(request, { label: "Hooks", name, max_budget: 1, budget_mode: "soft" });
  const spent = await request.post(`${LITELLM_URL}/chat/completions`, {
    headers: { Authorization: `Bearer ${key}` },
    data: { model: "gpt-3.5-turbo", max_tokens: 600_000, messages: [{ role: "user", content: "Write a long story" }] },
  });
  expect(spent.status(), await spent.text()).toBe(200);
  await request.post(`${LITELLM_URL}/_double/flush`, { headers: { Authorization: `Bearer ${LITELLM_MASTER_KEY}` } });
}

test("an endpoint gets a signed event when a team crosses 80 %, the log shows the answer, replay resends it, delete asks first", async ({ page, request }) => {
  // The worker ingests usage every 15 s (USAGE_INGEST_INTERVAL_SECONDS) and the event follows at once;
  // on a fresh server the first run waits for the per-minute schedule that starts the chain.
  test.setTimeout(150_000);
  const receiver = await startReceiver();
  try {
    const teamName = `Hooked Team ${Date.now().toString(36)}`;
    let secret = "";

    await openAdmin(page);
    await page.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Webhooks" }).click();
    await expect(page.getByRole("heading", { name: "Webhooks", level: 1 })).toBeVisible();
    // The test server runs with WEBHOOK_ALLOW_PRIVATE=true (this receiver is on loopback), and the page says so.
    await expect(page.getByTestId("webhook-targets")).toContainText("This install allows private targets (WEBHOOK_ALLOW_PRIVATE=true)");

    await test.step("add the endpoint: its secret is shown once", async () => {
      const form = page.getByRole("form", { name: "Add a webhook endpoint" });
      await form.getByLabel("URL").fill(receiver.url);
      await form.getByLabel("Description").fill("E2E receiver");
      await expect(form.getByRole("checkbox", { name: "budget.threshold_crossed" })).toBeChecked();
      await form.getByRole("button", { name: "Add endpoint" }).click();
      const created = page.getByRole("status").filter({ hasText: `Endpoint ${receiver.url} added` });
      await expect(created).toContainText("Copy its signing secret now: it is not shown again.");
      secret = await page.getByTestId("webhook-secret").getByRole("textbox").inputValue();
      expect(secret).toMatch(/^whsec_/);
      await expect(page.getByRole("region", { name: receiver.url })).toContainText("No deliveries yet.");

      await page.reload();
      await expect(page.getByRole("region", { name: receiver.url })).toBeVisible();
      await expect(page.getByTestId("webhook-secret")).toHaveCount(0);
      await expect(page.getByText(secret)).toHaveCount(0);
    });

    const endpoint = page.getByRole("region", { name: receiver.url });
    const delivery = endpoint.getByRole("row").filter({ hasText: teamName });

    await test.step("a team crossing 80 % is delivered, signed with that secret, and logged with the answer", async () => {
      await teamPastEightyPercent(request, teamName);
      await expect(async () => {
        await page.reload();
        await expect(delivery).toContainText("delivered", { timeout: 1_000 });
      }).toPass({ timeout: 100_000 });
      await expect(delivery).toContainText("budget.threshold_crossed");
      await expect(delivery).toContainText(`${teamName} · 80 %`);
      await expect(delivery).toContainText("200");
      await expect(delivery).toContainText(RECEIVER_ANSWER);
      await expect(delivery.getByRole("cell").nth(3)).toHaveText("1");

      const ours = receiver.received.filter((r) => r.event.data.team_name === teamName);
      expect(ours).toHaveLength(1);
      expect(ours[0].event).toMatchObject({ type: "budget.threshold_crossed", data: { threshold_percent: 80 } });
      const expected = "sha256=" + createHmac("sha256", secret).update(`${ours[0].timestamp}.${ours[0].body}`).digest("hex");
      expect(ours[0].signature).toBe(expected);
    });

    await test.step("replay sends the same event again", async () => {
      await delivery.getByRole("button", { name: /^Replay/ }).click();
      await expect(page.getByRole("status")).toContainText("Delivery sent again");
      await expect.poll(() => receiver.received.filter((r) => r.event.data.team_name === teamName).length, { timeout: 15_000 }).toBe(2);
      const [first, again] = receiver.received.filter((r) => r.event.data.team_name === teamName);
      expect(again.event.id).toBe(first.event.id);
      await expect(async () => {
        await page.reload();
        await expect(delivery.getByRole("cell").nth(3)).toHaveText("2", { timeout: 1_000 });
      }).toPass({ timeout: 15_000 });
      await expect(delivery).toContainText("delivered");
    });

    await test.step("delete asks for confirmation: cancel keeps the endpoint, OK deletes it", async () => {
      const deleteButton = endpoint.getByRole("button", { name: `Delete ${receiver.url}` });
      let question = "";
      page.once("dialog", (dialog) => {
        question = dialog.message();
        void dialog.dismiss();
      });
      await deleteButton.click();
      await expect.poll(() => question).toBe(`Delete the endpoint ${receiver.url}? It gets no new events.`);
      await page.reload();
      await expect(endpoint).toBeVisible();

      page.once("dialog", (dialog) => void dialog.accept());
      await deleteButton.click();
      await expect(page.getByRole("status")).toContainText("Endpoint deleted; it gets no new events.");
      await expect(endpoint).toHaveCount(0);
    });
  } finally {
    await receiver.close();
  }
});
