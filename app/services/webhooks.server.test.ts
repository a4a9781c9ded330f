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
