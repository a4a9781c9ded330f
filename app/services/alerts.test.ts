import { randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { liteLLMDouble, masterActor, uniqueEmail } from "../../test/factories.ts";
import { rest } from "../../test/rest.ts";
import { TEST_MASTER_KEY } from "../../test/setup-db.ts";
import { startWorker, waitFor, type WorkerProcess } from "../../test/worker-process.ts";
import { insertUsageRows } from "../../db/queries/usage.ts";
import { db } from "~/lib/db.server";
import { AppError } from "~/lib/errors";
import type { Actor, CustomerActor } from "~/auth/actor";
import { createAdminAccount } from "./admin-accounts.server.ts";
import { evaluateTeamAlerts, listTeamAlerts, setAlertThresholds } from "./alerts.server.ts";
import { addCredits } from "./credits.server.ts";
import { createModelGroup } from "./model-groups.server.ts";
import { createOrganization } from "./organizations.server.ts";
import { syncTeam } from "./team-sync.server.ts";
import { createTeam } from "./teams.server.ts";
import { ingestUsage } from "./usage-ingestion.server.ts";
import { createWebhookEndpoint, listWebhookDeliveries, signWebhook, type WebhookDelivery } from "./webhooks.server.ts";

/** Budget alerts fired by ingestion and resolved by credits, delivered as signed webhooks to real HTTP receivers on loopback. */
const admin: Actor = { ...masterActor, via: "rest" };
const suffix = () => Math.random().toString(36).slice(2, 8);
/** Deliveries go through the worker process: generous waits for a loaded machine. */
const WAIT = 60_000;

type Received = { headers: IncomingHttpHeaders; body: string; event: { id: string; type: string; created_at: string; data: Record<string, unknown> }; valid: boolean };

/** A webhook receiver that checks every signature with the secret, and answers with the next status in `script` (then 200). */
async function receiver(script: number[] = []) {
  const received: Received[] = [];
  const state = { secret: "", script: [...script] };
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      const timestamp = String(req.headers["x-saas-litellm-timestamp"] ?? "");
      const signature = String(req.headers["x-saas-litellm-signature"] ?? "");
      const valid = /^\d+$/.test(timestamp) && Math.abs(Date.now() / 1000 - Number(timestamp)) < 300 && signature === `sha256=${signWebhook(state.secret, timestamp, body)}`;
      received.push({ headers: req.headers, body, event: JSON.parse(body) as Received["event"], valid });
      const status = state.script.shift() ?? 200;
      res.writeHead(status, { "content-type": "text/plain" }).end(status === 200 ? "ok" : `receiver error ${status}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return { url, received, state, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** One chat request of `tokens` completion tokens at gpt-3.5-turbo's prices in the double (1.5e-6 USD per token). */
async function chat(key: string, tokens: number) {
  const response = await fetch(`${liteLLMDouble().url}/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-3.5-turbo", max_tokens: tokens, messages: [{ role: "user", content: "Write a long story" }] }),
  });
  expect(response.status).toBe(200);
  await response.arrayBuffer();
}

