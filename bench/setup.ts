/** What every benchmark needs: a scratch database (migrated) and the LiteLLM double in its own process. */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { freePort, startEmbeddedPostgres, type EmbeddedDatabase } from "../db/embedded-postgres.ts";
import { migrateAll } from "../scripts/migrate.ts";

/** A migrated database of its own, on DATABASE_URL's server or a throwaway embedded PostgreSQL. */
export async function scratchDatabase(): Promise<{ databaseUrl: string; drop: () => Promise<void> }> {
  let embedded: EmbeddedDatabase | undefined;
  let tmp: string | undefined;
  let serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "saas-bench-"));
    fs.chmodSync(tmp, 0o755);
    embedded = await startEmbeddedPostgres({ dataDir: path.join(tmp, "pg"), port: await freePort() });
    serverUrl = embedded.url("postgres");
  }
  const database = `saas_bench_${process.pid}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${database}`);
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  await migrateAll(url.toString());
  return {
    databaseUrl: url.toString(),
    drop: async () => {
      await admin.unsafe(`drop database ${database} with (force)`);
      await admin.end();
      if (embedded) await embedded.stop();
      if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/** The LiteLLM double as its own process (as LiteLLM would be), once it listens. */
export async function startDoubleProcess(masterKey: string): Promise<{ url: string; stop: () => void }> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "test/litellm-double/cli.ts", "--port", String(port), "--master-key", masterKey], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve) => child.stdout!.on("data", (chunk: Buffer) => String(chunk).includes("listening") && resolve()));
  return { url: `http://127.0.0.1:${port}`, stop: () => void child.kill("SIGTERM") };
}

/**
 * Points the app's settings at the scratch database and the double, before the benchmark imports
 * app code (it reads them once).
 */
export function useAppSettings(databaseUrl: string, doubleUrl: string, litellmMasterKey: string, logLevel = "warn"): void {
  Object.assign(process.env, {
    DATABASE_URL: databaseUrl,
    MASTER_KEY: "bench-master-key-0123456789abcdef0123456789",
    APP_SECRET: "bench-app-secret-0123456789abcdef0123456789",
    LITELLM_PROXY_URL: doubleUrl,
    LITELLM_MASTER_KEY: litellmMasterKey,
    LOG_LEVEL: logLevel,
  });
}
