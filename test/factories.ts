import { randomUUID } from "node:crypto";
import type { AdminActor as Actor } from "~/auth/actor";
import type { LiteLLMDouble } from "./litellm-double/server.ts";

/** The LiteLLM double this test file's app code talks to (LITELLM_PROXY_URL), started by test/setup-db.ts. */
export function liteLLMDouble(): LiteLLMDouble {
  const double = (globalThis as { __testLiteLLM?: LiteLLMDouble }).__testLiteLLM;
  if (!double) throw new Error("The LiteLLM double is not running: test/setup-db.ts starts it for every test file.");
  return double;
}

/** A unique client address per test, so sign-in throttling in one test never reaches another. */
export function clientAddress(): string {
  const n = () => Math.floor(Math.random() * 250) + 1;
  return `10.${n()}.${n()}.${n()}`;
}

export function uniqueEmail(label = "admin"): string {
  return `${label}-${randomUUID().slice(0, 8)}@example.com`;
}

export const masterActor: Actor = { userId: "master", name: "Master key", email: null, role: "owner", via: "web" };
