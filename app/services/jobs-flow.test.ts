import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { liteLLMDouble, masterActor } from "../../test/factories.ts";
import { rest } from "../../test/rest.ts";
import { TEST_MASTER_KEY } from "../../test/setup-db.ts";
import { startWorker, waitFor, type WorkerProcess } from "../../test/worker-process.ts";
import { money, moneyString } from "~/lib/money";
import type { Actor } from "~/auth/actor";
import { createModelGroup } from "./model-groups.server.ts";
import { createOrganization } from "./organizations.server.ts";
import { createTeam } from "./teams.server.ts";
import { createWebhookEndpoint } from "./webhooks.server.ts";

/**
 * Issue 13 "Done when", through the LiteLLM double and the real worker process: a customer makes a
 * job with its own key, calls LiteLLM with the job id as session id, completes it, and reads cost
 * and calls equal to the double's spend log for that session id; another team's calls with the
 * same id never appear in it; a job left open closes as abandoned by itself; each job's webhook
 * arrives once, with the final totals.
 */
const admin: Actor = { ...masterActor, via: "rest" };
const suffix = () => Math.random().toString(36).slice(2, 8);

type Event = { id: string; type: string; data: { job_id: string; team_id: string; status: string; costs_final: boolean; totals: { calls: number; cost_exact: string } } };