describe("budget alerts and webhooks", () => {
  let worker: WorkerProcess;
  let hook: Awaited<ReturnType<typeof receiver>>;
  let endpointId: string;
  let orgId: string;
  let group: string;

  beforeAll(async () => {
    worker = await startWorker();
    hook = await receiver();
    const endpoint = await createWebhookEndpoint(admin, { url: hook.url, description: "budget alerts" });
    hook.state.secret = endpoint.secret;
    endpointId = endpoint.id;
    orgId = (await createOrganization(admin, { name: `Alerts Org ${suffix()}`, litellm_organization_id: `alerts-${suffix()}` })).organization_id;
    group = (await createModelGroup(admin, { name: `alerts-models-${suffix()}`, models: ["gpt-3.5-turbo"] })).name;
  });
  afterAll(async () => {
    await worker.stop();
    await hook.close();
  });

  const eventsFor = (teamId: string, type: string) => hook.received.filter((r) => r.event.type === type && r.event.data.team_id === teamId);

  it("a soft team fires 80 % and 100 % once each, credits resolve both, and every delivery is signed", async () => {
    const team = await createTeam(admin, { name: `Soft alerts ${suffix()}`, organization_id: orgId, model_groups: [group], max_budget: 0.1, budget_mode: "soft", budget_duration: "30d" }, { waitMs: 20_000 });
    const key = team.virtual_key!;

    // 6 × 10,000 tokens ≈ 0.090 USD of 0.10: past 80 %, under 100 %.
    for (let i = 0; i < 6; i++) await chat(key, 10_000);
    await liteLLMDouble().flush();
    await ingestUsage();
    let listed = await listTeamAlerts(admin, { team_id: team.team_id, state: "firing" });
    expect(listed.thresholds).toEqual([80, 100]);
    expect(listed.alerts.map((a) => a.threshold_percent)).toEqual([80]);

    // One more ≈ 0.105 USD: past 100 %. Soft mode is never refused.
    await chat(key, 10_000);
    await liteLLMDouble().flush();
    await ingestUsage();
    // Ingesting (and evaluating) again fires nothing twice.
    await ingestUsage();
    expect(await evaluateTeamAlerts(team.team_id)).toMatchObject({ fired: [], resolved: [] });
    listed = await listTeamAlerts(admin, { team_id: team.team_id });
    expect(listed.alerts.map((a) => [a.threshold_percent, a.state])).toEqual([
      [100, "firing"],
      [80, "firing"],
    ]);

    await waitFor("both threshold_crossed webhooks", async () => eventsFor(team.team_id, "budget.threshold_crossed").length >= 2, WAIT);
    const crossed = eventsFor(team.team_id, "budget.threshold_crossed");
    expect(crossed.map((r) => r.event.data.threshold_percent).sort()).toEqual([100, 80]);
    expect(crossed.every((r) => r.valid)).toBe(true);
    expect(crossed[0]!.event).toMatchObject({ id: expect.stringMatching(/^evt_/), type: "budget.threshold_crossed", data: { team_id: team.team_id, budget_mode: "soft", limit: 0.1 } });

    // The REST view shows the same.
    const viaRest = await rest("GET", `/api/teams/${team.team_id}/alerts?state=firing`, { headers: { "X-Admin-Key": TEST_MASTER_KEY } });
    expect(viaRest.status).toBe(200);
    expect(viaRest.body.alerts).toHaveLength(2);

    // 0.10 USD of credits: ≈ 0.105 of 0.20 spent, under both thresholds.
    await addCredits(admin, { team_id: team.team_id, amount: 0.1, reason: "Top-up" });
    expect((await listTeamAlerts(admin, { team_id: team.team_id, state: "firing" })).alerts).toEqual([]);
    await waitFor("both threshold_resolved webhooks", async () => eventsFor(team.team_id, "budget.threshold_resolved").length >= 2, WAIT);
    const resolved = eventsFor(team.team_id, "budget.threshold_resolved");
    expect(resolved.every((r) => r.valid && r.event.data.reason === "under_threshold")).toBe(true);

    // Still one event per threshold and state after everything settled.
    await ingestUsage();
    expect(eventsFor(team.team_id, "budget.threshold_crossed")).toHaveLength(2);
    const log = await listWebhookDeliveries(admin, { id: endpointId });
    const mine = log.filter((d) => d.payload.data && (d.payload.data as { team_id?: string }).team_id === team.team_id);
    expect(mine).toHaveLength(4);
    await waitFor("every delivery marked delivered", async () => (await listWebhookDeliveries(admin, { id: endpointId })).filter((d) => mine.some((m) => m.id === d.id)).every((d) => d.status === "delivered"), WAIT);
  }, 240_000);

  it("a receiver that fails twice gets the delivery on the 3rd attempt, the log shows it, and a replay sends it again", async () => {
    const flaky = await receiver([500, 500]);
    try {
      const created = await rest("POST", "/api/webhooks", { headers: { "X-Admin-Key": TEST_MASTER_KEY }, body: { url: flaky.url, events: ["budget.threshold_crossed"] } });
      expect(created.status).toBe(200);
      expect(created.body.secret).toMatch(/^whsec_/);
      flaky.state.secret = created.body.secret;
      // The secret is never shown again.
      const listed = await rest("GET", "/api/webhooks", { headers: { "X-Admin-Key": TEST_MASTER_KEY } });
      expect(listed.body.find((e: { id: string }) => e.id === created.body.id)).not.toHaveProperty("secret");

      const team = await createTeam(admin, { name: `Flaky ${suffix()}`, organization_id: orgId, model_groups: [group], max_budget: 0.1, budget_mode: "soft" }, { waitMs: 20_000 });
      await chat(team.virtual_key!, 10_000); // ≈ 15 %
      await liteLLMDouble().flush();
      await ingestUsage();
      const set = await rest("POST", `/api/teams/${team.team_id}/alert-thresholds`, { headers: { "X-Admin-Key": TEST_MASTER_KEY }, body: { thresholds: [10, 50] } });
      expect(set.status).toBe(200);
      expect(set.body.thresholds).toEqual([10, 50]);
      expect(set.body.alerts.map((a: { threshold_percent: number }) => a.threshold_percent)).toEqual([10]);

      const deliveries = async (): Promise<WebhookDelivery[]> => (await rest("GET", `/api/webhooks/${created.body.id}/deliveries`, { headers: { "X-Admin-Key": TEST_MASTER_KEY } })).body;
      const delivered = await waitFor("the delivery to succeed", async () => (await deliveries()).find((d) => d.status === "delivered"), WAIT);
      expect(delivered).toMatchObject({ attempts: 3, last_status_code: 200, last_response: "ok", event_type: "budget.threshold_crossed" });
      expect(flaky.received).toHaveLength(3);
      expect(flaky.received.every((r) => r.valid)).toBe(true);
      // Every attempt carries the same event.
      expect(new Set(flaky.received.map((r) => r.event.id)).size).toBe(1);

      const replayed = await rest("POST", `/api/webhook-deliveries/${delivered.id}/replay`, { headers: { "X-Admin-Key": TEST_MASTER_KEY } });
      expect(replayed.status).toBe(200);
      await waitFor("the replay to arrive", async () => flaky.received.length === 4, WAIT);
      expect(flaky.received[3]!.valid).toBe(true);
      expect(flaky.received[3]!.event.id).toBe(flaky.received[0]!.event.id);
      await waitFor("the replay to be logged", async () => (await deliveries()).find((d) => d.id === delivered.id && d.attempts === 4 && d.status === "delivered"), WAIT);
    } finally {
      await flaky.close();
    }
  }, 240_000);

  it("a new period resolves the last period's alerts", async () => {
    const team = await createTeam(admin, { name: `Daily ${suffix()}`, organization_id: orgId, model_groups: [group], max_budget: 0.01, budget_mode: "soft", budget_duration: "1d" }, { waitMs: 20_000 });
    await chat(team.virtual_key!, 10_000); // ≈ 0.015 USD of 0.01
    await liteLLMDouble().flush();
    await ingestUsage();
    expect((await listTeamAlerts(admin, { team_id: team.team_id, state: "firing" })).alerts).toHaveLength(2);

    // The next day: the rollover opens a new period, and the next evaluation resolves both.
    const tomorrow = new Date(Date.now() + 86_400_000 + 60_000);
    await syncTeam(team.team_id, "change", tomorrow);
    // (The worker's own ingestion may get there first: either way both end resolved, once.)
    expect((await evaluateTeamAlerts(team.team_id, tomorrow)).fired).toEqual([]);
    expect((await listTeamAlerts(admin, { team_id: team.team_id, state: "firing" })).alerts).toEqual([]);
    await waitFor("the new_period webhooks", async () => eventsFor(team.team_id, "budget.threshold_resolved").filter((r) => r.event.data.reason === "new_period").length === 2, WAIT);
    expect(eventsFor(team.team_id, "budget.threshold_resolved")).toHaveLength(2);
  }, 240_000);

  it("decides 80 % and 100 % in exact money, where floating point said 79.99999999999999 % and 99.99999999999997 %", async () => {
    /** A soft team with this allowance and credits; spend(amount) adds a request; firing() evaluates and lists what fires. */
    const budgetOf = async (allowance: number, credits: number) => {
      const team = await createTeam(admin, { name: `Exact alerts ${suffix()}`, organization_id: orgId, model_groups: [group], max_budget: allowance, budget_mode: "soft", budget_duration: "30d" }, { waitMs: 20_000 });
      await addCredits(admin, { team_id: team.team_id, amount: credits, reason: "Top-up" });
      const spend = (amount: string) =>
        insertUsageRows(db(), [
          { request_id: `req-${randomUUID()}`, team_id: team.team_id, key_hash: "hash", model_group: group, model: "gpt-3.5-turbo", prompt_tokens: 1, completion_tokens: 1, total_tokens: 2, spend: amount, start_time: new Date().toISOString(), end_time: null, latency_ms: 10, status: "success", end_user: null, metadata: null },
        ]);
      // The worker evaluates too: what counts is which alerts fire, not which run fired them.
      const firing = async () => {
        await evaluateTeamAlerts(team.team_id);
        return (await listTeamAlerts(admin, { team_id: team.team_id, state: "firing" })).alerts.map((a) => a.threshold_percent).sort((a, b) => a - b);
      };
      return { team, spend, firing };
    };

    // 0.808 of 0.10 + 0.91 is 80 % exactly.
    const a = await budgetOf(0.1, 0.91);
    await a.spend("0.8079999999"); // 1e-10 USD short
    expect(await a.firing()).toEqual([]);
    await a.spend("0.0000000001");
    expect(await a.firing()).toEqual([80]);

    // 0.31 of 0.03 + 0.28 is 100 % exactly.
    const b = await budgetOf(0.03, 0.28);
    await b.spend("0.3099999999");
    expect(await b.firing()).toEqual([80]);
    await b.spend("0.0000000001");
    expect(await b.firing()).toEqual([80, 100]);
    const alert = (await listTeamAlerts(admin, { team_id: b.team.team_id, state: "firing" })).alerts.find((x) => x.threshold_percent === 100);
    expect(alert).toMatchObject({ spent: 0.31, limit: 0.31 });
  }, 120_000);

  it("a customer reads its own team's alerts only, and changes no thresholds", async () => {
    const team = await createTeam(admin, { name: `Customer alerts ${suffix()}`, organization_id: orgId, model_groups: [group], max_budget: 1 }, { waitMs: 20_000 });
    const own: CustomerActor = { kind: "customer", teamId: team.team_id, userId: `portal:${team.team_id}`, name: "Customer", via: "web" };
    const other: CustomerActor = { ...own, teamId: "some-other-team", userId: "portal:some-other-team" };
    expect((await listTeamAlerts(own, { team_id: team.team_id })).thresholds).toEqual([80, 100]);
    const hidden = (await listTeamAlerts(other, { team_id: team.team_id }).catch((e: unknown) => e)) as AppError;
    expect([hidden.code, hidden.message]).toEqual(["NOT_FOUND", `No team has the id ${team.team_id}.`]);
    expect(((await setAlertThresholds(other, { team_id: team.team_id, thresholds: [50] }).catch((e: unknown) => e)) as AppError).code).toBe("NOT_FOUND");
    expect(((await setAlertThresholds(own, { team_id: team.team_id, thresholds: [50] }).catch((e: unknown) => e)) as AppError).code).toBe("FORBIDDEN");
  });

  it("refuses bad thresholds and bad URLs, naming the field, and viewers can't change anything", async () => {
    const team = await createTeam(admin, { name: `Thresholds ${suffix()}`, organization_id: orgId, model_groups: [group], max_budget: 1 }, { waitMs: 20_000 });
    const bad = await setAlertThresholds(admin, { team_id: team.team_id, thresholds: [0, 80.5] }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(AppError);
    expect((bad as AppError).code).toBe("BAD_REQUEST");
    const url = await createWebhookEndpoint(admin, { url: "not a url" }).catch((e: unknown) => e);
    expect((url as AppError).fieldErrors?.url?.[0]).toContain("http");
    const viewer = await createAdminAccount(masterActor, { email: uniqueEmail("viewer"), name: "V", role: "viewer", password: "viewer password 1" });
    const asViewer: Actor = { userId: viewer.id, name: "V", email: viewer.email, role: "viewer", via: "web" };
    expect(((await setAlertThresholds(asViewer, { team_id: team.team_id, thresholds: [50] }).catch((e: unknown) => e)) as AppError).code).toBe("FORBIDDEN");
    expect(((await createWebhookEndpoint(asViewer, { url: "https://example.com/h" }).catch((e: unknown) => e)) as AppError).code).toBe("FORBIDDEN");
    expect((await listTeamAlerts(asViewer, { team_id: team.team_id })).thresholds).toEqual([80, 100]);
  });
});
