/**
 * Benchmark: an organization's statement (issue 14, "Speed": a statement for an organization with
 * 100 teams and 10,000,000 rows in the month renders in under 2 s).
 *
 *   node --import tsx bench/statements.ts [--rows 10000000] [--teams 100] [--repeat 10] [--keep] [--reuse DB]
 *
 * Data, written by SQL (generate_series, seeded): one organization billed in EUR at a fixed rate,
 * 100 teams (created 40 days before the month), 10,000,000 usage_requests rows from the start of
 * the current UTC month to a minute ago in start-time order (teams skewed, six model groups plus
 * rows without one, 2 % failures; billed at cost, at a markup or per model, per team), the hourly
 * and daily rollups built from those rows by SQL, credits before and within the month, and the
 * operator's name, details and a PNG logo. Checked before timing: the rollups equal the rows per
 * team and model group (requests, tokens, spend, billed).
 *
 * Timed in process, through the services as the routes call them (admin actor): getStatement of the
 * organization's open statement (the current month), buildStatement, listStatements, the PDF
 * (statementPdf) and CSV (statementCsv) of the document, and getStatement + PDF together (what a
 * download does), each --repeat times after one untimed first call (reported apart). The document
 * is checked against the raw rows: every usage line's requests, tokens and billed amount, the total
 * billed, its conversion to EUR (computed here with bigints), the opening and closing balances.
 *
 * Uses DATABASE_URL when set (a scratch database is created and dropped there), otherwise a
 * throwaway embedded PostgreSQL. --keep leaves the scratch database (its name is printed) and
 * --reuse NAME times an existing kept one without generating (DATABASE_URL's server). Prints one
 * JSON line of results; bench/README.md records them.
 */
