import http from "node:http";
import type { AddressInfo } from "node:net";
import { money, moneyString } from "../app/lib/money.ts";
import { expect, LITELLM_MASTER_KEY, LITELLM_URL, MASTER_KEY, test } from "./fixtures.ts";

/**
 * Jobs in Chromium (docs/jobs.md): a customer makes a job with its own key, calls LiteLLM with the
 * job id as session id, completes it; the team page and the portal show the job with the cost and
 * calls of the double's spend log for that id; the job.completed webhook arrives once, with the
 * final totals.
 */

type Event = { id: string; type: string; data: { job_id: string; costs_final: boolean; totals: { calls: number; cost_exact: string } } };

async function startReceiver() {
  const received: Event[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      received.push(JSON.parse(body) as Event);
      res.writeHead(200, { "Content-Type": "text/plain" }).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks/jobs`, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const admin = { "X-Admin-Key": MASTER_KEY };

test("a customer's job shows on the team page and in the portal, and its webhook arrives once with the final totals", async ({ page, request, createTeam, newContext }) => {
  test.setTimeout(180_000);
  const receiver = await startReceiver();
  try {
    const hook = await request.post("/api/webhooks", { headers: admin, data: { url: receiver.url, description: "jobs spec", events: ["job.completed"] } });
    expect(hook.status(), await hook.text()).toBe(200);
    const team = await createTeam({ label: "Jobs" });
    const key = { Authorization: `Bearer ${team.virtual_key}` };

    const created = await request.post("/api/jobs/create", { headers: key, data: { team_id: team.team_id, job_type: "document_analysis", user_id: "reader-1", metadata: { document: "contract.pdf" } } });
    expect(created.status(), await created.text()).toBe(200);
    const jobId = (await created.json()).job_id as string;

    for (const tokens of [300, 800]) {
      const chat = await request.post(`${LITELLM_URL}/chat/completions`, {
        headers: { ...key, "x-litellm-session-id": jobId },
        data: { model: "gpt-3.5-turbo", max_tokens: tokens, messages: [{ role: "user", content: "Summarise the contract" }] },
      });
      expect(chat.status()).toBe(200);
    }
    await request.post(`${LITELLM_URL}/_double/flush`, { headers: { Authorization: `Bearer ${LITELLM_MASTER_KEY}` } });
    const logs = (await (await request.get(`${LITELLM_URL}/spend/logs/v2?session_id=${jobId}&start_date=${encodeURIComponent("2000-01-01 00:00:00")}&end_date=${encodeURIComponent("2100-01-01 00:00:00")}&page_size=100`, { headers: { Authorization: `Bearer ${LITELLM_MASTER_KEY}` } })).json()) as {
      data: Array<{ spend: number; request_id: string }>;
    };
    expect(logs.data).toHaveLength(2);
    // The double's spend, summed exactly (as the app stores LiteLLM's digits).
    const expected = moneyString(logs.data.reduce((sum, l) => sum + money(String(l.spend)), 0n));

    await expect(async () => {
      const job = await (await request.get(`/api/jobs/${jobId}`, { headers: key })).json();
      expect(job.totals.calls).toBe(2);
    }).toPass({ timeout: 60_000 });
    const done = await request.post(`/api/jobs/${jobId}/complete`, { headers: key, data: { status: "completed" } });
    expect((await done.json()).status).toBe("completed");

    // The team page: the job in the Jobs section, then its page with both calls.
    await page.goto(`/admin/teams/${team.team_id}`);
    const section = page.getByTestId("jobs-section");
    await expect(section).toContainText(jobId);
    await expect(section).toContainText("document_analysis");
    await section.getByRole("link", { name: jobId }).first().click();
    const detail = page.getByTestId("job-detail");
    await expect(detail).toContainText(`Exactly $${expected}`);
    await expect(detail.getByRole("table", { name: /The job's calls/ }).locator("tbody tr")).toHaveCount(2);
    await expect(detail).toContainText("contract.pdf");

    // The portal, signed in with the team's key: the same job and cost.
    const customer = await newContext();
    const portal = await customer.newPage();
    await portal.goto("/portal");
    await portal.getByLabel("Virtual key").fill(team.virtual_key);
    await portal.getByRole("button", { name: "Sign in" }).click();
    const portalJobs = portal.getByTestId("jobs-section");
    await expect(portalJobs).toContainText(jobId);
    await portalJobs.getByRole("link", { name: jobId }).first().click();
    await expect(portal.getByTestId("job-detail")).toContainText(`Exactly $${expected}`);

    // Once ingestion has read past the close, the totals are final and the webhook carries them, once.
    await expect.poll(() => receiver.received.filter((e) => e.data.job_id === jobId).length, { timeout: 120_000 }).toBe(1);
    const event = receiver.received.find((e) => e.data.job_id === jobId)!;
    expect(event).toMatchObject({ type: "job.completed", data: { costs_final: true, totals: { calls: 2 } } });
    expect(event.data.totals.cost_exact).toBe(expected);
    await portal.reload();
    await expect(portal.getByTestId("job-costs-final")).toHaveAttribute("data-final", "true");
    // Implicit jobs are off until an admin turns them on in the team's Edit form.
    await page.goto(`/admin/teams/${team.team_id}`);
    await expect(page.getByText("off: only jobs created through the API")).toBeVisible();
    const edit = page.getByRole("form", { name: "Edit team" });
    await edit.getByLabel("Make a job of every new session id").check();
    await edit.getByRole("button", { name: "Save changes" }).click();
    await expect(page.getByText("on: a new session id starts a job")).toBeVisible();
    expect((await (await request.get(`/api/teams/${team.team_id}`, { headers: admin })).json()).implicit_jobs).toBe(true);

    expect(receiver.received.filter((e) => e.data.job_id === jobId)).toHaveLength(1);
  } finally {
    await receiver.close();
  }
});
