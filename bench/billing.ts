/**
 * Benchmark: billing at ingestion (issue 14, "Speed": billing every request costs at most 10 % of
 * end-to-end ingestion, 1,000,000 rows, both figures in one run).
 *
 *   node --import tsx bench/billing.ts --ingest [--rows 1000000] [--teams 1000] [--orgs 10] [--order a,b,c,d,d,c,b,a] [--budget-s 150] [--explain]
 *
 * End-to-end ingestion as bench/ingest.ts and bench/jobs.ts measure it (ingestUsage: the LiteLLM
 * double in its own process, /spend/logs/v2 pages of 1,000 over HTTP, two writes in flight, into
 * usage_requests and the rollups), the same rows every run (1,000 teams in 10 organizations, six
 * models, one of them without a model group, 2 % failures, time order, session_id null), in ONE
 * process, one run after the other, each on fresh tables (usage, rollups, jobs, ingestion state and
 * the price lists truncated); the double (its own process) is seeded once, as every run reads the
 * same rows. A c run is stopped after --budget-s seconds (default 150) and measured over the rows
 * it stored by then (see BUDGET_S). The runs differ in the statement and the price lists:
 *   a  the ingestion statement of 1a7c48e, without billing (copied out of git at start into a
 *      gitignored .cache/ folder and swapped in for db/queries/usage-ingest.ts by a module hook, so
 *      ingestUsage itself is unchanged; usage_requests.billed is made nullable for it, as the column
 *      did not exist then)
 *   b  the current statement, no price lists at all
 *   c  the current statement, every organization on a per-model list (three to four models listed,
 *      a fallback markup for the others) with a second version mid-window (new prices; one
 *      organization's second version has no fallback) and a third effective tomorrow; 100 teams on a
 *      markup list of their own for the whole window, 50 of them back to 'inherit' mid-window, and
 *      100 more teams whose own markup list starts mid-window
 *   d  c's price lists, with the current statement but its priced CTE replaced by the proposed fix
 *      (PRICED_FIX), copied to the same .cache/ folder and swapped in the same way
 * After every run: every row stored (unless the budget stopped it), the rollups equal the raw rows per team (spend and billed); in
 * c, every team's sum(billed) and every version's row count and sum(billed) equal a computation in
 * this script of the price lists it created applied to the rows it generated (exact integers in
 * units of 1e-10 USD, no floats, no SQL); in b, billed = spend and no version; every team's
 * sum(spend) equals the generated rows'.
 *
 * --explain: right after the last c or d run, EXPLAIN (ANALYZE, BUFFERS) of one 1,000-row page of
 * the same data (fresh request ids, rolled back) with each statement (a, b without the lists, c, d),
 * 5 times each, on the tables as that run left them; prints the median execution times and the
 * plans of c and d (--all-plans: every plan).
 *
 * Uses DATABASE_URL when set (a scratch database is created and dropped there), otherwise a
 * throwaway embedded PostgreSQL. Prints one JSON line of results; bench/README.md records them.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { register } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import postgres from "postgres";
import { freePort } from "../db/embedded-postgres.ts";
import { scratchDatabase, useAppSettings } from "./setup.ts";

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(`--${name}`);
function option(name: string, fallback: string): string {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : fallback;
}
const log = (message: string) => process.stderr.write(`[bench/billing ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
const loadavg = () => fs.readFileSync("/proc/loadavg", "utf8").trim();
const MASTER = "sk-bench-litellm-master";
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const OLD_COMMIT = "1a7c48e";

/** A small seeded PRNG (mulberry32), so every run makes the same rows. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ── the statement of 1a7c48e, swapped in by a module hook ───────────────────────────────────────

/**
 * The proposed fix (run d): the same spans and the same choice of version, but the version in force
 * at each span's start is found by one hash join of the spans with the page's versions on the team
 * (a few versions each) and DISTINCT ON, instead of two correlated subqueries per span that each
 * scan the whole pl CTE (CTEs have no index): spans × pl rows, ~2,600 × 2,000 × 2 a page at 1,000
 * teams. Replaces the priced CTE of db/queries/usage-ingest.ts text for text (bench/README.md).
 */
const PRICED_FIX = `    bounds as (select team_id, effective_at as at from pl union select team_id, '-infinity'::timestamptz from pl),
    in_force as (
      -- At each bound, the team's latest own version and its organization's latest: one hash join on the team.
      select distinct on (b.team_id, b.at, o.own) b.team_id, b.at, o.own, o.id, o.kind
      from bounds b join pl o on o.team_id = b.team_id and o.effective_at <= b.at
      order by b.team_id, b.at, o.own, o.effective_at desc
    ),
    priced as (
      select b.team_id, b.at as from_at, lead(b.at, 1, 'infinity') over (partition by b.team_id order by b.at) as to_at,
             coalesce(case when own.kind = 'inherit' then null else own.id end, org.id) as version_id
      from bounds b
      left join in_force own on own.team_id = b.team_id and own.at = b.at and own.own
      left join in_force org on org.team_id = b.team_id and org.at = b.at and not org.own
    ),
`;

