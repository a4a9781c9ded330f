/**
 * Benchmark: one reconcile cycle at N teams, through the LiteLLM double (its own process, over HTTP).
 *
 * For each N: N in-sync teams (each with its model group, limits, budget period and one live key)
 * in a scratch database and the same teams and keys in the double, as provisioning leaves them.
 * Then DRIFT of the teams are changed by hand in LiteLLM (a quarter each: limits edited, team
 * deleted, key blocked, key deleted), and a cycle runs to the end: the reconcile job plus every
 * sync-team job it sent, worked 20 at a time as the worker does (pg-boss fetch, runBatch). Two ways:
 *
 * - per-team: what the reconcile did before (bench/README.md): a sync-team job for every in-sync team;
 * - bulk: the reconcile now (app/services/reconcile.server.ts): list pages, then syncs for the teams that differ.
 *
 * Per cycle: wall time, LiteLLM calls (the double's request counter), CPU seconds of this process
 * (the worker's side) and of PostgreSQL's processes, and whether every change was repaired and audited.
 *
 *   node --import tsx bench/reconcile.ts [--teams 1000,10000] [--drift 0.01] [--modes per-team,bulk]
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import postgres from "postgres";
import { scratchDatabase, startDoubleProcess, useAppSettings } from "./setup.ts";

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const SIZES = arg("--teams", "1000,10000").split(",").map(Number);
const DRIFT = Number(arg("--drift", "0.01"));
const MODES = arg("--modes", "per-team,bulk").split(",");
const MASTER = "sk-bench-litellm-master";

/** CPU seconds (user + system) of every PostgreSQL process on this machine, from /proc. */
function postgresCpuSeconds(): number {
  const tick = 100; // USER_HZ on Linux
  let total = 0;
  for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      if (!comm.startsWith("postgres") && !comm.startsWith("postmaster")) continue;
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // utime, stime, cutime, cstime: fields 14–17 of stat, 12–15 after the command.
      total += (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / tick;
    } catch {
      // The process ended meanwhile.
    }
  }
  return total;
}

