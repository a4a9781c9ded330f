import { z } from "zod";

/**
 * The one place that reads process.env. Every setting is validated here once, at start,
 * and a missing or malformed one stops the process with a message naming the variable and the fix.
 */

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
const MIN_SECRET_LENGTH = 32;

const emptyToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

const urlWithProtocol = (protocols: string[], message: string) =>
  z.string().refine((v) => {
    try {
      return protocols.includes(new URL(v).protocol);
    } catch {
      return false;
    }
  }, message);

const postgresUrl = z.preprocess(
  emptyToUndefined,
  urlWithProtocol(["postgres:", "postgresql:"], "must be a postgres:// URL, for example postgres://user:password@127.0.0.1:5432/saas_litellm").optional(),
);

const httpUrl = urlWithProtocol(["http:", "https:"], "must be an http(s) URL, for example http://localhost:8002").transform((v) =>
  v.replace(/\/+$/, ""),
);

const port = (fallback: number) =>
  z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ invalid_type_error: "must be a whole number between 1 and 65535" })
      .int("must be a whole number between 1 and 65535")
      .min(1, "must be a whole number between 1 and 65535")
      .max(65535, "must be a whole number between 1 and 65535")
      .default(fallback),
  );

const bool = (fallback: boolean) =>
  z.preprocess(
    emptyToUndefined,
    z
      .enum(["true", "false", "1", "0", "yes", "no"], {
        errorMap: () => ({ message: "must be true or false" }),
      })
      .default(fallback ? "true" : "false")
      .transform((v) => ["true", "1", "yes"].includes(v)),
  );

const API_PORT_MESSAGE = "must be a whole number between 0 and 65535 (0 takes any free port) or off, for example 8003";

const secret = z.preprocess(emptyToUndefined, z.string().optional());

const schema = z
  .object({
    NODE_ENV: z.preprocess(
      emptyToUndefined,
      z
        .enum(["development", "production", "test"], {
          errorMap: () => ({ message: "must be development, production or test" }),
        })
        .default("development"),
    ),
    DATABASE_URL: postgresUrl,
    PORT: port(3000),
    HOST: z.preprocess(emptyToUndefined, z.string().default("0.0.0.0")),
    // The API-only listener of the web process (/api/…, tRPC, the OpenAPI document): the seed's SaaS API
    // on 8003. `0` takes any free port (tests), `off` opens none; /api stays on PORT either way.
    API_PORT: z.preprocess(
      (v) => (typeof v === "string" && v.trim().toLowerCase() === "off" ? null : emptyToUndefined(v)),
      z.coerce
        .number({ invalid_type_error: API_PORT_MESSAGE })
        .int(API_PORT_MESSAGE)
        .min(0, API_PORT_MESSAGE)
        .max(65535, API_PORT_MESSAGE)
        .nullable()
        .default(8003),
    ),
    MASTER_KEY: secret,
    APP_SECRET: secret,
    LITELLM_PROXY_URL: z.preprocess(emptyToUndefined, httpUrl.default("http://localhost:8002")),
    LITELLM_MASTER_KEY: secret,
    LOG_LEVEL: z.preprocess(
      (v) => (typeof v === "string" ? emptyToUndefined(v.toLowerCase()) : v),
      z
        .enum(LOG_LEVELS, { errorMap: () => ({ message: `must be one of ${LOG_LEVELS.join(", ")}` }) })
        .default("info"),
    ),
    // auto: human-readable lines on a terminal, JSON lines otherwise (docs/operations.md, Log formats).
    LOG_FORMAT: z.preprocess(
      (v) => (typeof v === "string" ? emptyToUndefined(v.toLowerCase()) : v),
      z.enum(["auto", "json", "pretty"], { errorMap: () => ({ message: "must be auto, json or pretty" }) }).default("auto"),
    ),
    SESSION_TTL_HOURS: z.preprocess(
      emptyToUndefined,
      z.coerce
        .number({ invalid_type_error: "must be a number of hours, for example 12" })
        .positive("must be a positive number of hours")
        .max(24 * 90, "must be at most 2160 hours (90 days)")
        .default(12),
    ),
    TRUST_PROXY: bool(false),
    // Webhooks may reach loopback, private, link-local and metadata addresses only when the operator says so (docs/webhooks.md).
    WEBHOOK_ALLOW_PRIVATE: bool(false),
    // How often the worker pulls LiteLLM's spend logs into usage_requests (docs/usage.md).
    USAGE_INGEST_INTERVAL_SECONDS: z.preprocess(
      emptyToUndefined,
      z.coerce
        .number({ invalid_type_error: "must be a whole number of seconds between 5 and 3600, for example 15" })
        .int("must be a whole number of seconds between 5 and 3600, for example 15")
        .min(5, "must be at least 5 seconds")
        .max(3600, "must be at most 3600 seconds (1 hour)")
        .default(15),
    ),
    // How long a job may stay open with no activity before the worker closes it as abandoned (docs/jobs.md).
    // Decimals are allowed (0.05 is 3 seconds, for tests and demos).
    JOB_IDLE_TIMEOUT_MINUTES: z.preprocess(
      emptyToUndefined,
      z.coerce
        .number({ invalid_type_error: "must be a number of minutes between 0.05 and 43200, for example 60" })
        .min(0.05, "must be at least 0.05 minutes (3 seconds)")
        .max(43200, "must be at most 43200 minutes (30 days)")
        .default(60),
    ),
    // How long after its startTime LiteLLM may still write a spend-log row: every ingestion run
    // re-checks this much of the past (docs/usage.md). At least request_timeout plus two batch writes.
    USAGE_LATE_ROWS_SECONDS: z.preprocess(
      emptyToUndefined,
      z.coerce
        .number({ invalid_type_error: "must be a whole number of seconds between 60 and 86400, for example 630 (request_timeout 600 + 30)" })
        .int("must be a whole number of seconds between 60 and 86400, for example 630 (request_timeout 600 + 30)")
        .min(60, "must be at least 60 seconds")
        .max(86400, "must be at most 86400 seconds (1 day)")
        .default(630),
    ),
    DATA_DIR: z.preprocess(emptyToUndefined, z.string().default(".data")),
    PG_PORT: port(54329),
    // When set, the worker serves its own Prometheus counters (jobs, LiteLLM calls) on this port at /metrics.
    WORKER_METRICS_PORT: z.preprocess(
      emptyToUndefined,
      z.coerce
        .number({ invalid_type_error: "must be a whole number between 1 and 65535" })
        .int("must be a whole number between 1 and 65535")
        .min(1, "must be a whole number between 1 and 65535")
        .max(65535, "must be a whole number between 1 and 65535")
        .optional(),
    ),
    // Set by `remix dev` for the app server it runs; its presence means live reload and development error pages.
    REMIX_DEV_ORIGIN: z.preprocess(emptyToUndefined, z.string().optional()),
  })
  .superRefine((env, ctx) => {
    if (env.API_PORT === env.PORT) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["API_PORT"],
        message: `must differ from PORT (both are ${env.PORT}); /api already answers on PORT, so set API_PORT to another port or to off`,
      });
    }
    if (env.NODE_ENV !== "production") return;
    const required: Array<["MASTER_KEY" | "APP_SECRET" | "LITELLM_MASTER_KEY", string]> = [
      ["MASTER_KEY", "the admin key for the admin panel and the API"],
      ["APP_SECRET", "the key that encrypts virtual keys and signs cookies"],
    ];
    for (const [name, what] of required) {
      const value = env[name];
      if (!value) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: [name],
          message: `is required in production (${what}); set it to a random value of at least ${MIN_SECRET_LENGTH} characters, e.g. \`openssl rand -hex 32\``,
        });
      } else if (value.length < MIN_SECRET_LENGTH) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: [name],
          message: `is too weak (${value.length} characters); production needs at least ${MIN_SECRET_LENGTH}, e.g. \`openssl rand -hex 32\``,
        });
      }
    }
    if (!env.DATABASE_URL) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["DATABASE_URL"],
        message: "is required in production; set it to your PostgreSQL server, e.g. postgres://user:password@db:5432/saas_litellm",
      });
    }
  });