/**
 * Writes 1a7c48e's db/queries/usage-ingest.ts into a gitignored folder of the repo (so its imports
 * of drizzle-orm and ../../db/… resolve as the original's did), a shim that answers for
 * db/queries/usage-ingest.ts and sends insertUsageRows to the old or the current statement by a
 * switch, and a resolve hook that points every import of the real module (except the shim's own)
 * at the shim. Returns the switch and the folder (removed at the end).
 */
async function installStatementSwitch(): Promise<{ dir: string; fixedApplies: boolean; use: (statement: "old" | "current" | "fixed") => void }> {
  const dir = path.join(ROOT, ".cache", `bench-billing-${process.pid}`);
  fs.mkdirSync(dir, { recursive: true });
  const shown = spawnSync("git", ["show", `${OLD_COMMIT}:db/queries/usage-ingest.ts`], { cwd: ROOT, encoding: "utf8" });
  if (shown.status !== 0) throw new Error(`git show ${OLD_COMMIT}:db/queries/usage-ingest.ts failed: ${shown.stderr}`);
  if (shown.stdout.includes("billed")) throw new Error(`${OLD_COMMIT}'s statement already bills: wrong commit`);
  // Same imports, one folder deeper than db/queries/.
  const old = shown.stdout.replace(/from "\.\.\/schema\//g, 'from "../../db/schema/').replace(/from "\.\/(usage|types)\.ts"/g, 'from "../../db/queries/$1.ts"');
  fs.writeFileSync(path.join(dir, "old-usage-ingest.ts"), old);
  // The current statement with the proposed fix of its pricing CTE (see PRICED_FIX), for run d.
  const currentSource = fs.readFileSync(path.join(ROOT, "db/queries/usage-ingest.ts"), "utf8");
  const pricedStart = currentSource.indexOf("    priced as (");
  const pricedEnd = currentSource.indexOf("    ins as (");
  // Since 3a42b36 the statement carries the fix (and later a leaner form of it): d then runs the current statement.
  const fixedApplies = pricedStart >= 0 && pricedEnd > pricedStart && !currentSource.includes("    in_force as (");
  const fixed = (fixedApplies ? currentSource.slice(0, pricedStart) + PRICED_FIX + currentSource.slice(pricedEnd) : currentSource)
    .replace(/from "\.\.\/schema\//g, 'from "../../db/schema/')
    .replace(/from "\.\/(usage|types)\.ts"/g, 'from "../../db/queries/$1.ts"');
  fs.writeFileSync(path.join(dir, "fixed-usage-ingest.ts"), fixed);
  const real = pathToFileURL(path.join(ROOT, "db/queries/usage-ingest.ts")).href;
  fs.writeFileSync(
    path.join(dir, "shim.ts"),
    `import * as current from ${JSON.stringify(real)};
import * as old from "./old-usage-ingest.ts";
import * as fixed from "./fixed-usage-ingest.ts";
const state = globalThis as unknown as { __benchBillingStatement?: string };
export const countUsageRows = current.countUsageRows;
export const usageRowsPerSecond = current.usageRowsPerSecond;
export function insertUsageRows(db: Parameters<typeof current.insertUsageRows>[0], rows: Parameters<typeof current.insertUsageRows>[1]) {
  const statement = state.__benchBillingStatement === "old" ? old : state.__benchBillingStatement === "fixed" ? fixed : current;
  return statement.insertUsageRows(db, rows);
}
`,
  );
  const shim = pathToFileURL(path.join(dir, "shim.ts")).href;
  const dirUrl = pathToFileURL(dir).href + "/";
  fs.writeFileSync(
    path.join(dir, "hooks.mjs"),
    `export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  if (r.url.split("?")[0] === ${JSON.stringify(real)} && !(context.parentURL ?? "").startsWith(${JSON.stringify(dirUrl)})) return { ...r, url: ${JSON.stringify(shim)} };
  return r;
}
`,
  );
  register(pathToFileURL(path.join(dir, "hooks.mjs")).href);
  const state = globalThis as unknown as { __benchBillingStatement?: string };
  return { dir, fixedApplies, use: (statement) => void (state.__benchBillingStatement = statement) };
}

// ── money as exact integers of 1e-10 USD ────────────────────────────────────────────────────────

const E10 = 10_000_000_000n;
/** A numeric's text (no exponent) as an integer of 1e-10. */
function toE10(text: string | null): bigint {
  if (text === null) return 0n;
  if (/e/i.test(text)) throw new Error(`unexpected exponent in ${text}`);
  const negative = text.startsWith("-");
  const [whole, frac = ""] = (negative ? text.slice(1) : text).split(".");
  if (frac.length > 10 && /[1-9]/.test(frac.slice(10))) throw new Error(`more than 10 decimals: ${text}`);
  const v = BigInt(whole || "0") * E10 + BigInt((frac + "0000000000").slice(0, 10));
  return negative ? -v : v;
}
const e10Text = (v: bigint) => `${v / E10}.${String(v % E10).padStart(10, "0")}`;
/** An integer of 1e-4 (price or percent) as numeric(…, 4) text. */
const e4Text = (v: number) => `${Math.trunc(v / 10_000)}.${String(v % 10_000).padStart(4, "0")}`;

// ── --ingest ────────────────────────────────────────────────────────────────────────────────────

type Mode = "a" | "b" | "c" | "d";

/** The models of the rows: LiteLLM's cost per token in 1e-10 USD (input, output), and how often. */
const MODELS = [
  { group: "gpt-4o-mini", model: "openai/gpt-4o-mini", in: 1_500, out: 6_000, weight: 35 },
  { group: "gpt-4o", model: "openai/gpt-4o-2024-08-06", in: 25_000, out: 100_000, weight: 25 },
  { group: "claude-3-5-sonnet", model: "anthropic/claude-3-5-sonnet-20241022", in: 30_000, out: 150_000, weight: 15 },
  { group: "llama-3-70b", model: "groq/llama3-70b-8192", in: 5_900, out: 7_900, weight: 10 },
  { group: "text-embedding-3-small", model: "openai/text-embedding-3-small", in: 200, out: 0, weight: 10 },
  // No model group: priced by its model name (coalesce(model_group, model)).
  { group: null, model: "azure/gpt-35-turbo", in: 5_000, out: 15_000, weight: 5 },
] as const;

type Version = {
  id: string;
  organization: number;
  team: number | null;
  version: number;
  kind: "markup" | "per_model" | "inherit";
  /** Percent in 1e-4 (250000 = 25 %). */
  markup: number | null;
  fallback: number | null;
  effectiveMs: number;
  /** Model name → [input, output] USD per 1M tokens in 1e-4. */
  prices: Map<string, [number, number]>;
};

/** The price lists of run c (see the comment at the top), as this script will bill them. */
function priceLists(orgs: number, teams: number, fromMs: number, nowMs: number): Version[] {
  const HOUR = 3_600_000;
  const versions: Version[] = [];
  for (let o = 0; o < orgs; o++) {
    const v1 = new Map<string, [number, number]>([
      ["gpt-4o", [30_000 + 1_000 * o, 125_000]],
      ["gpt-4o-mini", [2_000, 8_000 + 7 * o]],
      ["claude-3-5-sonnet", [41_234, 199_999]],
    ]);
    if (o % 2 === 0) v1.set("azure/gpt-35-turbo", [6_500, 19_999]);
    versions.push({ id: `plv-bench-org${o}-1`, organization: o, team: null, version: 1, kind: "per_model", markup: null, fallback: 255_000 + 1_250 * o, effectiveMs: fromMs - 30 * 24 * HOUR, prices: v1 });
    const v2 = new Map<string, [number, number]>([...v1].map(([m, [i, out]]) => [m, [Math.round(i * 1.1), Math.round(out * 1.1) + 3]]));
    v2.set("llama-3-70b", [7_777, 9_999]);
    versions.push({ id: `plv-bench-org${o}-2`, organization: o, team: null, version: 2, kind: "per_model", markup: null, fallback: o === orgs - 1 ? null : 301_234 + o, effectiveMs: fromMs + (8 + o / 2) * HOUR + 123, prices: v2 });
    // Effective tomorrow: prices nothing yet.
    versions.push({ id: `plv-bench-org${o}-3`, organization: o, team: null, version: 3, kind: "markup", markup: 999_000, fallback: null, effectiveMs: nowMs + 24 * HOUR, prices: new Map() });
  }
  for (let t = 0; t < teams; t++) {
    const o = t % orgs;
    if (t % 10 === 3) {
      versions.push({ id: `plv-bench-team${t}-1`, organization: o, team: t, version: 1, kind: "markup", markup: 400_000 + 5_000 * (t % 7) + 1, fallback: null, effectiveMs: fromMs - 24 * HOUR, prices: new Map() });
      if (t % 20 === 3) versions.push({ id: `plv-bench-team${t}-2`, organization: o, team: t, version: 2, kind: "inherit", markup: null, fallback: null, effectiveMs: fromMs + 12 * HOUR + 7, prices: new Map() });
    } else if (t % 10 === 7) {
      versions.push({ id: `plv-bench-team${t}-1`, organization: o, team: t, version: 1, kind: "markup", markup: 150_000 + 33 * (t % 13), fallback: null, effectiveMs: fromMs + 5 * HOUR + 11, prices: new Map() });
    }
  }
  return versions;
}

/** The version in force at `ms` for a team: its own latest unless that is 'inherit', else its organization's latest. */
function versionAt(own: Version[] | undefined, org: Version[], ms: number): Version | null {
  const latest = (list: Version[] | undefined) => {
    let best: Version | null = null;
    for (const v of list ?? []) if (v.effectiveMs <= ms && (!best || v.effectiveMs > best.effectiveMs)) best = v;
    return best;
  };
  const mine = latest(own);
  if (mine && mine.kind !== "inherit") return mine;
  return latest(org);
}

/** The billed amount in 1e-10 USD (the rules of db/schema/pricing.ts; a failed request is billed at cost). */
function bill(v: Version | null, spend: number, failed: boolean, modelName: string, prompt: number, completion: number): number {
  const markup = (percent: number) => {
    // spend × (1 + percent/1e6), rounded half away from zero to 1e-10: all integers below 2^53.
    const x = spend * (1_000_000 + percent);
    const q = Math.floor(x / 1_000_000);
    return x - q * 1_000_000 >= 500_000 ? q + 1 : q;
  };
  if (!v || failed) return spend;
  if (v.kind === "markup") return markup(v.markup!);
  const price = v.prices.get(modelName);
  // tokens × USD per 1M in 1e-4 = 1e-10 USD exactly.
  if (price) return prompt * price[0] + completion * price[1];
  if (v.fallback !== null) return markup(v.fallback);
  return spend;
}

async function ingestBench() {
  const ROWS = Number(option("rows", "1000000"));
  const TEAMS = Number(option("teams", "1000"));
  const ORGS = Number(option("orgs", "10"));
  const ORDER = option("order", "a,b,c,d,d,c,b,a").split(",") as Mode[];
  if (ORDER.some((m) => !["a", "b", "c", "d"].includes(m))) throw new Error("--order takes a, b, c and d, comma-separated");
  // A c run that has not finished after this many seconds is stopped (after its current pages) and
  // measured over the rows it stored: the current statement bills a page of 1,000 teams in seconds,
  // and 1,000 such pages would keep the bench busy for most of an hour.
  const BUDGET_S = Number(option("budget-s", "150"));
  const EXPLAIN = flag("explain");

  const statementSwitch = await installStatementSwitch();
  const scratch = await scratchDatabase();
  const databaseUrl = scratch.databaseUrl;
  // One port for every run's double: the app reads LITELLM_PROXY_URL once.
  const port = await freePort();
  const doubleUrl = `http://127.0.0.1:${port}`;
  // error: a run the budget stops logs its (expected) failure at warn.
  useAppSettings(databaseUrl, doubleUrl, MASTER, "error");
  const { ingestUsage } = await import("../app/services/usage-ingestion.server.ts");
  const { closeDatabase } = await import("../app/lib/db.server.ts");
  const { closeBoss } = await import("../app/jobs/boss.server.ts");
  const sql = postgres(databaseUrl, { max: 2, onnotice: () => {} });

  const now = new Date();
  const fromMs = now.getTime() - 20 * 3_600_000;
  const spanMs = now.getTime() - 60_000 - fromMs;
  const teamIds = Array.from({ length: TEAMS }, (_, i) => `team-bench-${i}`);
  const orgIds = Array.from({ length: ORGS }, (_, i) => `org-bench-${i}`);
  const keyHashes = teamIds.map((t) => createHash("sha256").update(`bench-key-${t}`).digest("hex"));
  const metadataOf = teamIds.map((t, i) => ({
    user_api_key: keyHashes[i],
    user_api_key_alias: `saas-${t}`,
    user_api_key_team_id: t,
    user_api_key_team_alias: `Bench ${t}`,
    user_api_key_user_id: null,
    user_api_key_org_id: orgIds[i % ORGS],
    spend_logs_metadata: null,
    status: "success",
    error_information: null,
  }));

  // ── the rows (the same every run) and what run c must bill for them ──
  const versions = priceLists(ORGS, TEAMS, fromMs, now.getTime());
  const orgVersions = orgIds.map((_, o) => versions.filter((v) => v.team === null && v.organization === o));
  const ownVersions = new Map<number, Version[]>();
  for (const v of versions) if (v.team !== null) ownVersions.set(v.team, [...(ownVersions.get(v.team) ?? []), v]);
  const rowTeam = new Uint16Array(ROWS);
  const rowModel = new Uint8Array(ROWS);
  const rowPrompt = new Uint16Array(ROWS);
  const rowCompletion = new Uint16Array(ROWS);
  const rowFailed = new Uint8Array(ROWS);
  const rowDuration = new Uint16Array(ROWS);
  const rowStart = new Float64Array(ROWS);
  // What run c/d must store for each row: its cost and billed amount in 1e-10 USD and its version.
  const rowSpend = new Float64Array(ROWS);
  const rowBilled = new Float64Array(ROWS);
  const rowVersion = new Int16Array(ROWS);
  let totalSpend = 0;
  let totalBilled = 0;
  {
    const random = prng(0xb111);
    const totalWeight = MODELS.reduce((s, m) => s + m.weight, 0);
    for (let i = 0; i < ROWS; i++) {
      const team = Math.floor(random() * TEAMS);
      let pick = random() * totalWeight;
      let model = 0;
      while (pick >= MODELS[model].weight) pick -= MODELS[model++].weight;
      const failed = random() < 0.02;
      const prompt = 50 + Math.floor(random() * 1950);
      const completion = failed || MODELS[model].out === 0 ? 0 : 10 + Math.floor(random() * 790);
      const start = fromMs + Math.floor((spanMs * (i + random())) / ROWS);
      rowTeam[i] = team;
      rowModel[i] = model;
      rowPrompt[i] = prompt;
      rowCompletion[i] = completion;
      rowFailed[i] = failed ? 1 : 0;
      rowDuration[i] = 200 + Math.floor(random() * 2000);
      rowStart[i] = start;
      const spend = failed ? 0 : prompt * MODELS[model].in + completion * MODELS[model].out;
      // What LiteLLM sends is a float; the client stores String(float). Check it reads back exact.
      if (toE10(String(spend / 1e10)) !== BigInt(spend)) throw new Error(`spend ${spend}e-10 does not survive as a float (${spend / 1e10})`);
      const v = versionAt(ownVersions.get(team), orgVersions[team % ORGS], start);
      const billed = bill(v, spend, failed, MODELS[model].group ?? MODELS[model].model, prompt, completion);
      rowSpend[i] = spend;
      rowBilled[i] = billed;
      rowVersion[i] = v ? versions.indexOf(v) : -1;
      totalSpend += spend;
      totalBilled += billed;
    }
    if (!Number.isSafeInteger(totalBilled)) throw new Error("the billed total exceeds 2^53 × 1e-10");
  }
  log(`generated ${ROWS} rows over ${TEAMS} teams in ${ORGS} organizations; c bills ${e10Text(BigInt(totalBilled))} USD for ${e10Text(BigInt(totalSpend))} of cost; ${versions.length} price-list versions`);

  const spendRow = (i: number) => {
    const m = MODELS[rowModel[i]];
    const team = rowTeam[i];
    const start = rowStart[i];
    const duration = rowDuration[i];
    const failed = rowFailed[i] === 1;
    return {
      request_id: `chatcmpl-bench-${i}`,
      startTime: new Date(start).toISOString(),
      endTime: new Date(start + duration).toISOString(),
      completionStartTime: new Date(start + Math.floor(duration / 4)).toISOString(),
      api_key: keyHashes[team],
      team_id: teamIds[team],
      model: m.model,
      model_group: m.group,
      model_id: `bench-${m.model}`,
      custom_llm_provider: m.model.split("/")[0],
      spend: failed ? 0 : (rowPrompt[i] * m.in + rowCompletion[i] * m.out) / 1e10,
      prompt_tokens: rowPrompt[i],
      completion_tokens: rowCompletion[i],
      status: failed ? "failure" : "success",
      metadata: metadataOf[team],
      session_id: null,
    };
  };

  await sql`insert into organizations (id, name, litellm_organization_id) select o, 'Bench ' || o, o from unnest(${orgIds}::text[]) as o`;
  await sql`insert into teams (id, name, organization_id, sync_state, synced_version)
            select t, 'Bench ' || t, o, 'in_sync', 1 from unnest(${teamIds}::text[], ${teamIds.map((_, i) => orgIds[i % ORGS])}::text[]) as u(t, o)`;

  const insertPriceLists = async () => {
    await sql`
      insert into price_list_versions (id, organization_id, team_id, version, kind, markup_percent, fallback_markup_percent, effective_at, created_by, note)
      select * from unnest(${versions.map((v) => v.id)}::text[], ${versions.map((v) => orgIds[v.organization])}::text[], ${versions.map((v) => (v.team === null ? null : teamIds[v.team]))}::text[],
                           ${versions.map((v) => v.version)}::int[], ${versions.map((v) => v.kind)}::text[], ${versions.map((v) => (v.markup === null ? null : e4Text(v.markup)))}::numeric[],
                           ${versions.map((v) => (v.fallback === null ? null : e4Text(v.fallback)))}::numeric[], ${versions.map((v) => new Date(v.effectiveMs).toISOString())}::timestamptz[],
                           ${versions.map(() => "bench")}::text[], ${versions.map(() => "bench/billing.ts")}::text[])`;
    const prices = versions.flatMap((v) => [...v.prices].map(([model, [i, o]]) => [v.id, model, e4Text(i), e4Text(o)]));
    await sql`
      insert into price_list_model_prices (version_id, model, input_per_million, output_per_million)
      select * from unnest(${prices.map((p) => p[0])}::text[], ${prices.map((p) => p[1])}::text[], ${prices.map((p) => p[2])}::numeric[], ${prices.map((p) => p[3])}::numeric[])`;
  };

  let child: ChildProcess | undefined;
  const startDouble = async () => {
    child = spawn(process.execPath, ["--import", "tsx", "test/litellm-double/cli.ts", "--port", String(port), "--master-key", MASTER], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolve, reject) => {
      child!.once("exit", (code) => reject(new Error(`the double exited (${code})`)));
      child!.stdout!.on("data", (chunk: Buffer) => String(chunk).includes("listening") && resolve());
    });
  };
  const stopDouble = async () => {
    if (!child || child.exitCode !== null) return;
    const c = child;
    c.removeAllListeners("exit");
    await new Promise<void>((resolve) => {
      c.once("exit", () => resolve());
      c.kill("SIGTERM");
    });
  };
  const seedDouble = async () => {
    const BATCH = 50_000;
    for (let i = 0; i < ROWS; i += BATCH) {
      const rows = [];
      for (let j = i; j < Math.min(ROWS, i + BATCH); j++) rows.push(spendRow(j));
      const r = await fetch(`${doubleUrl}/_double/seed-spend-logs`, {
        method: "POST",
        headers: { authorization: `Bearer ${MASTER}`, "content-type": "application/json" },
        body: JSON.stringify({ rows }),
      });
      if (!r.ok) throw new Error(`seeding failed: ${r.status} ${await r.text()}`);
    }
  };

  /** Truncates what a run writes and sets up its price lists and the billed column. */
  const freshTables = async (mode: Mode) => {
    await sql`truncate usage_requests, usage_hourly, usage_daily, jobs, ingestion_state, price_list_model_prices, price_list_versions`;
    // 1a7c48e's statement does not know the column (its schema had none): let it stay null.
    if (mode === "a") await sql`alter table usage_requests alter column billed drop not null`;
    else await sql`alter table usage_requests alter column billed set not null`;
    if (mode === "c" || mode === "d") await insertPriceLists();
    await sql`vacuum analyze teams, price_list_versions, price_list_model_prices, jobs`;
    await sql`checkpoint`;
  };

  /** Checks what the run stored against the rows it stored (all of them, unless the budget stopped it). */
  const check = async (mode: Mode) => {
    const problems: string[] = [];
    const stored = await sql<{ i: number }[]>`select substr(request_id, 16)::int as i from usage_requests`;
    const expected = {
      spendPerTeam: new Array<number>(TEAMS).fill(0),
      billedPerTeam: new Array<number>(TEAMS).fill(0),
      rowsPerTeam: new Array<number>(TEAMS).fill(0),
      perVersion: new Map<string, { rows: number; billed: number }>(),
    };
    for (const { i } of stored) {
      const team = rowTeam[i];
      expected.spendPerTeam[team] += rowSpend[i];
      expected.billedPerTeam[team] += rowBilled[i];
      expected.rowsPerTeam[team]++;
      const key = rowVersion[i] < 0 ? "" : versions[rowVersion[i]].id;
      const pv = expected.perVersion.get(key) ?? { rows: 0, billed: 0 };
      pv.rows++;
      pv.billed += rowBilled[i];
      expected.perVersion.set(key, pv);
    }
    const perTeam = await sql<{ team_id: string; rows: number; spend: string; billed: string | null; with_version: number }[]>`
      select team_id, count(*)::int as rows, sum(spend)::text as spend, sum(billed)::text as billed, count(price_version_id)::int as with_version
      from usage_requests group by team_id`;
    const seen = new Set<string>();
    for (const r of perTeam) {
      const t = teamIds.indexOf(r.team_id);
      if (t < 0) {
        problems.push(`unknown team ${r.team_id}`);
        continue;
      }
      seen.add(r.team_id);
      if (r.rows !== expected.rowsPerTeam[t]) problems.push(`${r.team_id}: ${r.rows} rows, expected ${expected.rowsPerTeam[t]}`);
      if (toE10(r.spend) !== BigInt(expected.spendPerTeam[t])) problems.push(`${r.team_id}: spend ${r.spend}, expected ${e10Text(BigInt(expected.spendPerTeam[t]))}`);
      if (mode === "a" && r.billed !== null) problems.push(`${r.team_id}: billed ${r.billed} under the statement without billing`);
      if (mode === "b" && (r.billed === null || toE10(r.billed) !== toE10(r.spend) || r.with_version !== 0)) problems.push(`${r.team_id}: billed ${r.billed} ≠ spend ${r.spend} or ${r.with_version} rows with a version, without price lists`);
      if ((mode === "c" || mode === "d") && (r.billed === null || toE10(r.billed) !== BigInt(expected.billedPerTeam[t])))
        problems.push(`${r.team_id}: billed ${r.billed}, the price lists give ${e10Text(BigInt(expected.billedPerTeam[t]))}`);
    }
    const teamsWithRows = expected.rowsPerTeam.filter((n) => n > 0).length;
    if (new Set(stored.map((r) => r.i)).size !== stored.length) problems.push("a request stored twice");
    if (seen.size !== teamsWithRows) problems.push(`${seen.size} teams have rows, expected ${teamsWithRows}`);
    if (mode === "c" || mode === "d") {
      const perVersion = await sql<{ version: string; rows: number; billed: string }[]>`
        select coalesce(price_version_id, '') as version, count(*)::int as rows, sum(billed)::text as billed from usage_requests group by 1`;
      const got = new Map(perVersion.map((r) => [r.version, r]));
      for (const [id, want] of expected.perVersion) {
        const r = got.get(id);
        if (!r || r.rows !== want.rows || toE10(r.billed) !== BigInt(want.billed)) problems.push(`version ${id || "(none)"}: ${r?.rows ?? 0} rows billed ${r?.billed ?? 0}, expected ${want.rows} rows billed ${e10Text(BigInt(want.billed))}`);
        got.delete(id);
      }
      for (const id of got.keys()) problems.push(`version ${id} priced rows it should not have`);
    }
    // The rollups hold exactly the raw rows, per team (requests, spend and billed).
    const [rollups] = await sql<{ wrong: number }[]>`
      with raw as (select team_id, count(*) as requests, sum(spend) as spend, coalesce(sum(billed), 0) as billed from usage_requests group by 1),
           h as (select team_id, sum(requests) as requests, sum(spend) as spend, sum(billed) as billed from usage_hourly group by 1),
           d as (select team_id, sum(requests) as requests, sum(spend) as spend, sum(billed) as billed from usage_daily group by 1)
      select count(*)::int as wrong from raw full join h using (team_id) full join d using (team_id)
      where raw.requests is distinct from h.requests or raw.requests is distinct from d.requests
         or raw.spend is distinct from h.spend or raw.spend is distinct from d.spend
         or raw.billed is distinct from h.billed or raw.billed is distinct from d.billed`;
    if (rollups.wrong) problems.push(`${rollups.wrong} teams whose rollups differ from their raw rows`);
    return problems;
  };

  // The rows are the same in every run, and reading them changes nothing in the double: it is seeded once.
  await startDouble();
  await seedDouble();
  log(`the double holds the ${ROWS} rows`);
  const runs: Record<string, unknown>[] = [];
  let explain: Record<string, unknown> | undefined;
  const lastWithLists = ORDER.findLastIndex((m) => m === "c" || m === "d");
  for (const [n, mode] of ORDER.entries()) {
    log(`run ${n + 1}/${ORDER.length} (${mode}): fresh tables`);
    await freshTables(mode);
    statementSwitch.use(mode === "a" ? "old" : mode === "d" ? "fixed" : "current");
    log(
      `seeded ${ROWS} rows; ingesting with ${
        { a: `${OLD_COMMIT}'s statement (no billing)`, b: "the current statement, no price lists", c: "the current statement and the price lists", d: "the current statement with the proposed pricing fix, and the price lists" }[mode]
      }`,
    );
    const loadBefore = loadavg();
    const started = performance.now();
    let stoppedAt: number | undefined;
    let result: { pages: number; requests: number } | undefined;
    const budget = new Error("budget");
    try {
      result = await ingestUsage(now, {
        onPage: () => {
          if (mode === "c" && stoppedAt === undefined && performance.now() - started > BUDGET_S * 1000) {
            stoppedAt = performance.now();
            throw budget;
          }
        },
      });
    } catch (error) {
      if (error !== budget) throw error;
    }
    const seconds = (performance.now() - started) / 1000;
    const loadAfter = loadavg();
    statementSwitch.use("current");
    const [{ rows }] = await sql<{ rows: number }[]>`select count(*)::int as rows from usage_requests`;
    const problems = await check(mode);
    if (rows !== ROWS && stoppedAt === undefined) problems.unshift(`${rows} rows stored, expected ${ROWS}`);
    const run = {
      run: n + 1,
      mode,
      rows,
      seconds: +seconds.toFixed(2),
      rows_per_second: Math.round(rows / seconds),
      stopped_by_budget: stoppedAt !== undefined,
      pages: result?.pages ?? null,
      litellm_requests: result?.requests ?? null,
      ok: problems.length === 0,
      problems: problems.slice(0, 10),
      loadavg_before: loadBefore,
      loadavg_after: loadAfter,
    };
    log(JSON.stringify(run));
    runs.push(run);
    if (problems.length) process.exitCode = 1;
    // On the tables the last run with price lists left (billed filled in, the lists in place).
    if (EXPLAIN && n === lastWithLists) explain = await explainPage();
  }
  await stopDouble();
  if (EXPLAIN && lastWithLists < 0) explain = await explainPage();

  const mean = (mode: Mode) => {
    const r = runs.filter((x) => x.mode === mode).map((x) => x.rows_per_second as number);
    return r.length ? r.reduce((s, v) => s + v, 0) / r.length : null;
  };
  const base = mean("a");
  // Overhead in time per row: (a's rows/s ÷ this mode's rows/s) − 1.
  const overhead = (mode: Mode) => {
    const v = mean(mode);
    return base && v ? +((base / v - 1) * 100).toFixed(1) : null;
  };
  const report = {
    benchmark: "billing-ingest",
    rows: ROWS,
    teams: TEAMS,
    organizations: ORGS,
    price_list_versions: versions.length,
    runs,
    budget_s: BUDGET_S,
    mean_rows_per_second: { a: base && Math.round(base), b: mean("b") && Math.round(mean("b")!), c: mean("c") && Math.round(mean("c")!), d: mean("d") && Math.round(mean("d")!) },
    overhead_percent_over_a: { b: overhead("b"), c: overhead("c"), d: overhead("d") },
    target: "c at most 10 % over a",
    explain,
    postgres: (await sql<{ v: string }[]>`select current_setting('server_version') as v`)[0].v,
    cpus: os.cpus().length,
  };
  console.log(JSON.stringify(report));

  await sql.end();
  await closeBoss();
  await closeDatabase();
  await scratch.drop();
  fs.rmSync(statementSwitch.dir, { recursive: true, force: true });

  /**
   * EXPLAIN (ANALYZE, BUFFERS) of one page (1,000 rows from the middle of the window, new request
   * ids) as each statement sends it: the statement is captured from insertUsageRows with a stand-in
   * db, turned into text and parameters by drizzle's dialect, and run in a transaction that is
   * rolled back. Price lists as run c has them (inserted again if the last run was not c).
   */
  async function explainPage() {
    const { PgDialect } = await import("drizzle-orm/pg-core");
    const { toUsageRow } = await import("../app/services/usage-ingestion.server.ts");
    const current = await import(pathToFileURL(path.join(statementSwitch.dir, "shim.ts")).href);
    const dialect = new PgDialect();
    // The app's client as drizzle sets it up (jsonb parameters sent as the text they are, not re-encoded).
    const { drizzle } = await import("drizzle-orm/postgres-js");
    const explainSql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
    drizzle(explainSql);
    const middle = Math.floor(ROWS / 2);
    const page = (suffix: string) =>
      Array.from({ length: 1000 }, (_, k) => {
        const row = spendRow(middle + k);
        return toUsageRow({ ...row, request_id: `${row.request_id}-explain-${suffix}` } as never);
      });
    const capture = async (old: "old" | "current" | "fixed", rows: unknown[]) => {
      let captured: unknown;
      const fake = { execute: async (q: unknown) => ((captured = q), [{ inserted: 0 }]) };
      statementSwitch.use(old);
      await current.insertUsageRows(fake, rows);
      statementSwitch.use("current");
      return dialect.sqlToQuery(captured as never);
    };
    if (lastWithLists < 0) {
      await sql`truncate price_list_model_prices, price_list_versions`;
      await insertPriceLists();
      await sql`update usage_requests set billed = spend where billed is null`;
      await sql`alter table usage_requests alter column billed set not null`;
      await sql`vacuum analyze price_list_versions, price_list_model_prices`;
    }
    const out: Record<string, unknown> = {};
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    for (const [name, old, lists] of [
      ["a_old_statement", "old", true],
      ["b_current_no_lists", "current", false],
      ["c_current_with_lists", "current", true],
      // d (the proposed fix) is only explained while it differs from the current statement.
      ...(statementSwitch.fixedApplies ? ([["d_fixed_with_lists", "fixed", true]] as const) : []),
    ] as const) {
      const times: number[] = [];
      let plan = "";
      for (let k = 0; k < 5; k++) {
        const q = await capture(old, page(`${name}-${k}`));
        await explainSql
          .begin(async (tx) => {
            if (!lists) await tx`delete from price_list_versions`;
            if (old === "old") await tx`alter table usage_requests alter column billed drop not null`;
            const rows = await tx.unsafe(`explain (analyze, buffers, format text) ${q.sql}`, q.params as never[]);
            plan = rows.map((r) => r["QUERY PLAN"]).join("\n");
            times.push(Number(/Execution Time: ([\d.]+) ms/.exec(plan)?.[1]));
            throw new Error("rollback");
          })
          .catch((e: unknown) => {
            if (!(e instanceof Error && e.message === "rollback")) throw e;
          });
      }
      out[name] = { execution_ms: times, median_ms: median(times) };
      if (name === "c_current_with_lists" || name === "d_fixed_with_lists" || flag("all-plans")) process.stderr.write(`\n── plan: ${name} (last of 5) ──\n${plan}\n`);
    }
    await explainSql.end();
    return out;
  }
}

if (flag("ingest")) await ingestBench();
else {
  process.stderr.write("usage: node --import tsx bench/billing.ts --ingest [--explain]   (see the comment at the top)\n");
  process.exitCode = 2;
}