import fs from "node:fs";
import os from "node:os";
import { deflateSync } from "node:zlib";
import postgres from "postgres";
import { scratchDatabase, useAppSettings } from "./setup.ts";

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(`--${name}`);
function option(name: string, fallback: string): string {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : fallback;
}
const log = (message: string) => process.stderr.write(`[bench/statements ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
const loadavg = () => fs.readFileSync("/proc/loadavg", "utf8").trim();

const ROWS = Number(option("rows", "10000000"));
const TEAMS = Number(option("teams", "100"));
const REPEAT = Number(option("repeat", "10"));
const REUSE = option("reuse", "");
const KEEP = flag("keep");
const ORG = "org-bench-statements";
const RATE = "0.92345678";
const DAY_MS = 86_400_000;

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
const stats = (samples: number[]) => ({
  n: samples.length,
  p50_ms: +percentile(samples, 50).toFixed(1),
  p95_ms: +percentile(samples, 95).toFixed(1),
  max_ms: +Math.max(...samples).toFixed(1),
});

/** A small PNG (solid colour with a stripe), as an operator's logo would be. */
function pngLogo(width = 240, height = 80): string {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    for (let x = 0; x < width; x++) {
      const stripe = (x + y) % 40 < 20;
      raw[row + 1 + x * 3] = stripe ? 20 : 230;
      raw[row + 2 + x * 3] = stripe ? 90 : 240;
      raw[row + 3 + x * 3] = stripe ? 160 : 250;
    }
  }
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
  return png.toString("base64");
}

/** Exact decimal text as an integer of 1e-10. */
function e10(text: string): bigint {
  const negative = text.startsWith("-");
  const [whole, frac = ""] = (negative ? text.slice(1) : text).split(".");
  const v = BigInt(whole || "0") * 10_000_000_000n + BigInt((frac + "0000000000").slice(0, 10));
  return negative ? -v : v;
}
const e10Text = (v: bigint) => `${v < 0n ? "-" : ""}${(v < 0n ? -v : v) / 10_000_000_000n}.${String((v < 0n ? -v : v) % 10_000_000_000n).padStart(10, "0")}`;
/** usd (1e-10) × rate (8 decimals), half away from zero to cents: this script's own conversion. */
function toCents(usd: bigint, rate: string): string {
  const [w, f = ""] = rate.split(".");
  const r = BigInt(w) * 100_000_000n + BigInt((f + "00000000").slice(0, 8));
  const p = usd * r; // 1e-18
  const abs = p < 0n ? -p : p;
  const unit = 10n ** 16n;
  const q = abs / unit;
  const cents = abs - q * unit >= unit / 2n ? q + 1n : q;
  const text = `${cents / 100n}.${String(cents % 100n).padStart(2, "0")}`;
  return p < 0n && cents !== 0n ? `-${text}` : text;
}

const now = new Date();
const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
const dataEnd = new Date(Math.floor((now.getTime() - 60_000) / 1000) * 1000);
const teamIds = Array.from({ length: TEAMS }, (_, i) => `team-bench-st-${String(i).padStart(3, "0")}`);

let databaseUrl: string;
let drop: (() => Promise<void>) | undefined;
if (REUSE) {
  const url = new URL(process.env.DATABASE_URL ?? "");
  url.pathname = `/${REUSE}`;
  databaseUrl = url.toString();
} else {
  const scratch = await scratchDatabase();
  databaseUrl = scratch.databaseUrl;
  drop = scratch.drop;
}
useAppSettings(databaseUrl, "http://127.0.0.1:9", "sk-bench-unused", "error");
const sql = postgres(databaseUrl, { max: 2, onnotice: () => {} });

const generation: Record<string, number> = {};
if (!REUSE) {
  const genStarted = performance.now();
  log(`generating ${ROWS.toLocaleString("en-US")} rows for ${TEAMS} teams from ${monthStart.toISOString()} to ${dataEnd.toISOString()} (load ${loadavg()})`);
  const created = new Date(monthStart.getTime() - 40 * DAY_MS);
  await sql`insert into organizations (id, name, litellm_organization_id, currency, exchange_rate, exchange_rate_date, created_at)
            values (${ORG}, 'Bench Statements GmbH', ${ORG}, 'EUR', ${RATE}, ${monthStart.toISOString().slice(0, 10)}, ${created})`;
  await sql`insert into teams (id, name, organization_id, sync_state, synced_version, created_at)
            select t, 'Bench team ' || substr(t, 15), ${ORG}, 'in_sync', 1, ${created} from unnest(${teamIds}::text[]) as t`;
  await sql`insert into operator_settings (id, name, details, logo_base64, logo_mime)
            values ('operator', 'Bench Reseller Ltd', ${"1 Bench Street\nBenchtown BE1 2NC\nVAT GB123456789\nbilling@bench.example"}, ${pngLogo()}, 'image/png')`;
  // Credits: one before the month (the opening balance), one credit and one adjustment in it.
  await sql`
    insert into ledger_entries (id, team_id, kind, amount, reason, actor_id, via, created_at)
    select 'le-bench-' || t || '-' || k, t, (array['credit', 'credit', 'adjustment'])[k], (array[100.00, 50.125, -5.2500000001])[k]::numeric,
           (array['Opening credit', 'Top-up', 'Goodwill correction'])[k], 'bench', 'system',
           (array[${new Date(monthStart.getTime() - 10 * DAY_MS)}::timestamptz, ${new Date(monthStart.getTime() + DAY_MS / 3)}::timestamptz, ${new Date(monthStart.getTime() + DAY_MS / 2)}::timestamptz])[k]
    from unnest(${teamIds}::text[]) as t, generate_series(1, 3) as k`;

  // The rows, in start-time order, a million a statement. Teams skewed (power 2 of a uniform);
  // billed by team: at cost (t % 3 = 0), at 30 % markup (1) or per model (2), exact to 1e-10.
  const spanMs = dataEnd.getTime() - monthStart.getTime();
  const CHUNK = 1_000_000;
  await sql`alter table usage_requests set (autovacuum_enabled = false)`;
  for (let from = 1; from <= ROWS; from += CHUNK) {
    const to = Math.min(ROWS, from + CHUNK - 1);
    await sql.begin(async (tx) => {
      await tx`select setseed(${(from % 997) / 1000})`;
      await tx`
        insert into usage_requests (request_id, team_id, key_hash, model_group, model, prompt_tokens, completion_tokens, total_tokens, spend, billed,
                                    price_version_id, start_time, end_time, latency_ms, status, end_user, metadata, job_id)
        select 'chatcmpl-st-' || g, team, 'key-' || team, mg, coalesce(mg, 'azure/gpt-35-turbo'), p, c, p + c, spend,
               case when failed or right(team, 1)::int % 3 = 0 then spend
                    when right(team, 1)::int % 3 = 1 then round(spend * 1.3, 10)
                    else round((p * 3.1234 + c * 12.5) / 1000000, 10) end,
               case when right(team, 1)::int % 3 = 0 then null else 'plv-bench-' || team end,
               st, st + lat * interval '1 millisecond', lat, case when failed then 'failure' else 'success' end, null, null, null
        from (
          select g, (${teamIds}::text[])[1 + floor(power(random(), 2) * ${TEAMS}::int)::int] as team,
                 (array['gpt-4o-mini', 'gpt-4o-mini', 'gpt-4o', 'claude-3-5-sonnet', 'llama-3-70b', 'text-embedding-3-small', 'gpt-4o-mini', null])[1 + floor(random() * 8)::int] as mg,
                 50 + floor(random() * 1950)::int as p, floor(random() * 800)::int as c, random() < 0.02 as failed,
                 ${monthStart}::timestamptz + (g - 1) * ${spanMs / ROWS}::float8 * interval '1 millisecond' as st,
                 200 + floor(random() * 2000)::int as lat
          from generate_series(${from}::int, ${to}::int) as g
        ) r, lateral (select case when failed then 0::numeric else round((p * 0.0000025 + c * 0.00001)::numeric * (1 + (right(team, 2)::int % 7) / 10.0), 10) end as spend) s`;
    });
    log(`  rows ${to.toLocaleString("en-US")} (${((performance.now() - genStarted) / 1000).toFixed(0)} s, load ${loadavg().split(" ")[0]})`);
  }
  generation.rows_seconds = +((performance.now() - genStarted) / 1000).toFixed(1);
  const rollStarted = performance.now();
  for (const [table, bucket] of [
    ["usage_hourly", sql`date_trunc('hour', start_time, 'UTC')`],
    ["usage_daily", sql`to_char(start_time at time zone 'UTC', 'YYYY-MM-DD')`],
  ] as const) {
    const key = table === "usage_hourly" ? sql`hour` : sql`day`;
    await sql`
      insert into ${sql(table)} (team_id, model_group, ${key}, requests, failed_requests, prompt_tokens, completion_tokens, spend, billed, latency_ms_sum)
      select team_id, coalesce(model_group, ''), ${bucket}, count(*), count(*) filter (where status = 'failure'), sum(prompt_tokens), sum(completion_tokens),
             sum(spend), sum(billed), coalesce(sum(latency_ms), 0)
      from usage_requests group by 1, 2, 3 order by 3, 1, 2`;
  }
  await sql`alter table usage_requests reset (autovacuum_enabled)`;
  await sql`vacuum analyze usage_requests, usage_hourly, usage_daily, ledger_entries, teams, organizations`;
  generation.rollups_seconds = +((performance.now() - rollStarted) / 1000).toFixed(1);
  const [{ size }] = await sql<{ size: string }[]>`select pg_size_pretty(pg_database_size(current_database())) as size`;
  log(`generated in ${((performance.now() - genStarted) / 1000).toFixed(0)} s, ${size}`);
}

// ── checks: the rollups equal the rows; what the statement must say ──
log("checking the rollups against the rows");
const raw = await sql<{ team_id: string; model_group: string; requests: string; prompt: string; completion: string; spend: string; billed: string }[]>`
  select team_id, coalesce(model_group, '') as model_group, count(*)::text as requests, sum(prompt_tokens)::text as prompt, sum(completion_tokens)::text as completion,
         sum(spend)::text as spend, sum(billed)::text as billed
  from usage_requests where start_time >= ${monthStart} group by 1, 2`;
const [{ rows: storedRows }] = await sql<{ rows: number }[]>`select count(*)::int as rows from usage_requests where start_time >= ${monthStart}`;
const problems: string[] = [];
for (const [table, where] of [
  ["usage_daily", sql`day >= ${monthStart.toISOString().slice(0, 10)}`],
  ["usage_hourly", sql`hour >= ${monthStart}`],
] as const) {
  const rolled = await sql<{ team_id: string; model_group: string; requests: string; prompt: string; completion: string; spend: string; billed: string }[]>`
    select team_id, model_group, sum(requests)::text as requests, sum(prompt_tokens)::text as prompt, sum(completion_tokens)::text as completion, sum(spend)::text as spend, sum(billed)::text as billed
    from ${sql(table)} where ${where} group by 1, 2`;
  const byKey = new Map(rolled.map((r) => [`${r.team_id}\u0000${r.model_group}`, r]));
  for (const r of raw) {
    const x = byKey.get(`${r.team_id}\u0000${r.model_group}`);
    if (!x || x.requests !== r.requests || x.prompt !== r.prompt || x.completion !== r.completion || e10(x.spend) !== e10(r.spend) || e10(x.billed) !== e10(r.billed)) {
      problems.push(`${table} differs from the rows for ${r.team_id}/${r.model_group}`);
    }
    byKey.delete(`${r.team_id}\u0000${r.model_group}`);
  }
  if (byKey.size) problems.push(`${table} has ${byKey.size} (team, model) pairs the rows do not`);
}
const [ledger] = await sql<{ opening: string; credits: string; adjustments: string }[]>`
  select coalesce(sum(amount) filter (where created_at < ${monthStart}), 0)::text as opening,
         coalesce(sum(amount) filter (where created_at >= ${monthStart} and kind = 'credit'), 0)::text as credits,
         coalesce(sum(amount) filter (where created_at >= ${monthStart} and kind = 'adjustment'), 0)::text as adjustments
  from ledger_entries where kind in ('credit', 'adjustment', 'rollover')`;
const totalBilled = raw.reduce((s, r) => s + e10(r.billed), 0n);
log(`${storedRows.toLocaleString("en-US")} rows this month, ${raw.length} usage lines, billed ${e10Text(totalBilled)} USD; rollups ${problems.length ? "DIFFER" : "equal the rows"}`);

// ── timing ──
const { getStatement, listStatements, buildStatement, statementIdOf } = await import("../app/services/statements.server.ts");
const files = await import("../app/services/statement-files.server.ts").catch(() => null);
const { statementOperator } = await import("../app/services/operator-settings.server.ts");
const { closeDatabase } = await import("../app/lib/db.server.ts");
const admin = { kind: "admin" as const, userId: "bench", name: "Bench", email: null, role: "viewer" as const, via: "web" as const };
const statementId = statementIdOf({ organizationId: ORG, teamId: null }, monthStart);
const operator = await statementOperator();

const checkDocument = (doc: Awaited<ReturnType<typeof getStatement>>["document"]) => {
  const found: string[] = [];
  const want = new Map(raw.map((r) => [`${r.team_id}\u0000${r.model_group}`, r]));
  for (const l of doc.usage) {
    const r = want.get(`${l.team_id}\u0000${l.model}`);
    if (!r || String(l.requests) !== r.requests || String(l.prompt_tokens) !== r.prompt || String(l.completion_tokens) !== r.completion || e10(l.billed.usd) !== e10(r.billed) || l.billed.converted !== toCents(e10(r.billed), RATE)) {
      found.push(`line ${l.team_id}/${l.model}: ${JSON.stringify(l)} vs rows ${JSON.stringify(r)}`);
    }
    want.delete(`${l.team_id}\u0000${l.model}`);
  }
  if (want.size) found.push(`${want.size} (team, model) pairs of the rows have no line`);
  if (e10(doc.total_billed.usd) !== totalBilled) found.push(`total_billed ${doc.total_billed.usd}, rows ${e10Text(totalBilled)}`);
  if (doc.total_billed.converted !== toCents(totalBilled, RATE)) found.push(`total_billed.converted ${doc.total_billed.converted}, expected ${toCents(totalBilled, RATE)}`);
  if (e10(doc.opening_balance.usd) !== e10(ledger.opening)) found.push(`opening ${doc.opening_balance.usd}, ledger ${ledger.opening}`);
  const closing = e10(ledger.opening) + e10(ledger.credits) + e10(ledger.adjustments) - e10(doc.credits_used.usd);
  if (e10(doc.closing_balance.usd) !== closing) found.push(`closing ${doc.closing_balance.usd}, expected ${e10Text(closing)}`);
  if (doc.status !== "open" || doc.statement_id !== statementId) found.push(`status ${doc.status}, id ${doc.statement_id}`);
  return found;
};

const timed = async <T>(name: string, fn: () => Promise<T>) => {
  const first = performance.now();
  let value = await fn();
  const firstMs = performance.now() - first;
  const samples: number[] = [];
  const loadBefore = loadavg();
  for (let i = 0; i < REPEAT; i++) {
    const t = performance.now();
    value = await fn();
    samples.push(performance.now() - t);
  }
  const result = { name, first_ms: +firstMs.toFixed(1), ...stats(samples), loadavg_before: loadBefore, loadavg_after: loadavg() };
  log(JSON.stringify(result));
  return { result, value };
};

const results: Record<string, unknown>[] = [];
const got = await timed("getStatement (organization, open month)", () => getStatement(admin, { statement_id: statementId }));
results.push(got.result);
problems.push(...checkDocument(got.value.document));
const doc = got.value.document;
results.push((await timed("buildStatement (organization, open month)", () => buildStatement({ organizationId: ORG, teamId: null }, { now }))).result);
results.push((await timed("listStatements (organization: builds every open period)", () => listStatements(admin, { organization_id: ORG }))).result);
const heavy = raw.reduce((acc, r) => acc.set(r.team_id, (acc.get(r.team_id) ?? 0) + Number(r.requests)), new Map<string, number>());
const heaviest = [...heavy].sort((a, b) => b[1] - a[1])[0];
results.push((await timed(`getStatement (heaviest team, ${heaviest[1].toLocaleString("en-US")} rows)`, () => getStatement(admin, { statement_id: statementIdOf({ organizationId: ORG, teamId: heaviest[0] }, monthStart) }))).result);
let pdfBytes = 0;
let pdfPages: number | null = null;
if (files) {
  const pdf = await timed("statementPdf (organization document)", () => files.statementPdf(doc, operator));
  results.push(pdf.result);
  pdfBytes = pdf.value.body.length;
  pdfPages = (Buffer.from(pdf.value.body).toString("latin1").match(/\/Type\s*\/Page[^s]/g) ?? []).length;
  if (!Buffer.from(pdf.value.body).subarray(0, 5).equals(Buffer.from("%PDF-"))) problems.push("the PDF does not start with %PDF-");
  results.push((await timed("statementCsv (organization document)", async () => files.statementCsv(doc, operator))).result);
  results.push(
    (await timed("getStatement + statementPdf (a download: build and render)", async () => files.statementPdf((await getStatement(admin, { statement_id: statementId })).document, await statementOperator()))).result,
  );
}

const report = {
  benchmark: "statements",
  rows_in_month: storedRows,
  teams: TEAMS,
  usage_lines: doc.usage.length,
  credit_lines: doc.credits.length,
  total_billed: doc.total_billed,
  currency: doc.currency,
  pdf_bytes: pdfBytes,
  pdf_pages: pdfPages,
  statement_files: files ? "app/services/statement-files.server.ts" : "absent",
  generation,
  results,
  target: "statement (build + PDF) < 2 s",
  ok: problems.length === 0,
  problems: problems.slice(0, 10),
  postgres: (await sql<{ v: string }[]>`select current_setting('server_version') as v`)[0].v,
  cpus: os.cpus().length,
  kept: KEEP && !REUSE ? new URL(databaseUrl).pathname.slice(1) : undefined,
};
console.log(JSON.stringify(report));
if (problems.length) process.exitCode = 1;

await sql.end();
await closeDatabase();
if (drop && !KEEP) await drop();
else if (drop) process.exit();
