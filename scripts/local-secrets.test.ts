import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadOrCreateLocalSecrets } from "./local-secrets.ts";

describe("local secrets for a start with none given", () => {
  it("are strong, generated once, owner-only, and reused on the next start", () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "secrets-")), ".data");
    const first = loadOrCreateLocalSecrets(dir);
    expect(first.created).toBe(true);
    expect(first.secrets.MASTER_KEY).toMatch(/^sk-admin-[0-9a-f]{48}$/);
    expect(first.secrets.APP_SECRET.length).toBeGreaterThanOrEqual(32);
    expect(fs.statSync(first.file).mode & 0o777).toBe(0o600);
    const second = loadOrCreateLocalSecrets(dir);
    expect(second.created).toBe(false);
    expect(second.secrets).toEqual(first.secrets);
    fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  });
});
