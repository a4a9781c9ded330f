import http, { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkedLookup, postWebhook } from "./client.server.ts";

/**
 * The lookup deliveries connect through: the connection goes to an address the check saw, in both
 * ways node:net asks (one address, or all of them for happy eyeballs), and nowhere when it refuses.
 * A receiver on loopback stands in for a public host, so the check here lets loopback through.
 */
describe("checkedLookup", () => {
  let server: Server;
  let port = 0;
  let hits = 0;
  beforeAll(async () => {
    server = createServer((req, res) => (hits++, req.resume(), res.writeHead(200).end("ok")));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function get(lookup: ReturnType<typeof checkedLookup>, autoSelectFamily: boolean) {
    return new Promise<{ status: number; remote: string | undefined }>((resolve, reject) => {
      // node:net asks for every address only when the family is open (happy eyeballs); for one, pin IPv4.
      const family = autoSelectFamily ? undefined : 4;
      // net.connect takes autoSelectFamily; @types/node 20 does not list it on request options.
      const options: http.RequestOptions & { autoSelectFamily: boolean } = { host: "localhost", port, path: "/", family, autoSelectFamily, agent: false, lookup };
      const request = http.request(options, (response) => {
        response.resume();
        resolve({ status: response.statusCode!, remote: request.socket?.remoteAddress });
      });
      request.on("error", reject);
      request.end();
    });
  }

  it.each([
    ["all addresses (autoSelectFamily)", true],
    ["one address", false],
  ])("connects to an address it checked when net asks for %s", async (_, autoSelectFamily) => {
    const seen: string[] = [];
    const asked: boolean[] = [];
    const check = checkedLookup((address) => (seen.push(address), null));
    const lookup: typeof check = (hostname, options, callback) => (asked.push(Boolean(options.all)), check(hostname, options, callback));
    const { status, remote } = await get(lookup, autoSelectFamily);
    expect(status).toBe(200);
    expect(seen).toContain("127.0.0.1");
    expect(seen).toContain(remote);
    expect(asked).toEqual([autoSelectFamily]);
  });

  it("makes no connection when the check refuses an address the name resolves to", async () => {
    const before = hits;
    const lookup = checkedLookup((address) => (address === "127.0.0.1" ? "a loopback address" : null));
    const error = await get(lookup, true).catch((e: Error) => e);
    expect(error).toMatchObject({ name: "RefusedTargetError", message: "localhost resolves to 127.0.0.1, a loopback address" });
    expect(hits).toBe(before);
  });
});

/** One POST's outcome as the delivery log shows it: the status and the start of the body, or why there was none. */
describe("postWebhook", () => {
  let server: Server;
  let base = "";
  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      if (req.url === "/silent") return; // never answers
      if (req.url === "/stalls") return void res.writeHead(200).write("received, then"); // status, then nothing
      res.writeHead(500).end("x".repeat(10_000));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))));

  const post = (path: string) => postWebhook(`${base}${path}`, { "content-type": "application/json" }, "{}", { allowPrivate: true, timeoutMs: 300, responseLimit: 2048 });

  it("says there was no response within the timeout", async () => {
    expect(await post("/silent")).toEqual({ status: null, response: "No response within 0.3 s", refused: false });
  });

  it("keeps the status when the body stalls after it, with what arrived", async () => {
    expect(await post("/stalls")).toEqual({ status: 200, response: "received, then", refused: false });
  });

  it("keeps the first 2 KB of a long answer", async () => {
    expect(await post("/long")).toEqual({ status: 500, response: "x".repeat(2048), refused: false });
  });
});
