import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webhookDeliveries, webhookEndpoints } from "../../db/schema/index.ts";
import { masterActor } from "../../test/factories.ts";
import { rest } from "../../test/rest.ts";
import { TEST_MASTER_KEY } from "../../test/setup-db.ts";
import { encryptSecret } from "~/lib/crypto.server";
import { db, transaction } from "~/lib/db.server";
import { parseEnv } from "~/lib/env.server";
import { attemptDelivery, createWebhookEndpoint, enqueueWebhookEvent, listWebhookDeliveries } from "./webhooks.server.ts";

// This file runs as an operator's install does: without WEBHOOK_ALLOW_PRIVATE (test/setup-db.ts
// turns it on for the other files, whose receivers are on loopback). Settings are read on first use.
process.env.WEBHOOK_ALLOW_PRIVATE = "false";

/** Webhooks cannot reach inside the operator's network: refused when added, and again when sent. */
describe("webhook targets without WEBHOOK_ALLOW_PRIVATE", () => {
  let server: Server;
  let port = 0;
  const received: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      received.push(`${req.headers.host}${req.url}`);
      req.resume();
      res.writeHead(200).end("ok");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("keeps private targets off unless the operator sets WEBHOOK_ALLOW_PRIVATE", () => {
    expect(parseEnv({}).WEBHOOK_ALLOW_PRIVATE).toBe(false);
    expect(parseEnv({ WEBHOOK_ALLOW_PRIVATE: "true" }).WEBHOOK_ALLOW_PRIVATE).toBe(true);
    expect(() => parseEnv({ WEBHOOK_ALLOW_PRIVATE: "maybe" })).toThrow(/WEBHOOK_ALLOW_PRIVATE must be true or false/);
  });

  it.each([
    ["http://169.254.169.254/latest/meta-data/", "link-local"],
    ["http://127.0.0.1:8080/hooks", "loopback"],
    ["http://10.0.0.5/hooks", "private"],
    ["http://172.20.1.1/hooks", "private"],
    ["http://192.168.0.10/hooks", "private"],
    ["http://100.64.1.1/hooks", "carrier-grade NAT"],
    ["http://0.0.0.0:3000/", "unspecified"],
    ["http://224.0.0.1/", "multicast"],
    ["http://2130706433/hooks", "loopback"],
    ["http://[::1]:3000/hooks", "loopback"],
    ["http://[fd00:ec2::254]/latest/meta-data/", "unique local"],
    ["http://[fe80::1]/hooks", "link-local"],
    ["http://[::ffff:169.254.169.254]/latest/meta-data/", "link-local"],
    ["http://[::ffff:127.0.0.1]:3000/hooks", "loopback"],
    ["http://localhost:3000/hooks", "localhost"],
    ["http://metadata.google.internal/computeMetadata/v1/", "metadata"],
  ])("refuses to add %s with a 400 naming the url field and the fix", async (url, what) => {
    const error = await createWebhookEndpoint(masterActor, { url }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "BAD_REQUEST" });
    const fieldErrors = (error as { fieldErrors: Record<string, string[]> }).fieldErrors;
    expect(fieldErrors.url![0]).toContain(what);
    expect(fieldErrors.url![0]).toContain("WEBHOOK_ALLOW_PRIVATE=true");
  });

  it("answers the REST API's POST /api/webhooks for a metadata address with a 400 on url, and adds nothing", async () => {
    const response = await rest("POST", "/api/webhooks", { headers: { "X-Admin-Key": TEST_MASTER_KEY }, body: { url: "http://169.254.169.254/latest/meta-data/iam/" } });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("BAD_REQUEST");
    expect(response.body.error.fieldErrors.url[0]).toMatch(/169\.254\.169\.254 is a link-local address.*WEBHOOK_ALLOW_PRIVATE=true/);
    const rows = await db().select().from(webhookEndpoints).where(eq(webhookEndpoints.url, "http://169.254.169.254/latest/meta-data/iam/"));
    expect(rows).toHaveLength(0);
  });

  it("adds an endpoint at a public address", async () => {
    const created = await createWebhookEndpoint(masterActor, { url: "https://93.184.215.14/hooks/budget" });
    expect(created.url).toBe("https://93.184.215.14/hooks/budget");
  });

  /** An endpoint added while private targets were allowed (or whose name now resolves inside). */
  async function endpointAt(url: string): Promise<string> {
    const id = randomUUID();
    await db().insert(webhookEndpoints).values({ id, url, secret: encryptSecret("whsec_test"), description: "", events: ["budget.threshold_crossed"] });
    return id;
  }

  it.each([
    ["a name that resolves to loopback", () => `http://localhost:${port}/hooks`, "localhost resolves to"],
    ["a loopback address", () => `http://127.0.0.1:${port}/hooks`, "127.0.0.1 is a loopback address"],
    ["an IPv4-mapped loopback address", () => `http://[::ffff:127.0.0.1]:${port}/hooks`, "is a loopback address"],
  ])("sends nothing to %s at delivery time: the delivery fails at once, not retried, saying why", async (_, url, why) => {
    const endpointId = await endpointAt(url());
    await transaction(({ tx }) => enqueueWebhookEvent(tx, "budget.threshold_crossed", { team_id: `team-${endpointId}` }));
    const [delivery] = await listWebhookDeliveries(masterActor, { id: endpointId });
    expect(await attemptDelivery(delivery!.id)).toBe("failed");
    expect(received).toEqual([]);
    const [after] = await db().select().from(webhookDeliveries).where(eq(webhookDeliveries.id, delivery!.id));
    expect(after).toMatchObject({ status: "failed", attempts: 1, lastStatusCode: null, nextAttemptAt: null });
    expect(after!.lastResponse).toContain(why);
    expect(after!.lastResponse).toContain("WEBHOOK_ALLOW_PRIVATE=true");
  });
});