async function runSize(teamCount: number) {
  const scratch = await scratchDatabase();
  const double = await startDoubleProcess(MASTER);
  useAppSettings(scratch.databaseUrl, double.url, MASTER, "error");
  // Imported once the settings are in place: the app reads them once.
  const { litellm, hashKey, newVirtualKey } = await import("../app/integrations/litellm/client.server.ts");
  const { encryptSecret } = await import("../app/lib/crypto.server.ts");
  const { boss, closeBoss, prepareQueues, sendJob } = await import("../app/jobs/boss.server.ts");
  const { closeDatabase } = await import("../app/lib/db.server.ts");
  const { reconcile } = await import("../app/services/reconcile.server.ts");
  const { handleSyncTeam } = await import("../worker/handlers/sync-team.ts");
  const { runBatch } = await import("../worker/run-batch.ts");

  const sql = postgres(scratch.databaseUrl, { max: 4, onnotice: () => {} });
  const anchor = new Date(Date.now() - 86_400_000);
  await sql`insert into organizations (id, name, litellm_organization_id) values ('org-bench', 'Bench Org', 'bench-org')`;
  await sql`insert into model_groups (id, name, models, verification) values ('mg-bench', 'bench', ${sql.json(["gpt-3.5-turbo", "gpt-4-turbo"])}, 'verified')`;
  const teams = Array.from({ length: teamCount }, (_, i) => {
    const raw = newVirtualKey();
    return { id: `team-${String(i).padStart(6, "0")}`, hard: i % 2 === 0, rpm: 100 + (i % 50), raw };
  });
  for (let i = 0; i < teams.length; i += 1000) {
    const chunk = teams.slice(i, i + 1000);
    await sql`insert into teams ${sql(
      chunk.map((t) => ({
        id: t.id,
        name: `Team ${t.id}`,
        organization_id: "org-bench",
        max_budget: t.hard ? "100.00" : null,
        budget_mode: t.hard ? "hard" : "soft",
        budget_starts_at: anchor,
        rpm_limit: t.rpm,
        tpm_limit: 50_000,
        desired_version: 1,
        synced_version: 1,
        sync_state: "in_sync",
      })),
    )}`;
    await sql`insert into team_model_groups ${sql(chunk.map((t) => ({ team_id: t.id, model_group_id: "mg-bench" })))}`;
    await sql`insert into team_keys ${sql(
      chunk.map((t) => ({ id: `key-${t.id}`, team_id: t.id, key_hash: hashKey(t.raw), key_encrypted: encryptSecret(t.raw), key_alias: `saas-${t.id}`, status: "live" })),
    )}`;
    await sql`insert into budget_periods ${sql(
      chunk.map((t) => ({ id: `period-${t.id}`, team_id: t.id, starts_at: anchor, ends_at: null, allowance: t.hard ? "100.00" : "0", baseline_spend: "0", credits_at_start: "0" })),
    )}`;
  }
  console.error(`${teamCount} teams in the database; provisioning them in the double`);
  const client = litellm();
  const provision = async (t: (typeof teams)[number]) => {
    await client.createTeam(t.id, {
      team_alias: `Team ${t.id}`,
      models: ["gpt-3.5-turbo", "gpt-4-turbo"],
      max_budget: t.hard ? 100 : null,
      rpm_limit: t.rpm,
      tpm_limit: 50_000,
      blocked: false,
      metadata: { saas_team_id: t.id, saas_organization: "bench-org" },
    });
    await client.generateKey({ key: t.raw, team_id: t.id, key_alias: `saas-${t.id}`, metadata: { saas_team_id: t.id } });
  };
  for (let i = 0; i < teams.length; i += 20) await Promise.all(teams.slice(i, i + 20).map(provision));

  const instance = await boss();
  await prepareQueues(instance);
  const litellmCalls = async () => {
    const state = (await (await fetch(`${double.url}/_double/state`, { headers: { authorization: `Bearer ${MASTER}` } })).json()) as { requests: Record<string, number> };
    return Object.values(state.requests).reduce((a, b) => a + b, 0);
  };
  const drifted = Math.max(4, Math.round(teamCount * DRIFT));
  let round = 0;
  /** Changes `drifted` teams by hand in LiteLLM (a different slice each round); returns their ids. */
  async function driftSome(): Promise<string[]> {
    const picked = teams.slice(round * drifted + 1, (round + 1) * drifted + 1);
    round++;
    const master = { authorization: `Bearer ${MASTER}`, "content-type": "application/json" };
    const post = (path: string, body: unknown) => fetch(`${double.url}${path}`, { method: "POST", headers: master, body: JSON.stringify(body) }).then((r) => r.text());
    await Promise.all(
      picked.map((t, i) =>
        [
          () => post("/team/update", { team_id: t.id, rpm_limit: 9999 }),
          () => post("/team/delete", { team_ids: [t.id] }),
          () => post("/key/block", { key: hashKey(t.raw) }),
          () => post("/key/delete", { keys: [hashKey(t.raw)] }),
        ][i % 4]!(),
      ),
    );
    return picked.map((t) => t.id);
  }
  /** Works the sync-team queue until it is empty, 20 jobs a batch, as the worker does. */
  async function workSyncs(): Promise<number> {
    let done = 0;
    for (;;) {
      const batch = await instance.fetch("sync-team", { batchSize: 20 });
      if (!batch.length) return done;
      await runBatch(instance, "sync-team", batch, (payload: unknown) => handleSyncTeam(payload as { teamId: string; reason: "reconcile" }));
      done += batch.length;
    }
  }
  /** Before: a sync-team job for every in-sync team, each looking up its team and keys one by one. */
  async function perTeamReconcile() {
    const rows = await sql<{ id: string }[]>`select id from teams where sync_state = 'in_sync' and status <> 'deleted'`;
    for (const { id } of rows) await sendJob("sync-team", { teamId: id, reason: "reconcile" }, { singletonKey: id, priority: -2 });
  }

  const results: Record<string, unknown> = {};
  for (const mode of MODES) {
    const changed = await driftSome();
    const auditsBefore = (await sql<{ n: number }[]>`select count(*)::int as n from audit_events where action = 'team.drift-repaired'`)[0]!.n;
    const callsBefore = await litellmCalls();
    const cpuBefore = process.cpuUsage();
    const pgBefore = postgresCpuSeconds();
    const loadBefore = os.loadavg()[0]!;
    const started = performance.now();
    let listPages: number | undefined;
    if (mode === "bulk") listPages = (await reconcile()).pages;
    else await perTeamReconcile();
    const syncJobs = await workSyncs();
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const calls = (await litellmCalls()) - callsBefore;
    const audits = (await sql<{ n: number }[]>`select count(*)::int as n from audit_events where action = 'team.drift-repaired'`)[0]!.n - auditsBefore;
    const stillOff = (await reconcile()).found;
    results[mode] = {
      cycle_seconds: Number(seconds.toFixed(2)),
      litellm_calls: calls,
      list_pages: listPages,
      sync_jobs: syncJobs,
      worker_cpu_seconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
      postgres_cpu_seconds: Number((postgresCpuSeconds() - pgBefore).toFixed(2)),
      teams_changed_in_litellm: changed.length,
      repairs_audited: audits,
      left_unrepaired: Object.values(stillOff as Record<string, number>).reduce((a, b) => a + b, 0),
      load: `${loadBefore.toFixed(1)}→${os.loadavg()[0]!.toFixed(1)}`,
    };
    await workSyncs();
    console.error(`${teamCount} teams, ${mode}: ${JSON.stringify(results[mode])}`);
  }
  await sql.end();
  await closeBoss();
  await closeDatabase();
  double.stop();
  await scratch.drop();
  return { teams: teamCount, drift_share: DRIFT, ...results };
}

if (SIZES.length === 1) {
  console.log(JSON.stringify(await runSize(SIZES[0]!)));
  process.exit(0);
}
// One process per size: the app's database, job queue and LiteLLM client are set up once per process.
const all = [];
for (const size of SIZES) {
  const args = process.argv.slice(2).filter((a, i, list) => a !== "--teams" && list[i - 1] !== "--teams");
  const child = spawnSync(process.execPath, ["--import", "tsx", "bench/reconcile.ts", "--teams", String(size), ...args], { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
  if (child.status !== 0) throw new Error(`the run at ${size} teams failed (exit ${child.status})`);
  all.push(JSON.parse(child.stdout.trim().split("\n").at(-1)!));
}
console.log(JSON.stringify({ bench: "reconcile", cpus: os.cpus().length, results: all }));
