/**
 * `npm run demo`: the product with something to look at, from nothing, in well under a minute.
 *
 * 1. a fresh embedded PostgreSQL in .data/demo (deleted and made again at every start: the LiteLLM
 *    double keeps its state in memory, so the two must start empty together);
 * 2. the LiteLLM double, the web server and the worker as child processes (the same pieces as
 *    `npm start`, scripts/local-stack.ts), with throwaway secrets;
 * 3. seeds through the app's own REST API (so through the real services, audited): one
 *    organization, two model groups, four teams (one hard near its budget, one soft past 80 %, one
 *    with credits, one fine), a webhook endpoint served by this process, an API token, a viewer;
 * 4. traffic: today's requests are real calls to the double with each team's virtual key (so
 *    LiteLLM's counters and our budgets agree), the five days before are spend-log rows written into
 *    the double with past timestamps; the worker ingests both (the demo moves the ingestion window
 *    back a week first: a first run only reads the last 24 hours);
 * 5. waits until every team's usage is in, prints the URL, how to sign in and where to click;
 *    Ctrl-C stops everything (children, then the double, then PostgreSQL).
 *
 * Ports: PORT (app, 3000), LITELLM_DOUBLE_PORT (8002), PG_PORT (54339).
 */
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { spawn } from "node:child_process";
import path from "node:path";
import postgres from "postgres";
import { isPortFree, type EmbeddedDatabase } from "../db/embedded-postgres.ts";
import { createBoss } from "~/jobs/boss.server";
import { createSupervisor, spawnWebAndWorker, startLocalPostgres, stopPostgres, waitForOk } from "./local-stack.ts";
import { migrateAll } from "./migrate.ts";

process.stdout.on("error", () => {});
const say = (line: string) => process.stdout.write(`[demo] ${line}\n`);

const port = (name: string, fallback: number) => {
  const raw = process.env[name];
  const value = raw ? Number(raw) : fallback;
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    say(`${name}=${raw} is not a port number (1–65535)`);
    process.exit(1);
  }
  return value;
};
const APP_PORT = port("PORT", 3000);
const DOUBLE_PORT = port("LITELLM_DOUBLE_PORT", 8002);
const API_PORT = port("API_PORT", 8003);
const PG_PORT = port("PG_PORT", 54339);
const DATA_DIR = path.resolve(".data/demo");
const APP_URL = `http://localhost:${APP_PORT}`;
const LITELLM_URL = `http://127.0.0.1:${DOUBLE_PORT}`;

const secret = (prefix: string) => `${prefix}${randomBytes(24).toString("base64url")}`;
const MASTER_KEY = secret("sk-demo-admin-");
const APP_SECRET = secret("");
const LITELLM_MASTER_KEY = secret("sk-demo-litellm-");
const VIEWER = { email: "viewer@acme.example", password: "demo viewer password" };

/** USD per token (the double is started with the same prices). */
const PRICES: Record<string, { input: number; output: number }> = {
  "gpt-3.5-turbo": { input: 0.5e-6, output: 1.5e-6 },
  "gpt-4o-mini": { input: 0.15e-6, output: 0.6e-6 },
  "gpt-4-turbo": { input: 10e-6, output: 30e-6 },
  "claude-3-sonnet": { input: 3e-6, output: 15e-6 },
};
const GROUPS = [
  { name: "basic-models", models: ["gpt-3.5-turbo", "gpt-4o-mini"], description: "Fast, cost-effective models" },
  { name: "premium-models", models: ["gpt-4-turbo", "claude-3-sonnet"], description: "Most capable models" },
];

type TeamPlan = {
  name: string;
  groups: string[];
  max_budget: number;
  budget_mode: "hard" | "soft";
  rpm_limit?: number;
  tpm_limit?: number;
  credits?: number;
  /** What today's real requests spend (USD), in this period. */
  spendToday: number;
  /** The model today's big requests use. */
  bigModel: string;
  /** Requests per hour in the days before (spend-log rows). */
  hourlyRate: number;
  endUsers: string[];
  story: string;
};

