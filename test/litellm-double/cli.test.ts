import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");
const CLI = "test/litellm-double/cli.ts";

/** Runs the CLI to completion (or until `until` matches stdout, then SIGTERM). */
function run(args: string[], env: Record<string, string | undefined> = {}, until?: RegExp): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const cleanEnv = { ...process.env, LITELLM_MASTER_KEY: undefined, LITELLM_DOUBLE_MASTER_KEY: undefined, ...env };
    const child = spawn(process.execPath, ["--import", "tsx", CLI, ...args], { cwd: ROOT, env: cleanEnv as NodeJS.ProcessEnv });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
      if (until?.test(stdout)) child.kill("SIGTERM");
    });
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("LiteLLM double CLI", () => {
  it("refuses an unknown flag with exit code 2 and the list of known flags", async () => {
    const r = await run(["--bogus"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Unknown option --bogus");
    for (const flag of ["--port", "--host", "--master-key", "--compat", "--models", "--prices", "--batch-write-ms", "--premium", "--help"]) expect(r.stderr).toContain(flag);
  });

  it("--help prints the usage with every flag's environment variable", async () => {
    const r = await run(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: npm run litellm:double");
    expect(r.stdout).toContain("LITELLM_DOUBLE_MASTER_KEY, then LITELLM_MASTER_KEY");
  });

  it("with no master key and no models it starts on the printed local key with every model the seed names", async () => {
    const r = await run(["--port", "0"], {}, /No master key given/);
    expect(r.stdout).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+ \(compat current, master key sk-litellm-local, models gpt-3\.5-turbo, gpt-4-turbo, claude-3-sonnet, claude-3-opus\)/);
    expect(r.stdout).toContain("using the local default sk-litellm-local");
    expect(r.code).toBe(0);
  });

  it("--help points at nothing outside the repository", async () => {
    const r = await run(["--help"]);
    expect(r.stdout).not.toContain("../");
    expect(r.stdout).not.toContain("CONTRACT.md");
  });

  it("refuses a bad --compat and a bad --prices item", async () => {
    expect((await run(["--master-key", "sk-m", "--compat", "newest"])).code).toBe(2);
    expect((await run(["--master-key", "sk-m", "--prices", "gpt-4o=cheap"])).code).toBe(2);
  });

  it("listens, prints one line with the URL and a master-key hint, and stops cleanly on SIGTERM", async () => {
    const r = await run(["--port", "0", "--compat", "legacy", "--prices", "house=1/2"], { LITELLM_MASTER_KEY: "sk-cli-master-key-1234" }, /listening on/);
    expect(r.stdout).toMatch(/^LiteLLM double listening on http:\/\/127\.0\.0\.1:\d+ \(compat legacy, master key sk-cl…1234, models gpt-3\.5-turbo, gpt-4-turbo, claude-3-sonnet, claude-3-opus, house\)$/m);
    expect(r.stdout).not.toContain("sk-cli-master-key-1234");
    expect(r.stdout).toContain("LiteLLM double stopped (SIGTERM)");
    expect(r.code).toBe(0);
  });
});
