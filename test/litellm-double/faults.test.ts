/**
 * Fault injection and the HTTP test hooks. Not LiteLLM behaviour: they let clients test their
 * timeouts, retries and "no duplicate after a lost response" against the double.
 */
import { describe, expect, it } from "vitest";
import { startLiteLLMDouble } from "./server.ts";
import { COMPATS, MASTER, get, post, uid, useDouble } from "./test-helpers.ts";

describe.each(COMPATS)("LiteLLM double fault injection (%s)", (compat) => {
  const d = useDouble({ compat });

  it("error500: the next `count` calls to the path answer a 500 ProxyException and change nothing", async () => {
    const teamsBefore = d.current.state.teams().length;
    d.current.fault("/team/new", { kind: "error500", count: 2 });
    for (let i = 0; i < 2; i++) {
      const r = await post(d.current, "/team/new", { team_id: uid("f500") });
      expect(r.status).toBe(500);
      expect(r.body.error).toMatchObject({ type: "internal_server_error", param: "None", code: "500" });
    }
    expect(d.current.state.teams()).toHaveLength(teamsBefore);
    expect((await post(d.current, "/team/new", {})).status).toBe(200);
  });

  it("drop on a create: the object IS created, the response is lost; a retry with the same id finds the duplicate", async () => {
    const teamId = uid("drop");
    d.current.fault("/team/new", { kind: "drop" });
    await expect(post(d.current, "/team/new", { team_id: teamId })).rejects.toThrow();
    expect(d.current.state.teams().filter((t) => t.team_id === teamId)).toHaveLength(1);
    const retry = await post(d.current, "/team/new", { team_id: teamId });
    expect(retry.status).toBe(400);
    expect(retry.body.error.message).toContain("already exists");
    expect(d.current.state.teams().filter((t) => t.team_id === teamId)).toHaveLength(1);
  });

  it("drop on /key/generate: the key exists (findable by its alias) although the caller never saw it", async () => {
    const alias = uid("lost");
    d.current.fault("/key/generate", { kind: "drop" });
    await expect(post(d.current, "/key/generate", { key_alias: alias })).rejects.toThrow();
    const list = await get(d.current, `/key/list?key_alias=${alias}`);
    expect(list.body.total_count).toBe(1);
  });

  it("hang: the call gets no answer within the client's timeout", async () => {
    d.current.fault("/team/info", { kind: "hang", hangMs: 5_000 });
    await expect(fetch(`${d.current.url}/team/info?team_id=x`, { headers: { authorization: `Bearer ${MASTER}` }, signal: AbortSignal.timeout(200) })).rejects.toThrow();
    d.current.clearFaults();
    expect((await get(d.current, "/team/info?team_id=x")).status).toBe(404);
  });

  it("clearFaults() removes pending faults", async () => {
    d.current.fault("/model/info", { kind: "error500", count: 5 });
    d.current.clearFaults();
    expect((await get(d.current, "/model/info")).status).toBe(200);
  });

  it("state.requestCount(route) counts calls to a path, faulted ones included", async () => {
    const before = d.current.state.requestCount("/v1/models");
    d.current.fault("/v1/models", { kind: "error500" });
    await get(d.current, "/v1/models");
    await get(d.current, "/v1/models");
    expect(d.current.state.requestCount("/v1/models")).toBe(before + 2);
    expect(d.current.state.requestCount()).toBeGreaterThan(before + 2);
  });

  it("POST /_double/fault sets a fault over HTTP", async () => {
    expect((await post(d.current, "/_double/fault", { route: "/team/block", kind: "error500", count: 1 })).status).toBe(200);
    expect((await post(d.current, "/team/block", { team_id: "x" })).status).toBe(500);
    expect((await post(d.current, "/team/block", { team_id: "x" })).status).toBe(404);
    expect((await post(d.current, "/_double/fault", { route: "/team/block", kind: "explode" })).status).toBe(400);
  });

  it("POST /_double/seed-spend-logs and GET /_double/state", async () => {
    const r = await post(d.current, "/_double/seed-spend-logs", { rows: [{ request_id: uid("seed"), startTime: "2025-01-01T00:00:00Z", spend: 1 }] });
    expect(r.body).toMatchObject({ ok: true, inserted: 1 });
    const state = await get(d.current, "/_double/state");
    expect(state.body).toMatchObject({ compat, spend_logs: expect.any(Number), pending_spend: expect.any(Number) });
  });
});

describe("LiteLLM double hang and close()", () => {
  it("a hanging call (default 30 s) is released when the double closes", async () => {
    const double = await startLiteLLMDouble({ masterKey: MASTER });
    double.fault("/team/new", { kind: "hang" });
    const pending = fetch(`${double.url}/team/new`, { method: "POST", headers: { authorization: `Bearer ${MASTER}` }, body: "{}" });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await double.close(); // would take 30 s if the hang were not released
    await expect(pending).rejects.toThrow();
    expect(double.state.teams()).toHaveLength(0);
  });

  it("after its hangMs a hanging call is answered late, as a slow server would", async () => {
    const double = await startLiteLLMDouble({ masterKey: MASTER });
    try {
      double.fault("/team/new", { kind: "hang", hangMs: 150 });
      const r = await post(double, "/team/new", { team_id: "late" });
      expect(r.status).toBe(200);
      expect(double.state.teams().map((t) => t.team_id)).toEqual(["late"]);
    } finally {
      await double.close();
    }
  });
});