const TEAMS: TeamPlan[] = [
  {
    name: "Acme Dev Team",
    groups: ["basic-models", "premium-models"],
    max_budget: 25,
    budget_mode: "hard",
    rpm_limit: 100,
    spendToday: 23,
    bigModel: "gpt-4-turbo",
    hourlyRate: 5,
    endUsers: ["ci-pipeline", "dana@acme.example", "lee@acme.example"],
    story: "hard, 92 % used: a few big requests and LiteLLM refuses it",
  },
  {
    name: "Acme Marketing",
    groups: ["basic-models", "premium-models"],
    max_budget: 10,
    budget_mode: "soft",
    spendToday: 8.8,
    bigModel: "claude-3-sonnet",
    hourlyRate: 3,
    endUsers: ["campaign-writer", "sam@acme.example"],
    story: "soft, 88 % used: the 80 % alert banner, never refused",
  },
  {
    name: "Acme Support Bot",
    groups: ["basic-models"],
    max_budget: 20,
    budget_mode: "hard",
    rpm_limit: 600,
    tpm_limit: 5_000_000,
    credits: 50,
    spendToday: 2.4,
    bigModel: "gpt-3.5-turbo",
    hourlyRate: 8,
    endUsers: ["widget-eu", "widget-us", "widget-apac", "email-triage"],
    story: "hard, $20 allowance + $50 credits",
  },
  {
    name: "Acme Research",
    groups: ["premium-models"],
    max_budget: 200,
    budget_mode: "hard",
    spendToday: 31,
    bigModel: "claude-3-sonnet",
    hourlyRate: 2,
    endUsers: ["notebook", "eval-runner"],
    story: "hard, $200 budget, well within it",
  },
];

const HISTORY_DAYS = 5;

let embedded: EmbeddedDatabase | undefined;
let receiver: http.Server | undefined;
const supervisor = createSupervisor(say);
supervisor.afterChildren(async () => {
  receiver?.close();
  if (embedded) await stopPostgres(embedded, say);
});
supervisor.handleSignals();

// ── the app's REST API ────────────────────────────────────────────────────────────────────────

