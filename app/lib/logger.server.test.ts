import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, maskKey, withRequestId } from "./logger.server.ts";

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).trim().split("\n"));
      done();
    },
  });
  return { logger: createLogger({ name: "test", level: "info", destination }), lines };
}

describe("structured logs", () => {
  it("write one JSON object per line, with the request id of the request being handled", () => {
    const { logger, lines } = capture();
    withRequestId("req-123", () => logger.info({ path: "/admin" }, "request"));
    logger.info("outside a request");
    expect(JSON.parse(lines[0])).toMatchObject({ level: "info", msg: "request", path: "/admin", requestId: "req-123", service: "test" });
    expect(JSON.parse(lines[1]).requestId).toBeUndefined();
  });

  it("never contain a password, a master key, a virtual key or an auth header", () => {
    const { logger, lines } = capture();
    const virtualKey = "sk-Xy9aBcDeFgHiJkLmNoPqRs";
    logger.info(
      {
        password: "hunter2-long-password",
        masterKey: "sk-admin-0123456789abcdef",
        headers: { authorization: `Bearer ${virtualKey}`, "x-admin-key": "sk-admin-0123456789abcdef" },
        nested: { team: { virtual_key: virtualKey } },
        note: `the key ${virtualKey} was rotated`,
      },
      `created key ${virtualKey}`,
    );
    logger.error({ err: new Error(`LiteLLM refused ${virtualKey}`) }, "failed");
    logger.warn(`script used sla_Ab3dEfGhIjKlMnOpQrStUvWxYz012345`);
    const text = lines.join("\n");
    expect(text).not.toContain("EfGhIjKlMnOp");
    expect(text).not.toContain("hunter2");
    expect(text).not.toContain("0123456789abcdef");
    expect(text).not.toContain(virtualKey);
    expect(text).not.toContain("Xy9aBcDeFgHi");
    expect(JSON.parse(lines[1]).err.message).toBe("LiteLLM refused sk-Xy…");
  });

  it("masks keys for display, keeping only enough to recognise them", () => {
    expect(maskKey("sk-Xy9aBcDeFgHiJkLmNoPqRs")).toBe("sk-Xy…PqRs");
    expect(maskKey("short")).toBe("••••");
  });
});
