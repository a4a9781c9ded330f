/**
 * Runs the LiteLLM double as a process:
 *
 *   npm run litellm:double -- --port 4000 --master-key sk-... --compat current --models gpt-3.5-turbo,gpt-4-turbo
 *
 * With no flags it listens on 4000 with the local master key sk-litellm-local (printed) and the
 * seed's four models.
 *
 * Every flag has an environment variable; a flag wins over its variable. `--help` lists them.
 * Unknown flags are refused with exit code 2. Stops cleanly on SIGINT and SIGTERM.
 */
import { startLiteLLMDouble } from "./server.ts";
import { LOCAL_MASTER_KEY, SEED_MODELS, resolveModel } from "./state.ts";
import type { Compat, DoubleModel } from "./types.ts";

type Option = { flag: string; env: string[]; value: string; help: string; boolean?: boolean };

const OPTIONS: Option[] = [
  { flag: "--port", env: ["LITELLM_DOUBLE_PORT"], value: "<n>", help: "port to listen on (default 4000; 0 = any free port)" },
  { flag: "--host", env: ["LITELLM_DOUBLE_HOST"], value: "<host>", help: "address to listen on (default 127.0.0.1)" },
  { flag: "--master-key", env: ["LITELLM_DOUBLE_MASTER_KEY", "LITELLM_MASTER_KEY"], value: "<sk-...>", help: "the proxy's master key (default sk-litellm-local, printed at start: for local use only)" },
  { flag: "--compat", env: ["LITELLM_DOUBLE_COMPAT"], value: "current|legacy", help: "LiteLLM behaviour: current (429/403, page_size ≤ 1000) or legacy (400/401, ≤ 100); default current" },
  { flag: "--models", env: ["LITELLM_DOUBLE_MODELS"], value: "<a,b,...>", help: `model names (default ${SEED_MODELS.join(",")}: the seed's)` },
  {
    flag: "--prices",
    env: ["LITELLM_DOUBLE_PRICES"],
    value: "<model=in/out,...>",
    help: "prices in USD per 1M tokens, e.g. gpt-4o=2.5/10; a model not in --models is added",
  },
  { flag: "--batch-write-ms", env: ["LITELLM_DOUBLE_BATCH_WRITE_MS"], value: "<ms>", help: "how often pending spend is written (default 10000, LiteLLM's proxy_batch_write_at)" },
  { flag: "--budget-reset-ms", env: ["LITELLM_DOUBLE_BUDGET_RESET_MS"], value: "<ms>", help: "run the budget-reset job this often (default 600000; 0 = never)" },
  {
    flag: "--team-cache-ms",
    env: ["LITELLM_DOUBLE_TEAM_CACHE_MS"],
    value: "<ms>",
    help: "how long /chat/completions keeps a team in memory, so /team/block bites late (default 60000; 0 = no cache)",
  },
  { flag: "--premium", env: ["LITELLM_DOUBLE_PREMIUM"], value: "", help: "act as an Enterprise licence (regenerate, model_max_budget, tags)", boolean: true },
  { flag: "--help", env: [], value: "", help: "print this help", boolean: true },
];

function usage(): string {
  const lines = OPTIONS.map((o) => {
    const left = `  ${o.flag}${o.value ? ` ${o.value}` : ""}`;
    const env = o.env.length ? ` [env ${o.env.join(", then ")}]` : "";
    return `${left.padEnd(34)} ${o.help}${env}`;
  });
  return [
    "LiteLLM double: a stand-in for the LiteLLM proxy (its admin API, /chat/completions, spend logs); test/litellm-double/README.md says what it follows.",
    "",
    "Usage: npm run litellm:double -- [options]",
    "",
    ...lines,
    "",
    "Test hooks (master key required): POST /_double/flush, /_double/budget-reset, /_double/clock,",
    "/_double/fault, /_double/clear-faults, /_double/seed-spend-logs; GET /_double/state.",
  ].join("\n");
}

class UsageError extends Error {}

function parseArgs(argv: string[]): Map<string, string> {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const option = OPTIONS.find((o) => o.flag === flag) ?? (flag === "-h" ? OPTIONS.find((o) => o.flag === "--help") : undefined);
    if (!option) {
      throw new UsageError(`Unknown ${arg.startsWith("-") ? "option" : "argument"} ${flag}. Known options: ${OPTIONS.map((o) => o.flag).join(", ")}.`);
    }
    if (option.boolean) values.set(option.flag, inline ?? "true");
    else {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new UsageError(`${option.flag} needs a value (${option.value}).`);
      values.set(option.flag, value);
    }
  }
  return values;
}