async function api<T = Record<string, unknown>>(method: "GET" | "POST", pathname: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const response = await fetch(`${APP_URL}${pathname}`, {
    method,
    headers: { "X-Admin-Key": MASTER_KEY, ...(body === undefined ? {} : { "Content-Type": "application/json" }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${pathname} answered ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}

async function double(pathname: string, body: unknown, key = LITELLM_MASTER_KEY): Promise<Response> {
  return fetch(`${LITELLM_URL}${pathname}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
}

// ── traffic ───────────────────────────────────────────────────────────────────────────────────

/** mulberry32: the same history on every start. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Provisioned = { plan: TeamPlan; team_id: string; virtual_key: string; models: string[] };

/** Spend-log rows for the days before the team existed: a working-hours curve, a few failures. */
function history(team: Provisioned, index: number, until: Date): Array<Record<string, unknown>> {
  const random = prng(0x5eed + index);
  const keyHash = createHash("sha256").update(team.virtual_key).digest("hex");
  const rows: Array<Record<string, unknown>> = [];
  const hour = 3_600_000;
  const first = Math.floor((until.getTime() - HISTORY_DAYS * 24 * hour) / hour) * hour;
  let n = 0;
  for (let h = first; h < until.getTime() - hour; h += hour) {
    const utcHour = new Date(h).getUTCHours();
    const daytime = Math.max(0, Math.sin(((utcHour - 6) / 14) * Math.PI)); // busiest around 13:00 UTC
    const count = Math.round(team.plan.hourlyRate * (0.2 + 1.6 * daytime) * (0.6 + 0.8 * random()));
    for (let i = 0; i < count; i++) {
      const model = team.models[Math.floor(random() * team.models.length)]!;
      const price = PRICES[model]!;
      const failed = random() < 0.02;
      const prompt = 50 + Math.floor(random() * 2500);
      const completion = failed ? 0 : 20 + Math.floor(random() * 900);
      const latency = failed ? 150 + Math.floor(random() * 400) : 300 + Math.floor(completion * (model.includes("4-turbo") || model.includes("sonnet") ? 9 : 3) * (0.7 + random()));
      const start = new Date(h + Math.floor(random() * (hour - 60_000)));
      rows.push({
        request_id: `chatcmpl-demo-${index}-${++n}`,
        call_type: "acompletion",
        api_key: keyHash,
        team_id: team.team_id,
        model_group: model,
        prompt_tokens: prompt,
        completion_tokens: completion,
        total_tokens: prompt + completion,
        spend: failed ? 0 : Number((prompt * price.input + completion * price.output).toFixed(10)),
        startTime: start.toISOString(),
        endTime: new Date(start.getTime() + latency).toISOString(),
        request_duration_ms: latency,
        end_user: team.plan.endUsers[Math.floor(random() * team.plan.endUsers.length)],
        status: failed ? "failure" : "success",
        metadata: failed ? { error_information: { error_class: "RateLimitError", error_message: "Provider rate limit reached" } } : {},
      });
    }
  }
  // Scale each day's tokens so a day costs about a quarter of today's spend (0.2–0.4×): the charts
  // then show every day, with today's big requests on top.
  const days = new Map<string, Array<Record<string, unknown>>>();
  for (const row of rows) {
    const day = String(row.startTime).slice(0, 10);
    days.set(day, [...(days.get(day) ?? []), row]);
  }
  for (const dayRows of days.values()) {
    const spent = dayRows.reduce((sum, r) => sum + Number(r.spend), 0);
    // A day cut short by the window's edges gets its share of the target.
    const hours = new Set(dayRows.map((r) => String(r.startTime).slice(0, 13))).size;
    const factor = spent > 0 ? (team.plan.spendToday * (0.2 + 0.2 * random()) * Math.min(1, hours / 24)) / spent : 1;
    for (const r of dayRows) {
      if (r.status === "failure") continue;
      const price = PRICES[String(r.model_group)]!;
      const prompt = Math.max(1, Math.round(Number(r.prompt_tokens) * factor));
      const completion = Math.max(1, Math.round(Number(r.completion_tokens) * factor));
      Object.assign(r, { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, spend: Number((prompt * price.input + completion * price.output).toFixed(10)) });
    }
  }
  return rows;
}

/** Today's requests: real calls through LiteLLM with the team's key, adding up to `spendToday`. */
async function trafficToday(team: Provisioned): Promise<number> {
  const chat = async (model: string, maxTokens: number, user: string, extra: Record<string, unknown> = {}) => {
    const response = await double("/chat/completions", { model, max_tokens: maxTokens, user, messages: [{ role: "user", content: "Summarise our quarterly report" }], ...extra }, team.virtual_key);
    await response.arrayBuffer();
    return response.status;
  };
  let requests = 0;
  // A handful of ordinary requests on every model the team may use.
  for (const [i, model] of team.models.entries()) {
    for (let j = 0; j < 3; j++) {
      await chat(model, 200 + 150 * j, team.plan.endUsers[(i + j) % team.plan.endUsers.length]!);
      requests++;
    }
  }
  // One failed call: LiteLLM logs it (status failure, no spend).
  await chat(team.models[0]!, 100, team.plan.endUsers[0]!, { mock_response: "litellm.RateLimitError" });
  requests++;
  // Then big requests until today's spend is reached (each at most 100k completion tokens).
  const price = PRICES[team.plan.bigModel]!.output;
  let left = team.plan.spendToday;
  while (left > 0.01) {
    const tokens = Math.min(100_000, Math.round(left / price));
    const status = await chat(team.plan.bigModel, tokens, team.plan.endUsers[requests % team.plan.endUsers.length]!);
    if (status !== 200) throw new Error(`LiteLLM answered ${status} to ${team.plan.name}'s request`);
    left -= tokens * price;
    requests++;
  }
  return requests;
}

// ── the run ───────────────────────────────────────────────────────────────────────────────────

/** A webhook receiver in this process, so the Webhooks page shows delivered events and their answers. */
async function startReceiver(): Promise<string> {
  receiver = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(200, { "Content-Type": "text/plain" }).end("received by the demo's webhook receiver"));
  });
  await new Promise<void>((resolve) => receiver!.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/budget`;
}

async function main() {
  const started = Date.now();
  for (const [what, p, name] of [
    ["the app", APP_PORT, "PORT"],
    ["the LiteLLM double", DOUBLE_PORT, "LITELLM_DOUBLE_PORT"],
    ["the app's API", API_PORT, "API_PORT"],
    ["the embedded PostgreSQL", PG_PORT, "PG_PORT"],
  ] as const) {
    if (!(await isPortFree(p))) throw new Error(`port ${p} for ${what} is in use (is \`npm start\` or another demo running?). Stop it, or set ${name} to a free port.`);
  }

  say(`fresh demo data in ${path.relative(process.cwd(), DATA_DIR)} (emptied at every start)`);
  fs.rmSync(DATA_DIR, { recursive: true, force: true });
  const local = await startLocalPostgres({ dataDir: path.join(DATA_DIR, "pg"), port: PG_PORT, say, portInUseHint: "is another demo running? Stop it, or set PG_PORT to a free port." });
  embedded = local.embedded;
  say("applying migrations");
  await migrateAll(local.url);

  say(`starting the LiteLLM double on ${LITELLM_URL}`);
  const litellm = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "test/litellm-double/cli.ts",
      "--port",
      String(DOUBLE_PORT),
      "--models",
      Object.keys(PRICES).join(","),
      "--prices",
      Object.entries(PRICES)
        .map(([m, p]) => `${m}=${p.input * 1e6}/${p.output * 1e6}`)
        .join(","),
      "--batch-write-ms",
      "2000",
    ],
    { env: { ...process.env, LITELLM_DOUBLE_MASTER_KEY: LITELLM_MASTER_KEY }, stdio: ["ignore", "ignore", "inherit"] },
  );
  // The double stops after the app (stage 1), so the worker never sees it vanish mid-job.
  supervisor.watch("LiteLLM double", litellm, { stage: 1 });
  await waitForOk(`${LITELLM_URL}/health/liveliness`, { timeoutMs: 30_000, cancelled: () => supervisor.stopping, what: "the LiteLLM double" });

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "development",
    PORT: String(APP_PORT),
    API_PORT: String(API_PORT),
    DATABASE_URL: local.url,
    MASTER_KEY,
    APP_SECRET,
    LITELLM_PROXY_URL: LITELLM_URL,
    LITELLM_MASTER_KEY,
    USAGE_INGEST_INTERVAL_SECONDS: "5",
    DATA_DIR: path.relative(process.cwd(), DATA_DIR),
    LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
    // The demo's webhook receiver runs in this process, on this machine: a private target.
    WEBHOOK_ALLOW_PRIVATE: "true",
  };
  // Once stopping, their complaints about PostgreSQL going away (Ctrl-C reaches it too) are noise.
  const { web, worker } = spawnWebAndWorker(env, { mute: () => supervisor.stopping });
  supervisor.watch("web server", web);
  supervisor.watch("worker", worker);
  if (!(await waitForOk(`${APP_URL}/healthz`, { timeoutMs: 60_000, cancelled: () => supervisor.stopping, what: "the web server" }))) return;

  say("seeding an organization, model groups and teams through the REST API");
  const hookUrl = await startReceiver();
  await api("POST", "/api/webhooks", { url: hookUrl, description: "The demo's own receiver (budget alerts)" });
  const org = await api<{ organization_id: string }>("POST", "/api/organizations/create", { name: "Acme Corporation", litellm_organization_id: "acme-corp", description: "Main organization" });
  for (const group of GROUPS) await api("POST", "/api/model-groups/create", group);
  const created = await Promise.all(
    TEAMS.map((plan) =>
      api<{ team_id: string }>("POST", "/api/teams/create", {
        name: plan.name,
        organization_id: org.organization_id,
        model_groups: plan.groups,
        max_budget: plan.max_budget,
        budget_duration: "30d",
        budget_mode: plan.budget_mode,
        rpm_limit: plan.rpm_limit ?? null,
        tpm_limit: plan.tpm_limit ?? null,
      }),
    ),
  );
  const teams: Provisioned[] = [];
  for (const [i, plan] of TEAMS.entries()) {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const team = await api<{ team_id: string; virtual_key: string | null; models: string[]; sync: { state: string } }>("GET", `/api/teams/${created[i]!.team_id}`);
      if (team.virtual_key && team.sync.state === "in_sync") {
        teams.push({ plan, team_id: team.team_id, virtual_key: team.virtual_key, models: team.models });
        break;
      }
      if (Date.now() > deadline) throw new Error(`${plan.name} was not provisioned in LiteLLM within 30 s (sync: ${team.sync.state})`);
      await new Promise((r) => setTimeout(r, 250));
    }
    if (plan.credits) {
      await api("POST", `/api/credits/teams/${teams.at(-1)!.team_id}/add`, { amount: plan.credits, reason: "Prepaid support bundle" }, { "Idempotency-Key": `demo-credits-${plan.name}` });
    }
  }
  await api("POST", "/api/api-tokens", { name: "nightly usage report", role: "viewer" });
  await api("POST", "/api/admins", { email: VIEWER.email, name: "Finance viewer", role: "viewer", password: VIEWER.password });

  say(`traffic: ${HISTORY_DAYS} days of history into LiteLLM's spend logs, and today's requests through the teams' keys`);
  const until = new Date(Date.now() - 60_000);
  const historyCounts: number[] = [];
  for (const [i, team] of teams.entries()) {
    const rows = history(team, i, until);
    historyCounts.push(rows.length);
    const seeded = await double("/_double/seed-spend-logs", { rows });
    if (!seeded.ok) throw new Error(`the double refused the history: ${seeded.status} ${await seeded.text()}`);
  }
  const todayRequests = await Promise.all(teams.map(trafficToday));
  await double("/_double/flush", {});

  say("waiting for the worker to ingest it");
  const weekAgo = new Date(Date.now() - (HISTORY_DAYS + 2) * 86_400_000);
  const expected = teams.map((t, i) => ({ team: t, requests: historyCounts[i]! + todayRequests[i]! }));
  await ingestEverything(local.url, weekAgo, expected);

  const portalTeam = teams[1]!;
  let portalLink: string | undefined;
  try {
    const link = await api<{ path: string }>("POST", `/api/teams/${portalTeam.team_id}/portal-links`, { label: "Marketing's finance lead", expires_in: "7d" });
    portalLink = `${APP_URL}${link.path}`;
  } catch {
    /* the portal is not in this build */
  }

  const byName = (name: string) => teams.find((t) => t.plan.name === name)!;
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  const lines = [
    "",
    `SaaS LiteLLM demo is running at ${APP_URL} (ready in ${seconds} s; ${historyCounts.reduce((a, b) => a + b, 0)} past requests and ${todayRequests.reduce((a, b) => a + b, 0)} of today's)`,
    "",
    `Sign in at ${APP_URL}/signin with the master key:`,
    `    ${MASTER_KEY}`,
    `  or, read-only, under "Email and password": ${VIEWER.email} / ${VIEWER.password}`,
    "",
    "Where to click:",
    "  Overview        spend today and this period, top teams and models, teams near budget, recent alerts",
    "  Teams           the four teams of Acme Corporation; open one for its budget, charts and recent requests",
    "                  (\"7 days\" shows the history before this budget period):",
    ...teams.map((t) => `                    ${t.plan.name.padEnd(17)} ${t.plan.story}`),
    "  Organizations   Acme Corporation: the same summed over its teams",
    "  Usage           every team's spend; Models: prices from LiteLLM; Model groups: basic and premium",
    "  Webhooks        the alerts' deliveries to this demo's receiver, with its answers; try Replay",
    "  Audit log       everything the seeding did, through the REST front door",
    "",
    `Customer portal: ${APP_URL}/portal, "Virtual key" ${portalTeam.virtual_key} (${portalTeam.plan.name}), then "Sign in"`,
    ...(portalLink ? [`  or open the portal link: ${portalLink}`] : []),
    "",
    "Call LiteLLM (here the double) as that customer; the request shows on the team page within seconds:",
    `  curl -s ${LITELLM_URL}/chat/completions -H "Authorization: Bearer ${portalTeam.virtual_key}" \\`,
    `    -H "Content-Type: application/json" -d '{"model": "gpt-3.5-turbo", "messages": [{"role": "user", "content": "Hello"}]}'`,
    `  ${byName("Acme Dev Team").plan.name}'s key (${byName("Acme Dev Team").virtual_key}) is refused after ~$2 more of gpt-4-turbo; add credits on its page.`,
    "",
    `The SaaS API (REST, tRPC, /api/openapi.json) also answers on port ${API_PORT}, as in the seed's examples:`,
    `  curl -s http://localhost:${API_PORT}/api/teams -H "X-Admin-Key: ${MASTER_KEY}"`,
    "",
    "Stop with Ctrl-C (everything stops; the next `npm run demo` starts fresh).",
    "",
  ];
  for (const line of lines) say(line);
}

