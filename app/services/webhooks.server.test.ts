import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { masterActor } from "../../test/factories.ts";
import { transaction } from "~/lib/db.server";
import { attemptDelivery, createWebhookEndpoint, enqueueWebhookEvent, listWebhookDeliveries } from "./webhooks.server.ts";

/** Two jobs for one delivery at the same moment (a replay while its retry comes due, two workers): one POST. */
describe("webhook attempts", () => {
  let server: Server;
  let url = "";
  const received: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
      // Answers slowly, so that both attempts are in flight together.
      req.on("end", () => setTimeout(() => (received.push(body), res.writeHead(200).end("ok")), 300));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("sends a delivery once when two attempts at it run at the same time", async () => {
    const endpoint = await createWebhookEndpoint(masterActor, { url });
    await transaction(({ tx }) => enqueueWebhookEvent(tx, "budget.threshold_crossed", { team_id: "team-concurrent" }));
    const [delivery] = await listWebhookDeliveries(masterActor, { id: endpoint.id });
    const outcomes = await Promise.all([attemptDelivery(delivery!.id), attemptDelivery(delivery!.id, { replay: true })]);
    expect(outcomes.sort()).toEqual(["delivered", "skipped"]);
    expect(received).toHaveLength(1);
    const [after] = await listWebhookDeliveries(masterActor, { id: endpoint.id });
    expect(after).toMatchObject({ status: "delivered", attempts: 1 });
  });
});

/** Redirects are never followed: the 3xx is a failed attempt that says so, and its target gets nothing. */
describe("webhook redirects", () => {
  const servers: Server[] = [];
  const hits: Record<string, number> = { first: 0, second: 0 };
  let firstUrl = "";
  let secondUrl = "";
  const listen = async (handler: Parameters<typeof createServer>[1]) => {
    const server = createServer(handler);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  };
  beforeAll(async () => {
    secondUrl = await listen((req, res) => (hits.second!++, req.resume(), res.writeHead(200).end("ok")));
    firstUrl = await listen((req, res) => (hits.first!++, req.resume(), res.writeHead(302, { Location: secondUrl }).end("moved")));
  });
  afterAll(() => Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())))));

  it("records a 302 as a failed attempt naming the redirect, and sends nothing to where it points", async () => {
    const endpoint = await createWebhookEndpoint(masterActor, { url: firstUrl });
    await transaction(({ tx }) => enqueueWebhookEvent(tx, "budget.threshold_crossed", { team_id: "team-redirect" }));
    const [delivery] = (await listWebhookDeliveries(masterActor, { id: endpoint.id }));
    expect(await attemptDelivery(delivery!.id)).toBe("pending");
    const [after] = await listWebhookDeliveries(masterActor, { id: endpoint.id });
    expect(after).toMatchObject({ status: "pending", attempts: 1, last_status_code: 302 });
    expect(after!.last_response).toBe(`Answered 302 with a redirect to ${secondUrl}; webhooks do not follow redirects: register the final URL instead.`);
    expect(hits).toEqual({ first: 1, second: 0 });
  });
});
