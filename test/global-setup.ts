/**
 * Once per `vitest run`: a PostgreSQL server (a throwaway embedded one, or DATABASE_URL's when set),
 * and a template database with every migration applied. Each test worker then copies the template
 * into a database of its own (test/setup-db.ts), so workers never share data.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import type { TestProject } from "vitest/node";
import { freePort, startEmbeddedPostgres, type EmbeddedDatabase } from "../db/embedded-postgres.ts";
import { migrateAll } from "../scripts/migrate.ts";

declare module "vitest" {
  export interface ProvidedContext {
    databaseServerUrl: string;
    templateDatabase: string;
    databasePrefix: string;
  }
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export default async function setup(project: TestProject) {
  const prefix = `saas_test_${process.pid}`;
  let embedded: EmbeddedDatabase | undefined;
  let tmp: string | undefined;
  let serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "saas-litellm-test-"));
    fs.chmodSync(tmp, 0o755);
    embedded = await startEmbeddedPostgres({ dataDir: path.join(tmp, "pg"), port: await freePort() });
    serverUrl = embedded.url("postgres");
  }
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  const template = `${prefix}_template`;
  await admin.unsafe(`drop database if exists ${template}`);
  await admin.unsafe(`create database ${template}`);
  await migrateAll(withDatabase(serverUrl, template));

  project.provide("databaseServerUrl", serverUrl);
  project.provide("templateDatabase", template);
  project.provide("databasePrefix", prefix);

  return async () => {
    const rows = await admin<{ datname: string }[]>`select datname from pg_database where datname like ${`${prefix}%`}`;
    for (const { datname } of rows) await admin.unsafe(`drop database if exists ${datname} with (force)`);
    await admin.end();
    if (embedded) await embedded.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  };
}