/**
 * Moves the ingestion window back (a first run reads only the last 24 hours), nudges the worker, and
 * waits until every team's usage counts every request. Re-reading is safe: each request is stored
 * once. If a run that was under way moved the window forward again, the window is moved back again.
 */
async function ingestEverything(databaseUrl: string, from: Date, expected: Array<{ team: Provisioned; requests: number }>) {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  const boss = createBoss(databaseUrl, { max: 1, supervise: false, schedule: false, migrate: false });
  await boss.start();
  try {
    const deadline = Date.now() + 60_000;
    for (let attempt = 0; ; attempt++) {
      await sql`insert into ingestion_state (id, window_start) values ('spend-logs', ${from})
                on conflict (id) do update set window_start = excluded.window_start`;
      await boss.send("ingest-usage", {});
      const waitUntil = Date.now() + 12_000;
      while (Date.now() < waitUntil) {
        const counts = await Promise.all(
          expected.map(async ({ team }) => (await api<{ request_count: number }>("GET", `/api/teams/${team.team_id}/usage?from=${from.toISOString()}`)).request_count),
        );
        if (counts.every((n, i) => n >= expected[i]!.requests)) return;
        await new Promise((r) => setTimeout(r, 500));
      }
      if (Date.now() > deadline) throw new Error("the worker did not ingest the demo's usage within 60 s; see its log above");
      say(`still waiting for the worker (attempt ${attempt + 2})`);
    }
  } finally {
    await boss.stop({ graceful: false, wait: true, close: true });
    await sql.end();
  }
}

try {
  await main();
} catch (error) {
  say(`could not start the demo: ${error instanceof Error ? error.message : error === undefined ? "a part did not start (its messages are above)" : String(error)}`);
  await supervisor.stopAll(1);
}
