import http from "node:http";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answerClientErrors } from "./client-errors.ts";

/**
 * A URL or headers over Node's header limit, as curl sends them (in pieces, still writing while the
 * server answers): the client must read a 431 with our error body, never a reset connection.
 */

let server: http.Server;
let port: number;

beforeAll(async () => {
  server = http.createServer((_req, res) => res.end("ok"));
  answerClientErrors(server, http.maxHeaderSize);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Sends `head` in 16 KB pieces, a tick apart, and reads until the server closes. */
function send(head: string): Promise<{ answer: string; error: string | null }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    let answer = "";
    let error: string | null = null;
    socket.on("data", (chunk) => (answer += chunk));
    socket.on("error", (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    socket.on("close", () => resolve({ answer, error }));
    const bytes = Buffer.from(head, "latin1");
    let offset = 0;
    const next = () => {
      if (socket.destroyed || offset >= bytes.length) return;
      socket.write(bytes.subarray(offset, offset + 16_384), () => setImmediate(next));
      offset += 16_384;
    };
    next();
  });
}

describe("over-long requests", () => {
  it("a GET whose URL is longer than the header limit gets 431 and a message, not a reset", async () => {
    for (const length of [20_000, 200_000, 2_000_000]) {
      const { answer, error } = await send(`GET /api/teams?organization_id=${"a".repeat(length)} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
      expect(error, `URL of ${length} characters`).toBeNull();
      expect(answer).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
      const body = JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4)) as { error: { code: string; message: string } };
      expect(body.error).toEqual({ code: "BAD_REQUEST", message: expect.stringMatching(/The URL and headers are longer than this server accepts \(16 KB together\)\. Send a shorter URL/) });
    }
  });

  it("headers over the limit get 431; a request that is not HTTP gets 400", async () => {
    const big = await send(`GET / HTTP/1.1\r\nHost: localhost\r\nCookie: ${"c".repeat(200_000)}\r\n\r\n`);
    expect(big.error).toBeNull();
    expect(big.answer).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n[\s\S]*"code":"BAD_REQUEST"/);
    const garbage = await send("NOT HTTP AT ALL\r\n\r\n");
    expect(garbage.answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    const fine = await send("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    expect(fine.answer).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*ok$/);
  });
});
