/**
 * Benchmark: time from a credit addition to LiteLLM accepting the team's key again (hard mode).
 * The app's service adds the credits; the real worker process syncs LiteLLM's max_budget; the
 * LiteLLM double (its own process) enforces it. Repeated N times on one blocked team.
 *
 *   node --import tsx bench/credit-latency.ts [--runs 20]
 */
import { spawn } from "node:child_process";
import os from "node:os";
import { scratchDatabase, startDoubleProcess, useAppSettings } from "./setup.ts";

const runsArg = process.argv.indexOf("--runs");
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 20;
const MASTER = "sk-bench-litellm-master";

const scratch = await scratchDatabase();
const databaseUrl = scratch.databaseUrl;
const double = await startDoubleProcess(MASTER);
const doubleUrl = double.url;

useAppSettings(databaseUrl, doubleUrl, MASTER);
const worker = spawn(process.execPath, ["--import", "tsx", "worker/index.ts"], { env: { ...process.env, LOG_LEVEL: "info" }, stdio: ["ignore", "pipe", "inherit"] });
await new Promise<void>((resolve) => worker.stdout!.on("data", (chunk: Buffer) => String(chunk).includes("worker ready") && resolve()));

const { createOrganization } = await import("../app/services/organizations.server.ts");
const { createModelGroup } = await import("../app/services/model-groups.server.ts");
const { createTeam } = await import("../app/services/teams.server.ts");
const { addCredits } = await import("../app/services/credits.server.ts");
const { closeDatabase } = await import("../app/lib/db.server.ts");
const { closeBoss } = await import("../app/jobs/boss.server.ts");
const actor = { userId: "master", name: "bench", email: null, role: "owner" as const, via: "system" as const };

const org = await createOrganization(actor, { name: "Bench", litellm_organization_id: "bench" });
const group = await createModelGroup(actor, { name: "bench-models", models: ["gpt-3.5-turbo"] });
const team = await createTeam(actor, { name: "Bench", organization_id: org.organization_id, model_groups: [group.name], max_budget: 0.01 }, { waitMs: 30_000 });
const key = team.virtual_key!;
const hook = (p: string) => fetch(`${doubleUrl}/_double/${p}`, { method: "POST", headers: { authorization: `Bearer ${MASTER}` } });
const chat = () =>
  fetch(`${doubleUrl}/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    // A long completion (about 0.15 USD) overspends the small budget; each run adds 0.20 USD of credits,
    // which lets exactly one more such request through before the team is blocked again.
    body: JSON.stringify({ model: "gpt-3.5-turbo", max_tokens: 100_000, messages: [{ role: "user", content: "x" }] }),
  }).then(async (r) => (await r.arrayBuffer(), r.status));

const samples: number[] = [];
for (let i = 0; i < RUNS; i++) {
  while ((await chat()) === 200) await hook("flush");
  const started = performance.now();
  await addCredits(actor, { team_id: team.team_id, amount: 0.2, reason: `bench run ${i}` });
  while ((await chat()) !== 200) await new Promise((r) => setTimeout(r, 20));
  samples.push(performance.now() - started);
  await hook("flush");
}
samples.sort((a, b) => a - b);
const pct = (p: number) => Math.round(samples[Math.min(samples.length - 1, Math.ceil((p / 100) * samples.length) - 1)]);
console.log(JSON.stringify({ benchmark: "credit-to-access", runs: RUNS, p50_ms: pct(50), p95_ms: pct(95), max_ms: Math.round(samples.at(-1)!), cpus: os.cpus().length }));

await closeBoss();
await closeDatabase();
await new Promise<void>((resolve) => {
  worker.once("exit", () => resolve());
  worker.kill("SIGTERM");
});
double.stop();
await scratch.drop();
