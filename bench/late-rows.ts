/**
 * Benchmark: what checking for late rows costs each ingestion run (docs/usage.md "How a run reads").
 * Traffic of RATE requests/s through the LiteLLM double (its own process, over HTTP, count cap on),
 * on a simulated clock, one run every 15 s:
 *
 * - before each run LiteLLM has written the last 15 s of rows (startTime 12 s to 27 s back: the
 *   batch delay), and LATE_SHARE of them are long calls written late (startTime 30 s to 600 s back);
 * - each run reads the new part and checks the last USAGE_LATE_ROWS_SECONDS (630) against
 *   LiteLLM's counts, re-reading only slices where LiteLLM counts more.
 *
 * Prints one JSON line: per run, LiteLLM calls, rows fetched (duplicates included), rows new, and
 * milliseconds, next to what reading only the new rows would take; and whether every row the double
 * holds was stored once.
 *
 *   node --import tsx bench/late-rows.ts [--rate 1000] [--runs 20]
 */
import os from "node:os";
import postgres from "postgres";
import { scratchDatabase, startDoubleProcess, useAppSettings } from "./setup.ts";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const RATE = arg("--rate", 1000);
const RUNS = arg("--runs", 20);
const INTERVAL_MS = 15_000;
const LATE_SHARE = 0.01;
const MASTER = "sk-bench-litellm-master";

const scratch = await scratchDatabase();
const double = await startDoubleProcess(MASTER);
const teamIds = Array.from({ length: 50 }, (_, i) => `team-late-${i}`);

async function seed(count: number, from: number, to: number) {
  if (count <= 0) return;
  const r = await fetch(`${double.url}/_double/seed-spend-logs`, {
    method: "POST",
    headers: { authorization: `Bearer ${MASTER}`, "content-type": "application/json" },
    body: JSON.stringify({ count, from: new Date(from).toISOString(), to: new Date(to).toISOString(), team_ids: teamIds }),
  });
  if (!r.ok) throw new Error(`seeding failed: ${r.status} ${await r.text()}`);
}

let longCalls = 0;
/** The rows LiteLLM has written by `t`'s run, for the 15 s before it. */
async function traffic(t: number) {
  const fresh = Math.round(RATE * (INTERVAL_MS / 1000));
  const late = Math.round(fresh * LATE_SHARE);
  await seed(fresh - late, t - INTERVAL_MS - 12_000, t - 12_000);
  // Long calls: started 30 s to 10 minutes ago, ended in the 15 s before the last batch write.
  const rows = Array.from({ length: late }, (_, i) => {
    const end = t - 12_000 - Math.floor(((i + 0.5) / late) * INTERVAL_MS);
    const start = t - 30_000 - Math.floor(Math.random() * 570_000);
    return {
      request_id: `chatcmpl-long-${++longCalls}`,
      team_id: teamIds[i % teamIds.length],
      model_group: "gpt-4o",
      spend: 0.25,
      prompt_tokens: 4000,
      completion_tokens: 12000,
      startTime: new Date(start).toISOString(),
      endTime: new Date(Math.max(start + 1000, end)).toISOString(),
    };
  });
  const r = await fetch(`${double.url}/_double/seed-spend-logs`, {
    method: "POST",
    headers: { authorization: `Bearer ${MASTER}`, "content-type": "application/json" },
    body: JSON.stringify({ rows }),
  });
  if (!r.ok) throw new Error(`seeding failed: ${r.status} ${await r.text()}`);
}

useAppSettings(scratch.databaseUrl, double.url, MASTER);
const { ingestUsage, FULL_CHECK_INTERVAL_MS } = await import("../app/services/usage-ingestion.server.ts");
const { closeDatabase } = await import("../app/lib/db.server.ts");
const { closeBoss } = await import("../app/jobs/boss.server.ts");

// Twelve minutes of history at RATE, then the first run (which reads it all).
const t0 = Math.floor(Date.now() / 1000) * 1000;
await seed(RATE * 720, t0 - 720_000, t0 - 12_000);
console.error("history seeded; first run");
await ingestUsage(new Date(t0));

const loadBefore = os.loadavg()[0];
type Run = { full: boolean; requests: number; fetched: number; inserted: number; checked: number; reread: number; ms: number };
const runs: Run[] = [];
for (let i = 1; i <= RUNS; i++) {
  const t = t0 + i * INTERVAL_MS;
  await traffic(t);
  // As the worker does: a full count check of the late window every FULL_CHECK_INTERVAL_MS (60 s).
  const full = (i * INTERVAL_MS) % FULL_CHECK_INTERVAL_MS === 0;
  const r = await ingestUsage(new Date(t), { fullCheck: full });
  runs.push({ full, requests: r.requests, fetched: r.fetched, inserted: r.inserted, checked: r.checked, reread: r.reread, ms: r.ms });
}
const loadAfter = os.loadavg()[0];

const sql = postgres(scratch.databaseUrl, { max: 1, onnotice: () => {} });
const [{ stored }] = await sql<{ stored: number }[]>`select count(*)::int as stored from usage_requests`;
const state = (await (await fetch(`${double.url}/_double/state`, { headers: { authorization: `Bearer ${MASTER}` } })).json()) as { spend_logs: number };
await sql.end();

const mean = (of: Run[], pick: (r: Run) => number) => Math.round(of.reduce((sum, r) => sum + pick(r), 0) / Math.max(1, of.length));
const summary = (of: Run[]) => ({
  runs: of.length,
  litellm_requests: mean(of, (r) => r.requests),
  rows_fetched: mean(of, (r) => r.fetched),
  rows_new: mean(of, (r) => r.inserted),
  slices_checked: mean(of, (r) => r.checked),
  slices_reread: mean(of, (r) => r.reread),
  ms: mean(of, (r) => r.ms),
  ms_max: Math.max(...of.map((r) => r.ms)),
});
const newPerRun = mean(runs, (r) => r.inserted);
console.log(
  JSON.stringify({
    benchmark: "late-rows",
    rate_per_second: RATE,
    runs: RUNS,
    late_rows_seconds: 630,
    long_call_share: LATE_SHARE,
    per_run: summary(runs),
    per_run_with_full_check: summary(runs.filter((r) => r.full)),
    per_run_without: summary(runs.filter((r) => !r.full)),
    // Reading only the new rows: ceil(new / 1000) pages. The rest is the price of the late-row checks.
    new_rows_only: { litellm_requests: Math.ceil(newPerRun / 1000) + 1, rows_fetched: newPerRun },
    // What the previous design (re-read a 5-minute overlap every run) fetched per run at this rate.
    five_minute_overlap_rows_fetched: RATE * 300 + newPerRun,
    double_rows: state.spend_logs,
    stored_rows: stored,
    every_row_stored_once: stored === state.spend_logs,
    cpus: os.cpus().length,
    load_average: [Number(loadBefore.toFixed(2)), Number(loadAfter.toFixed(2))],
  }),
);

await closeBoss();
await closeDatabase();
double.stop();
await scratch.drop();