export type Env = z.infer<typeof schema>;

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(
      `Configuration is invalid:\n${problems.map((p) => `  - ${p}`).join("\n")}\nSee .env.example for every setting.`,
    );
    this.name = "ConfigError";
  }
}

/** Parses a set of variables; throws ConfigError naming each bad variable and its fix. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = schema.safeParse(source);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join(".")} ${issue.message}`);
    throw new ConfigError(problems);
  }
  return result.data;
}

/** Settings a running app or worker process cannot do without. */
export type RuntimeEnv = Env & { DATABASE_URL: string; MASTER_KEY: string; APP_SECRET: string };

export function requireRuntime(env: Env): RuntimeEnv {
  const problems: string[] = [];
  if (!env.DATABASE_URL)
    problems.push("DATABASE_URL is required; start with `npm start` (embedded database) or set it to your PostgreSQL server");
  if (!env.MASTER_KEY) problems.push("MASTER_KEY is required; start with `npm start` (generates one) or set it in .env");
  if (!env.APP_SECRET) problems.push("APP_SECRET is required; start with `npm start` (generates one) or set it in .env");
  if (problems.length) throw new ConfigError(problems);
  return env as RuntimeEnv;
}

let cached: RuntimeEnv | undefined;

/** The validated settings of this process (app or worker). Read once, then cached. */
export function env(): RuntimeEnv {
  cached ??= requireRuntime(parseEnv(process.env));
  return cached;
}

/** The raw variables, for the launcher (which fills in what a local start lacks) and for tests. */
export function rawEnv(): Record<string, string | undefined> {
  return { ...process.env };
}

/** Loads `.env` from the working directory into process.env, without overriding what is already set. */
export function loadDotEnv(file = ".env"): void {
  try {
    process.loadEnvFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}

/** For the web server and the worker: the validated settings, or exit with the problems printed plainly. */
export function envOrExit(): RuntimeEnv {
  try {
    return env();
  } catch (error) {
    exitOnConfigError(error);
  }
}

/** For the command-line scripts (npm start, admin, migrate): `.env` loaded, the settings checked, or exit with the problems printed plainly. */
export function settingsOrExit(): Env {
  loadDotEnv();
  try {
    return parseEnv(rawEnv());
  } catch (error) {
    exitOnConfigError(error);
  }
}

/** Stops the process with the config problems printed plainly (no stack trace). */
export function exitOnConfigError(error: unknown): never {
  if (error instanceof ConfigError) {
    process.stderr.write(`\n${error.message}\n\n`);
    process.exit(1);
  }
  throw error;
}
