import { randomUUID } from "node:crypto";
import type { Actor } from "~/services/actor.server";

/** A unique client address per test, so sign-in throttling in one test never reaches another. */
export function clientAddress(): string {
  const n = () => Math.floor(Math.random() * 250) + 1;
  return `10.${n()}.${n()}.${n()}`;
}

export function uniqueEmail(label = "admin"): string {
  return `${label}-${randomUUID().slice(0, 8)}@example.com`;
}

export const masterActor: Actor = { userId: "master", name: "Master key", email: null, role: "owner", via: "web" };