function setting(values: Map<string, string>, flag: string): string | undefined {
  if (values.has(flag)) return values.get(flag);
  const option = OPTIONS.find((o) => o.flag === flag)!;
  for (const name of option.env) {
    const v = process.env[name];
    if (v !== undefined && v !== "") return v;
  }
  return undefined;
}

function integer(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} must be a whole number ≥ 0, got "${text}".`);
  return n;
}

function parsePrices(text: string | undefined): Map<string, [number, number]> {
  const prices = new Map<string, [number, number]>();
  for (const item of (text ?? "").split(",").map((s) => s.trim()).filter(Boolean)) {
    const m = /^([^=]+)=([0-9.eE+-]+)\/([0-9.eE+-]+)$/.exec(item);
    const input = m ? Number(m[2]) : NaN;
    const output = m ? Number(m[3]) : NaN;
    if (!m || !Number.isFinite(input) || !Number.isFinite(output) || input < 0 || output < 0) {
      throw new UsageError(`--prices item "${item}" must look like model=<in>/<out> (USD per 1M tokens), e.g. gpt-4o=2.5/10.`);
    }
    prices.set(m[1].trim(), [input / 1e6, output / 1e6]);
  }
  return prices;
}

function maskKey(key: string): string {
  return key.length > 10 ? `${key.slice(0, 5)}…${key.slice(-4)}` : "****";
}

async function main(): Promise<void> {
  const values = parseArgs(process.argv.slice(2));
  if (values.get("--help") === "true") {
    process.stdout.write(`${usage()}\n`);
    return;
  }
  const givenKey = setting(values, "--master-key");
  const masterKey = givenKey ?? LOCAL_MASTER_KEY;
  const compat = setting(values, "--compat") ?? "current";
  if (compat !== "current" && compat !== "legacy") throw new UsageError(`--compat must be current or legacy, got "${compat}".`);
  const premiumText = (setting(values, "--premium") ?? "false").toLowerCase();
  if (!["true", "false", "1", "0", "yes", "no"].includes(premiumText)) throw new UsageError(`--premium must be true or false, got "${premiumText}".`);
  const names = (setting(values, "--models") ?? SEED_MODELS.join(","))
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const prices = parsePrices(setting(values, "--prices"));
  for (const name of prices.keys()) if (!names.includes(name)) names.push(name);
  const models: DoubleModel[] = names.map((name) => {
    const base = resolveModel(name);
    const price = prices.get(name);
    return { ...base, inputCostPerToken: price?.[0] ?? base.inputCostPerToken, outputCostPerToken: price?.[1] ?? base.outputCostPerToken };
  });

  const double = await startLiteLLMDouble({
    port: integer("--port", setting(values, "--port"), 4000),
    host: setting(values, "--host") ?? "127.0.0.1",
    masterKey,
    compat: compat as Compat,
    models,
    batchWriteIntervalMs: integer("--batch-write-ms", setting(values, "--batch-write-ms"), 10_000) || 10_000,
    budgetResetIntervalMs: integer("--budget-reset-ms", setting(values, "--budget-reset-ms"), 600_000) || undefined,
    teamCacheTtlMs: integer("--team-cache-ms", setting(values, "--team-cache-ms"), 60_000),
    premium: ["true", "1", "yes"].includes(premiumText),
  });
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    double.close().then(
      // Exit once the line is flushed: a piped stdout writes asynchronously.
      () => process.stdout.write(`LiteLLM double stopped (${signal})\n`, () => process.exit(0)),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  process.stdout.write(`LiteLLM double listening on ${double.url} (compat ${double.compat}, master key ${givenKey ? maskKey(masterKey) : masterKey}, models ${names.join(", ")})\n`);
  if (!givenKey) {
    process.stdout.write(`No master key given: using the local default ${LOCAL_MASTER_KEY} (set LITELLM_MASTER_KEY=${LOCAL_MASTER_KEY} in the app; pass --master-key for anything else).\n`);
  }
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\nRun with --help for the list of options.\n`, () => process.exit(2));
    return;
  }
  process.stderr.write(`LiteLLM double failed to start: ${error instanceof Error ? error.message : String(error)}\n`, () => process.exit(1));
});