async function receiver() {
  const received: Event[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      received.push(JSON.parse(body) as Event);
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return { url, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** One chat call to the double with the team's key, the job id as `x-litellm-session-id` (or in the body as litellm_session_id). */
async function chat(key: string, tokens: number, session?: { header?: string; body?: string }) {
  const response = await fetch(`${liteLLMDouble().url}/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...(session?.header ? { "x-litellm-session-id": session.header } : {}) },
    body: JSON.stringify({
      model: "gpt-3.5-turbo",
      max_tokens: tokens,
      messages: [{ role: "user", content: "Summarise this document" }],
      ...(session?.body ? { litellm_session_id: session.body } : {}),
    }),
  });
  expect(response.status).toBe(200);
  await response.arrayBuffer();
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe("jobs through the LiteLLM double and the worker", () => {
  let worker: WorkerProcess;
  let hook: Awaited<ReturnType<typeof receiver>>;
  let a: { team_id: string; key: string };
  let b: { team_id: string; key: string };

  beforeAll(async () => {
    // Ingestion every 5 s; a job idle for 6 s is abandoned.
    worker = await startWorker({ USAGE_INGEST_INTERVAL_SECONDS: "5", JOB_IDLE_TIMEOUT_MINUTES: "0.1" });
    hook = await receiver();
    await createWebhookEndpoint(admin, { url: hook.url, description: "jobs", events: ["job.completed", "job.failed", "job.abandoned"] });
    const org = await createOrganization(admin, { name: `Jobs Org ${suffix()}`, litellm_organization_id: `jobs-${suffix()}` });
    const group = await createModelGroup(admin, { name: `jobs-models-${suffix()}`, models: ["gpt-3.5-turbo"] });
    const make = async (name: string) => {
      const team = await createTeam(admin, { name: `${name} ${suffix()}`, organization_id: org.organization_id, model_groups: [group.name], max_budget: 100, budget_duration: "30d" });
      return { team_id: team.team_id, key: team.virtual_key! };
    };
    a = await make("Jobs A");
    b = await make("Jobs B");
  }, 60_000);
  afterAll(async () => {
    await worker?.stop();
    await hook?.close();
  });

  it("a customer's job: its cost and calls equal the double's spend log for its id, to the cent; another team's calls with the same id stay out", { timeout: 150_000 }, async () => {
    const created = await rest("POST", "/api/jobs/create", { headers: bearer(a.key), body: { team_id: a.team_id, job_type: "document_analysis", user_id: "user-7", metadata: { document: "invoice-7.pdf" } } });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ status: "pending", team_id: a.team_id, job_type: "document_analysis", user_id: "user-7", costs_final: false });
    const jobId: string = created.body.job_id;

    await chat(a.key, 400, { header: jobId });
    await chat(a.key, 900, { header: jobId });
    await chat(a.key, 250, { body: jobId });
    // Team B uses the same id: its calls are its own, never in A's job (and B has no such job).
    await chat(b.key, 5_000, { header: jobId });
    await chat(b.key, 700, { header: jobId });
    // A forgets the header: counted for A, not in the job.
    await chat(a.key, 333);
    await liteLLMDouble().flush();

    const logs = liteLLMDouble().state.spendLogs();
    const ours = logs.filter((l) => l.team_id === a.team_id && l.session_id === jobId);
    expect(ours).toHaveLength(3);
    expect(logs.filter((l) => l.team_id === b.team_id && l.session_id === jobId)).toHaveLength(2);
    const expected = moneyString(ours.reduce((sum, l) => sum + money(l.spend), 0n));

    const read = () => rest("GET", `/api/jobs/${encodeURIComponent(jobId)}`, { headers: bearer(a.key) });
    const running = await waitFor("the job's three calls to be ingested", async () => {
      const job = await read();
      return job.body?.totals?.calls === 3 ? job : undefined;
    }, 45_000);
    expect(running.body.status).toBe("running");
    expect(running.body.totals.cost_exact).toBe(expected);
    expect(running.body.calls.map((c: { request_id: string }) => c.request_id).sort()).toEqual(ours.map((l) => l.request_id).sort());
    expect(running.body.totals.prompt_tokens + running.body.totals.completion_tokens).toBe(ours.reduce((n, l) => n + l.total_tokens, 0));
    for (const call of running.body.calls) {
      const log = ours.find((l) => l.request_id === call.request_id)!;
      expect(call).toMatchObject({ model_group: "gpt-3.5-turbo", status: "success", prompt_tokens: log.prompt_tokens, completion_tokens: log.completion_tokens, cost: log.spend });
      expect(call.latency_ms).toEqual(expect.any(Number));
    }

    const done = await rest("POST", `/api/jobs/${encodeURIComponent(jobId)}/complete`, { headers: bearer(a.key), body: { status: "completed", metadata: { pages: 12 } } });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: "completed", metadata: { document: "invoice-7.pdf", pages: 12 } });
    // Completing again (even as failed) answers with the first result.
    const again = await rest("POST", `/api/jobs/${encodeURIComponent(jobId)}/complete`, { headers: bearer(a.key), body: { status: "failed" } });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ status: "completed", closed_at: done.body.closed_at, metadata: { pages: 12 } });

    // Final once ingestion has read past the close (plus the late-write margin); the webhook carries those totals, once.
    const final = await waitFor("the job's totals to be final", async () => {
      const job = await read();
      return job.body.costs_final ? job : undefined;
    }, 90_000);
    expect(final.body.totals.cost_exact).toBe(expected);
    const event = await waitFor("the job.completed webhook", async () => hook.received.find((e) => e.type === "job.completed" && e.data.job_id === jobId), 30_000);
    expect(event.data).toMatchObject({ team_id: a.team_id, status: "completed", costs_final: true, totals: { calls: 3, cost_exact: expected } });

    // Team B's key: A's job does not exist for it (404, never 403), and B got no job from the id.
    const other = await rest("GET", `/api/jobs/${encodeURIComponent(jobId)}`, { headers: bearer(b.key) });
    expect(other.status).toBe(404);
    expect(other.text).not.toContain(a.team_id);
    expect((await rest("GET", `/api/teams/${a.team_id}/jobs`, { headers: bearer(b.key) })).status).toBe(404);
    expect((await rest("GET", `/api/teams/${b.team_id}/jobs`, { headers: bearer(b.key) })).body.jobs).toEqual([]);
    // The header-less call and B's calls are still counted for their teams.
    const usageA = await rest("GET", `/api/teams/${a.team_id}/usage`, { headers: { "X-Admin-Key": TEST_MASTER_KEY } });
    expect(usageA.body.request_count).toBe(4);

    // Delivered once: nothing more arrives for this job.
    await new Promise((r) => setTimeout(r, 6_000));
    expect(hook.received.filter((e) => e.data.job_id === jobId)).toHaveLength(1);
  });

  it("a job left open closes as abandoned by itself, with its cost", { timeout: 150_000 }, async () => {
    const created = await rest("POST", "/api/jobs/create", { headers: bearer(a.key), body: { team_id: a.team_id, job_type: "chat_session" } });
    const jobId: string = created.body.job_id;
    await chat(a.key, 600, { header: jobId });
    await liteLLMDouble().flush();
    const expected = moneyString(
      liteLLMDouble()
        .state.spendLogs()
        .filter((l) => l.session_id === jobId)
        .reduce((sum, l) => sum + money(l.spend), 0n),
    );
    const abandoned = await waitFor("the idle job to be abandoned", async () => {
      const job = await rest("GET", `/api/jobs/${encodeURIComponent(jobId)}`, { headers: bearer(a.key) });
      return job.body.status === "abandoned" ? job : undefined;
    }, 60_000);
    expect(abandoned.body.totals).toMatchObject({ calls: 1, cost_exact: expected });
    const event = await waitFor("the job.abandoned webhook", async () => hook.received.find((e) => e.type === "job.abandoned" && e.data.job_id === jobId), 90_000);
    expect(event.data.totals).toMatchObject({ calls: 1, cost_exact: expected });
  });
});
