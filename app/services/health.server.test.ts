import http from "node:http";
import type { AddressInfo } from "node:net";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../db/embedded-postgres.ts";
import { startLiteLLMDouble } from "../../test/litellm-double/server.ts";
import { probeLiteLLM } from "~/integrations/litellm/health.server";
import { checkDatabase } from "./health.server.ts";

describe("database health", () => {
  it("reports the database as connected with its version", async () => {
    const health = await checkDatabase();
    expect(health).toMatchObject({ ok: true, version: expect.stringMatching(/^\d+/) });
  });

  it("reports a database that cannot be reached, with the fix", async () => {
    const down = postgres("postgres://postgres@127.0.0.1:9/none", { max: 1, connect_timeout: 2 });
    const health = await checkDatabase(down);
    expect(health.ok).toBe(false);
    expect(health.fix).toContain("DATABASE_URL");
    await down.end();
  });
});

describe("LiteLLM health", () => {
  // A stand-in LiteLLM on loopback that answers the two routes the probe calls and refuses anything else.
  let server: http.Server;
  let url: string;
  const MASTER = "sk-litellm-master-for-test";

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === "/health/readiness") {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ status: "connected", db: "connected", litellm_version: "1.95.0" }));
      } else if (req.url === "/model/info") {
        const ok = req.headers.authorization === `Bearer ${MASTER}`;
        res.writeHead(ok ? 200 : 401, { "content-type": "application/json" }).end(ok ? '{"data":[]}' : '{"error":{"message":"Authentication Error","type":"auth_error","param":"None","code":"401"}}');
      } else {
        res.writeHead(500).end();
        throw new Error(`unexpected request to ${req.url}`);
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("says unreachable, with the fix, when nothing listens", async () => {
    const closedPort = await freePort();
    const health = await probeLiteLLM({ url: `http://127.0.0.1:${closedPort}`, masterKey: undefined });
    expect(health).toMatchObject({ reachable: false, error: "connection refused" });
    expect(health.fix).toContain("LITELLM_PROXY_URL");
  });

  it("reports the version and whether the master key is accepted", async () => {
    expect(await probeLiteLLM({ url, masterKey: MASTER })).toMatchObject({ reachable: true, version: "1.95.0", masterKey: "accepted" });
    const refused = await probeLiteLLM({ url, masterKey: "sk-wrong" });
    expect(refused).toMatchObject({ reachable: true, masterKey: "rejected" });
    expect(refused.fix).toContain("LITELLM_MASTER_KEY");
    expect(await probeLiteLLM({ url, masterKey: undefined })).toMatchObject({ masterKey: "not-configured" });
  });
});

describe.each(["current", "legacy"] as const)("LiteLLM health against the double (%s)", (compat) => {
  it("CONTRACT §1 Health: readiness without a version field is healthy; the version is shown when some answer has it", async () => {
    const master = "sk-litellm-master-for-health-test";
    const double = await startLiteLLMDouble({ masterKey: master, compat });
    try {
      // Current builds answer the public /health/readiness with {"status":"healthy"} alone; the version comes from the details.
      expect(await probeLiteLLM({ url: double.url, masterKey: master })).toMatchObject({ reachable: true, masterKey: "accepted", version: compat === "current" ? "1.108.12" : "1.75.0" });
      // Without the master key the details cannot be read: still reachable, no version.
      expect(await probeLiteLLM({ url: double.url, masterKey: undefined })).toMatchObject({ reachable: true, masterKey: "not-configured", version: compat === "current" ? null : "1.75.0" });
    } finally {
      await double.close();
    }
  });
});

describe("GET /readyz", () => {
  it("answers in snake_case with ISO times, as every JSON answer, and keeps the proxy's address out", async () => {
    const { loader } = await import("~/routes/readyz");
    const res = await loader();
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, Record<string, unknown> | string | null>;
    const keys: string[] = [];
    const walk = (value: unknown, at: string) => {
      if (!value || typeof value !== "object") return;
      for (const [key, child] of Object.entries(value)) {
        keys.push(`${at}${key}`);
        walk(child, `${at}${key}.`);
      }
    };
    walk(body, "");
    expect(keys.filter((key) => !/^[a-z0-9_.]+$/.test(key))).toEqual([]);
    expect(body.database).toMatchObject({ ok: true, latency_ms: expect.any(Number) });
    expect(body.litellm).toHaveProperty("master_key");
    expect(body.litellm).not.toHaveProperty("url");
  });
});
