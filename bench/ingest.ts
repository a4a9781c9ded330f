/**
 * Benchmark: usage ingestion of N spend-log rows from the LiteLLM double (run as its own process,
 * over HTTP) into usage_requests and the hourly/daily rollups, against a plain `COPY … FROM STDIN`
 * of the same rows into an empty copy of the table (indexes included) in the same run.
 *
 *   node --import tsx bench/ingest.ts [--rows 1000000]
 *
 * Uses DATABASE_URL when set (a scratch database is created and dropped there), otherwise a
 * throwaway embedded PostgreSQL. Prints one JSON line of results; bench/README.md records them.
 */
import { once } from "node:events";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { finished, pipeline } from "node:stream/promises";
import postgres from "postgres";
import { scratchDatabase, startDoubleProcess, useAppSettings } from "./setup.ts";

const rowsArg = process.argv.indexOf("--rows");
const ROWS = rowsArg > 0 ? Number(process.argv[rowsArg + 1]) : 1_000_000;
const MASTER = "sk-bench-litellm-master";

const scratch = await scratchDatabase();
const databaseUrl = scratch.databaseUrl;
const double = await startDoubleProcess(MASTER);
const doubleUrl = double.url;

const now = new Date();
const from = new Date(now.getTime() - 20 * 3_600_000);
const teamIds = Array.from({ length: 100 }, (_, i) => `team-bench-${i}`);
const seed = await fetch(`${doubleUrl}/_double/seed-spend-logs`, {
  method: "POST",
  headers: { authorization: `Bearer ${MASTER}`, "content-type": "application/json" },
  body: JSON.stringify({ count: ROWS, from: from.toISOString(), to: new Date(now.getTime() - 60_000).toISOString(), team_ids: teamIds }),
});
if (!seed.ok) throw new Error(`seeding failed: ${seed.status} ${await seed.text()}`);

useAppSettings(databaseUrl, doubleUrl, MASTER);
const { ingestUsage } = await import("../app/services/usage-ingestion.server.ts");
const { closeDatabase } = await import("../app/lib/db.server.ts");
const { closeBoss } = await import("../app/jobs/boss.server.ts");

console.error("seeded; ingesting");
const loadBefore = os.loadavg()[0];
const started = performance.now();
const result = await ingestUsage(now);
const ingestSeconds = (performance.now() - started) / 1000;
const loadAfter = os.loadavg()[0];

console.error(`ingested ${result.inserted} rows in ${result.pages} pages; copying`);
// Baseline: the same rows, as COPY's text format, into an empty copy of the table (indexes included)
// with `COPY … FROM STDIN`: PostgreSQL's fastest way in, with no LiteLLM, parsing, de-duplication or
// rollups. The rows are written out to a file first (not timed), then streamed in (timed).
//
// The export reads the rows with a cursor, not `COPY … TO STDOUT`: postgres.js pauses the socket
// when a COPY-out chunk fills the readable stream's buffer and resumes it only when the stream is
// read again, so a COPY-out whose last chunk does that leaves its connection paused, and the next
// query on that connection (here the COPY FROM STDIN) waits forever for PostgreSQL's answer.
const sql = postgres(databaseUrl, { max: 2, onnotice: () => {} });
const [{ count }] = await sql<{ count: number }[]>`select count(*)::int as count from usage_requests`;
await sql`create table usage_requests_copy (like usage_requests including all)`;
const columns = (await sql<{ name: string }[]>`
  select column_name as name from information_schema.columns
  where table_schema = current_schema() and table_name = 'usage_requests' order by ordinal_position`).map((c) => c.name);
const copyFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "saas-bench-copy-")), "usage_requests.copy");
const COPY_ESCAPES: Record<string, string> = { "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" };
const copyText = (value: string | null) => (value === null ? "\\N" : value.replace(/[\\\n\r\t]/g, (c) => COPY_ESCAPES[c]));
const out = fs.createWriteStream(copyFile);
for await (const batch of sql.unsafe<Record<string, string | null>[]>(`select ${columns.map((c) => `${c}::text as ${c}`).join(", ")} from usage_requests`).cursor(10_000)) {
  let lines = "";
  for (const row of batch) lines += `${columns.map((c) => copyText(row[c])).join("\t")}\n`;
  if (!out.write(lines)) await once(out, "drain");
}
out.end();
await finished(out);
const copyStarted = performance.now();
// The writable stream finishes once PostgreSQL has answered the COPY (CommandComplete).
await pipeline(fs.createReadStream(copyFile, { highWaterMark: 1 << 20 }), await sql.unsafe(`copy usage_requests_copy (${columns.join(", ")}) from stdin`).writable());
const copySeconds = (performance.now() - copyStarted) / 1000;
fs.rmSync(path.dirname(copyFile), { recursive: true, force: true });
const [{ copied }] = await sql<{ copied: number }[]>`select count(*)::int as copied from usage_requests_copy`;
if (copied !== count) throw new Error(`COPY stored ${copied} rows, expected ${count}`);
const [{ differing }] = await sql<{ differing: number }[]>`
  select count(*)::int as differing from (
    (select * from usage_requests except all select * from usage_requests_copy)
    union all
    (select * from usage_requests_copy except all select * from usage_requests)
  ) d`;
if (differing) throw new Error(`COPY stored ${differing} rows that differ from the ingested ones`);
const [rollups] = await sql<{ raw: string; hourly: string; daily: string }[]>`
  select (select sum(spend)::text from usage_requests) as raw,
         (select sum(spend)::text from usage_hourly) as hourly,
         (select sum(spend)::text from usage_daily) as daily`;

const report = {
  benchmark: "ingest",
  rows: count,
  seeded: ROWS,
  ingest_seconds: Number(ingestSeconds.toFixed(2)),
  ingest_rows_per_second: Math.round(count / ingestSeconds),
  copy_seconds: Number(copySeconds.toFixed(2)),
  copy_rows_per_second: Math.round(count / copySeconds),
  ingest_vs_copy: Number((copySeconds / ingestSeconds).toFixed(3)),
  pages: result.pages,
  // The double answers as LiteLLM v1.93+ does: `total` capped at 10,000 (total_is_capped).
  count_cap: "on",
  litellm_requests: result.requests,
  rows_fetched: result.fetched,
  rows_lost: ROWS - count,
  rollups_equal_raw: rollups.raw === rollups.hourly && rollups.raw === rollups.daily,
  postgres: (await sql<{ v: string }[]>`select current_setting('server_version') as v`)[0].v,
  cpus: os.cpus().length,
  // 1-minute load average when ingestion started and ended: above ~2 the run shared the 2 cores.
  load_average: [Number(loadBefore.toFixed(2)), Number(loadAfter.toFixed(2))],
};
console.log(JSON.stringify(report));

await sql.end();
await closeBoss();
await closeDatabase();
double.stop();
await scratch.drop();
