/** Helpers for the double's own tests: start one, call it over real HTTP. */
import { createHash } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import { startLiteLLMDouble } from "./server.ts";
import type { Compat, LiteLLMDouble, LiteLLMDoubleOptions } from "./types.ts";

export const MASTER = "sk-master-double-tests-0123456789";
export const COMPATS: Compat[] = ["current", "legacy"];

export const sha256 = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");

export type Answer<T = any> = { status: number; body: T; headers: Headers; text: string }; // eslint-disable-line @typescript-eslint/no-explicit-any

export type CallOptions = { key?: string | null; headers?: Record<string, string>; rawBody?: string };

/** One HTTP call; `key: null` sends no Authorization header. */
export async function call(double: LiteLLMDouble, method: string, path: string, body?: unknown, options: CallOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  const key = options.key === undefined ? MASTER : options.key;
  if (key !== null) headers.authorization = `Bearer ${key}`;
  let payload: string | undefined = options.rawBody;
  if (body !== undefined) {
    payload = JSON.stringify(body);
    headers["content-type"] = "application/json";
  }
  const response = await fetch(`${double.url}${path}`, { method, headers, body: payload });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // SSE or plain text: keep the text
  }
  return { status: response.status, body: parsed, headers: response.headers, text };
}

export const get = (double: LiteLLMDouble, path: string, options?: CallOptions) => call(double, "GET", path, undefined, options);
export const post = (double: LiteLLMDouble, path: string, body: unknown = {}, options?: CallOptions) => call(double, "POST", path, body, options);

/** Starts a double before the suite and closes it after; read `.current` inside tests. */
export function useDouble(options: Partial<LiteLLMDoubleOptions> = {}): { current: LiteLLMDouble } {
  const holder = {} as { current: LiteLLMDouble };
  beforeAll(async () => {
    holder.current = await startLiteLLMDouble({ masterKey: MASTER, batchWriteIntervalMs: 3_600_000, ...options });
  });
  afterAll(async () => {
    await holder.current?.close();
  });
  return holder;
}

let counter = 0;
/** A unique id per call, so tests sharing one double never collide. */
export function uid(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}`;
}

/** A team, and a key in it; returns the raw key and its hash. */
export async function teamWithKey(
  double: LiteLLMDouble,
  team: Record<string, unknown> = {},
  key: Record<string, unknown> = {},
): Promise<{ teamId: string; rawKey: string; token: string }> {
  const teamId = uid("team");
  const t = await post(double, "/team/new", { team_id: teamId, ...team });
  if (t.status !== 200) throw new Error(`team/new ${t.status} ${t.text}`);
  const k = await post(double, "/key/generate", { team_id: teamId, ...key });
  if (k.status !== 200) throw new Error(`key/generate ${k.status} ${k.text}`);
  return { teamId, rawKey: k.body.key, token: k.body.token };
}

export async function chat(double: LiteLLMDouble, rawKey: string | null, body: Record<string, unknown> = {}, headers?: Record<string, string>): Promise<Answer> {
  return post(double, "/chat/completions", { model: "gpt-3.5-turbo", messages: [{ role: "user", content: "Hello there, double!" }], ...body }, { key: rawKey, headers });
}

/** Expected cost of one request at the double's built-in gpt-3.5-turbo prices. */
export const GPT35 = { input: 0.5e-6, output: 1.5e-6 };

/** "YYYY-MM-DD HH:MM:SS" for /spend/logs/v2. */
export function v2Date(d: Date): string {
  return d.toISOString().slice(0, 19).replace("T", " ");
}
