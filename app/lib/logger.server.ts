import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import pino, { type DestinationStream, type Logger } from "pino";
import pinoPretty from "pino-pretty";
import { parseEnv, rawEnv, type Env } from "./env.server.ts";

/**
 * Structured logs: JSON lines, or human-readable lines on a terminal (LOG_FORMAT). Every line written while handling a request carries its request id
 * (taken from AsyncLocalStorage), and no line may carry a secret: known secret fields are
 * redacted by path, and anything that looks like a LiteLLM key (`sk-...`) or an admin API token (`sla_...`) is
 * masked wherever it appears.
 */

type LogContext = { requestId: string };

// The web process loads this module twice: once through tsx (scripts/serve.ts) and once inside the
// Remix build. The request context and the root logger live on globalThis so both copies share them.
const shared = globalThis as unknown as { __saasLogContext?: AsyncLocalStorage<LogContext>; __saasLogger?: Logger };
const context = (shared.__saasLogContext ??= new AsyncLocalStorage<LogContext>());

export function withRequestId<T>(requestId: string | undefined, fn: () => T): T {
  return context.run({ requestId: requestId || randomUUID() }, fn);
}

export function currentRequestId(): string | undefined {
  return context.getStore()?.requestId;
}

const SECRET_KEYS = [
  "password",
  "passwordHash",
  "password_hash",
  "masterKey",
  "master_key",
  "MASTER_KEY",
  "APP_SECRET",
  "appSecret",
  "LITELLM_MASTER_KEY",
  "litellmMasterKey",
  "virtualKey",
  "virtual_key",
  "key",
  "token",
  "apiKey",
  "api_key",
  "secret",
  "authorization",
  "Authorization",
  "cookie",
  "Cookie",
  "set-cookie",
  "x-admin-key",
  "X-Admin-Key",
  "x-litellm-api-key",
];

export const REDACT_PATHS = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
  ...SECRET_KEYS.map((k) => `*.*.${k}`),
  ...SECRET_KEYS.map((k) => `req.headers["${k.toLowerCase()}"]`),
];

// sk-... keys (LiteLLM master and virtual keys), sla_... admin API tokens, slp_... portal link tokens and bearer tokens, wherever they appear in a string.
const KEY_PATTERN = /\b(sk-[A-Za-z0-9_-]{2}|sla_[A-Za-z0-9_-]{2}|slp_[A-Za-z0-9_-]{2})[A-Za-z0-9_-]{6,}/g;
const BEARER_PATTERN = /(Bearer\s+)[^\s"']+/gi;

export function maskSecrets(text: string): string {
  return text.replace(KEY_PATTERN, "$1…").replace(BEARER_PATTERN, "$1[Redacted]");
}

/** Masks a secret for display: the first 5 and last 4 characters, the rest hidden. */
export function maskKey(key: string): string {
  if (key.length <= 12) return "••••";
  return `${key.slice(0, 5)}…${key.slice(-4)}`;
}

function maskDeep(value: unknown, depth = 0): unknown {
  if (depth > 8) return value;
  if (typeof value === "string") return maskSecrets(value);
  if (value instanceof Error) return maskDeep(pino.stdSerializers.err(value), depth + 1);
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, depth + 1));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = maskDeep(v, depth + 1);
    return out;
  }
  return value;
}

export type LogFormat = Env["LOG_FORMAT"];

/** Human-readable lines with LOG_FORMAT=pretty, or with auto (the default) when stdout is a terminal. */
export function writesPretty(format: LogFormat, stdoutIsTTY: boolean): boolean {
  return format === "pretty" || (format === "auto" && stdoutIsTTY);
}

/** One line per entry: `[23:10:02] WARN (worker): message {fields}`, stack traces below errors. */
function prettyStream(): DestinationStream {
  return pinoPretty({ sync: true, singleLine: true, translateTime: "SYS:HH:MM:ss", ignore: "pid,hostname,service" });
}

export function createLogger(options: { level?: string; name: string; destination?: DestinationStream; format?: LogFormat }): Logger {
  const destination = options.destination ?? (writesPretty(options.format ?? configured().LOG_FORMAT, process.stdout.isTTY === true) ? prettyStream() : undefined);
  return pino(
    {
      name: options.name,
      level: options.level ?? "info",
      base: { pid: process.pid, service: options.name },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: "[Redacted]" },
      mixin() {
        const requestId = currentRequestId();
        return requestId ? { requestId } : {};
      },
      formatters: {
        level: (label) => ({ level: label }),
        log(object) {
          // Last line of defence: mask keys that slipped into messages or error text.
          return maskDeep(object) as Record<string, unknown>;
        },
      },
      hooks: {
        logMethod(args, method) {
          method.apply(
            this,
            args.map((a) => (typeof a === "string" ? maskSecrets(a) : a)) as Parameters<typeof method>,
          );
        },
      },
    },
    destination,
  );
}

function configured(): Pick<Env, "LOG_LEVEL" | "LOG_FORMAT"> {
  try {
    return parseEnv(rawEnv());
  } catch {
    return { LOG_LEVEL: "info", LOG_FORMAT: "auto" }; // a bad setting is reported by env() at start; logging must still work meanwhile
  }
}

/** The process-wide logger; the web server and the worker replace it once at start (setLogger). */
export function logger(): Logger {
  shared.__saasLogger ??= createLogger({ name: "saas-litellm", level: configured().LOG_LEVEL });
  return shared.__saasLogger;
}

export function setLogger(instance: Logger): void {
  shared.__saasLogger = instance;
}
