import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { ConfigError, parseEnv, requireRuntime } from "./env.server.ts";

const strong = "x".repeat(40);
const production = { NODE_ENV: "production", MASTER_KEY: strong, APP_SECRET: strong, DATABASE_URL: "postgres://u:p@db:5432/app" };

function problems(source: Record<string, string | undefined>): string[] {
  try {
    parseEnv(source);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("configuration", () => {
  it("starts locally with nothing set, using documented defaults", () => {
    const env = parseEnv({});
    expect(env.PORT).toBe(3000);
    expect(env.LITELLM_PROXY_URL).toBe("http://localhost:8002");
    expect(env.LOG_LEVEL).toBe("info");
    expect(env.NODE_ENV).toBe("development");
  });

  it("accepts a complete production configuration", () => {
    expect(problems(production)).toEqual([]);
  });

  it("refuses production without MASTER_KEY or APP_SECRET, naming each and the fix", () => {
    const found = problems({ ...production, MASTER_KEY: undefined, APP_SECRET: "" });
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(/^MASTER_KEY is required in production/);
    expect(found[0]).toContain("openssl rand -hex 32");
    expect(found[1]).toMatch(/^APP_SECRET is required in production/);
  });

  it("refuses weak production secrets shorter than 32 characters", () => {
    const found = problems({ ...production, MASTER_KEY: "sk-admin-short" });
    expect(found).toEqual([expect.stringMatching(/^MASTER_KEY is too weak \(14 characters\); production needs at least 32/)]);
  });

  it("names malformed variables and says what a good value looks like", () => {
    const found = problems({ PORT: "eighty", DATABASE_URL: "mysql://x", LITELLM_PROXY_URL: "localhost:8002", LOG_LEVEL: "loud" });
    expect(found).toEqual([
      expect.stringMatching(/^DATABASE_URL must be a postgres:\/\/ URL/),
      expect.stringMatching(/^PORT must be a whole number between 1 and 65535/),
      expect.stringMatching(/^LITELLM_PROXY_URL must be an http\(s\) URL/),
      expect.stringMatching(/^LOG_LEVEL must be one of fatal, error, warn, info/),
    ]);
  });

  it("refuses an out-of-range port", () => {
    expect(problems({ PORT: "70000" })).toEqual([expect.stringMatching(/^PORT must be a whole number between 1 and 65535/)]);
  });

  it("opens the API listener on 8003 unless API_PORT says another port, any free one (0) or none (off)", () => {
    expect(parseEnv({}).API_PORT).toBe(8003);
    expect(parseEnv({ API_PORT: "9003" }).API_PORT).toBe(9003);
    expect(parseEnv({ API_PORT: "0" }).API_PORT).toBe(0);
    expect(parseEnv({ API_PORT: "off" }).API_PORT).toBeNull();
    expect(problems({ API_PORT: "api" })).toEqual([expect.stringMatching(/^API_PORT must be a whole number between 0 and 65535 \(0 takes any free port\) or off/)]);
    expect(problems({ PORT: "3000", API_PORT: "3000" })).toEqual([expect.stringMatching(/^API_PORT must differ from PORT \(both are 3000\)/)]);
  });

  it("requires the database and secrets in the app and worker processes", () => {
    expect(() => requireRuntime(parseEnv({}))).toThrow(/DATABASE_URL is required[\s\S]*MASTER_KEY is required[\s\S]*APP_SECRET is required/);
  });

  it("stops `npm start` in production without secrets, with a message and no stack trace", () => {
    const result = spawnSync(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
      env: { PATH: process.env.PATH, NODE_ENV: "production", DATABASE_URL: "postgres://u:p@127.0.0.1:9/x", MASTER_KEY: "short" },
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("MASTER_KEY is too weak");
    expect(result.stderr).toContain("APP_SECRET is required in production");
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
