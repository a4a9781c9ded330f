import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { insertOrganization } from "../../db/queries/organizations.ts";
import { insertTeam, insertTeamKey } from "../../db/queries/teams.ts";
import { insertUsageRows, recordIngestionSuccess, type UsageRowInput } from "../../db/queries/usage.ts";
import { masterActor } from "../../test/factories.ts";
import { rest } from "../../test/rest.ts";
import { TEST_MASTER_KEY } from "../../test/setup-db.ts";
import { hashKey } from "~/integrations/litellm/client.server";
import { encryptSecret } from "~/lib/crypto.server";
import { db } from "~/lib/db.server";
import { AppError } from "~/lib/errors";
import type { Actor, CustomerActor } from "~/auth/actor";
import { completeJob, createJob, getJob, listTeamJobs, settleJobs, summarizeTeamJobs, updateJobMetadata } from "./jobs.server.ts";
import { toUsageRow } from "./usage-ingestion.server.ts";
import { updateTeam } from "./teams.server.ts";

/**
 * Jobs without LiteLLM: attribution in the ingestion statement (scoped to the row's team, exactly
 * once, implicit jobs only when the team has them on), who may call (admins, the team's own key,
 * never another team's), and the answers to bad input.
 */
const admin: Actor = { ...masterActor, via: "rest" };
const viewer: Actor = { userId: "viewer-jobs", name: "Viewer", email: null, role: "viewer", via: "rest" };
const run = () => Math.random().toString(36).slice(2, 8);
const asAdmin = { "X-Admin-Key": TEST_MASTER_KEY };
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

async function makeTeam() {
  const org = await insertOrganization(db(), { id: randomUUID(), name: `Jobs Org ${run()}`, litellmOrganizationId: `jobs-${run()}` });
  const team = await insertTeam(db(), { id: `team-${randomUUID()}`, name: `Jobs Team ${run()}`, organizationId: org.id });
  const key = `sk-${randomUUID().replace(/-/g, "")}`;
  await insertTeamKey(db(), { id: randomUUID(), teamId: team.id, keyHash: hashKey(key), keyEncrypted: encryptSecret(key), keyAlias: `a-${run()}`, status: "live" });
  const customer: CustomerActor = { kind: "customer", credential: "virtual_key", teamId: team.id, userId: `key:${team.id}`, name: team.name, via: "rest" };
  return { team, key, customer };
}

let clock = Date.parse("2026-11-20T10:00:00Z");
function row(teamId: string, session: string | null, spend: string, overrides: Partial<UsageRowInput> = {}): UsageRowInput {
  clock += 1000;
  return {
    request_id: `chatcmpl-${randomUUID()}`,
    team_id: teamId,
    key_hash: "h",
    model_group: "gpt-3.5-turbo",
    model: "openai/gpt-3.5-turbo",
    prompt_tokens: 10,
    completion_tokens: 20,
    total_tokens: 30,
    spend,
    start_time: new Date(clock).toISOString(),
    end_time: new Date(clock + 400).toISOString(),
    latency_ms: 400,
    status: "success",
    end_user: null,
    session_id: session,
    metadata: null,
    ...overrides,
  };
}

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe("attribution at ingestion", () => {
  it("adds a row to the job of its own team only, exactly once, to the last decimal", async () => {
    const a = await makeTeam();
    const b = await makeTeam();
    const job = await createJob(a.customer, { team_id: a.team.id, job_type: "doc", job_id: "doc-1" });
    await createJob(admin, { team_id: b.team.id, job_type: "other", job_id: "doc-0" });
    const rows = [row(a.team.id, "doc-1", "0.0000001"), row(a.team.id, "doc-1", "0.30000000000000004"), row(b.team.id, "doc-1", "5"), row(a.team.id, randomUUID(), "1")];
    expect(await insertUsageRows(db(), rows)).toBe(4);
    // The same page again (a re-read window): nothing counted twice.
    expect(await insertUsageRows(db(), rows)).toBe(0);

    const read = await getJob(a.customer, { job_id: job.job_id });
    expect(read.status).toBe("running");
    expect(read.totals).toMatchObject({ calls: 2, cost_exact: "0.3000001", prompt_tokens: 20, completion_tokens: 40 });
    expect(read.calls.map((c) => c.request_id)).toEqual([rows[0].request_id, rows[1].request_id]);
    // Team B has no job doc-1, and implicit jobs are off: its row is counted for B, in no job.
    expect(await refusal(getJob(b.customer, { job_id: "doc-1" }))).toMatchObject({ code: "NOT_FOUND" });
    const stored = Array.from(
      (await db().execute(sql`select team_id, job_id from usage_requests where request_id = ${rows[2].request_id}`)) as unknown as Iterable<{ team_id: string; job_id: string | null }>,
    );
    expect(stored).toEqual([{ team_id: b.team.id, job_id: null }]);
  });

  it("makes an implicit job of a new session id only for a team that has implicit jobs on", async () => {
    const t = await makeTeam();
    await insertUsageRows(db(), [row(t.team.id, "chat-42", "0.5")]);
    expect((await listTeamJobs(admin, { team_id: t.team.id })).jobs).toEqual([]);
    await updateTeam(admin, { team_id: t.team.id, implicit_jobs: true });
    await insertUsageRows(db(), [row(t.team.id, "chat-42", "0.25"), row(t.team.id, "chat-42", "0.25"), row(t.team.id, null, "9")]);
    const jobs = (await listTeamJobs(t.customer, { team_id: t.team.id })).jobs;
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ job_id: "chat-42", origin: "implicit", job_type: "implicit", status: "running", totals: { calls: 2, cost_exact: "0.5" } });
  });

  it("never takes a session id longer than 128 characters or with control characters as a job id", async () => {
    const t = await makeTeam();
    await updateTeam(admin, { team_id: t.team.id, implicit_jobs: true });
    const log = (session: string) => ({ ...baseLog, request_id: `chatcmpl-${randomUUID()}`, team_id: t.team.id, session_id: session });
    expect(toUsageRow(log("x".repeat(129))).session_id).toBeNull();
    expect(toUsageRow(log("line\nbreak")).session_id).toBeNull();
    expect(toUsageRow(log("x".repeat(128))).session_id).toBe("x".repeat(128));
  });
});

const baseLog = {
  request_id: "r",
  call_type: "acompletion",
  api_key: "h",
  spend: 0.1,
  total_tokens: 3,
  prompt_tokens: 1,
  completion_tokens: 2,
  startTime: "2026-11-20T10:00:00Z",
  endTime: "2026-11-20T10:00:01Z",
  request_duration_ms: 1000,
  model: "m",
  model_group: "g",
  team_id: "t",
  end_user: null,
  status: "success",
  session_id: null as string | null,
  metadata: {},
};

describe("the jobs API", () => {
  it("lets a team's key create, complete and read its own jobs, and nothing else", async () => {
    const a = await makeTeam();
    const b = await makeTeam();
    const created = await rest("POST", "/api/jobs/create", { headers: bearer(a.key), body: { team_id: a.team.id, job_type: "agent_run" } });
    expect(created.status).toBe(200);
    expect(created.body.job_id).toMatch(/^job_[0-9a-f]{32}$/);
    // Another team's key: the job and the team read as unknown (404, never 403).
    for (const [method, path, body] of [
      ["GET", `/api/jobs/${created.body.job_id}`, undefined],
      ["POST", `/api/jobs/${created.body.job_id}/complete`, { status: "completed" }],
      ["PATCH", `/api/jobs/${created.body.job_id}/metadata`, { metadata: { a: 1 } }],
      ["GET", `/api/teams/${a.team.id}/jobs`, undefined],
      ["GET", `/api/teams/${a.team.id}/jobs/summary`, undefined],
      ["POST", "/api/jobs/create", { team_id: a.team.id, job_type: "x" }],
    ] as const) {
      const answer = await rest(method, path, { headers: bearer(b.key), body });
      expect(answer.status, `${method} ${path}`).toBe(404);
    }
    // The key opens nothing but the jobs API: a 403 that says what it is for.
    const teams = await rest("GET", "/api/teams", { headers: bearer(a.key) });
    expect(teams.status).toBe(403);
    expect(teams.body.error.message).toContain("only opens the jobs API");
    expect((await rest("GET", `/api/teams/${a.team.id}/usage`, { headers: bearer(a.key) })).status).toBe(403);
    // A key that is no team's: 401.
    expect((await rest("GET", `/api/teams/${a.team.id}/jobs`, { headers: bearer("sk-not-a-key") })).status).toBe(401);
    // Admins reach every team's jobs.
    expect((await rest("GET", `/api/jobs/${created.body.job_id}`, { headers: asAdmin })).status).toBe(200);
  });

  it("refuses bad input with a 4xx that names the field", async () => {
    const t = await makeTeam();
    const long = await rest("GET", `/api/jobs/${"x".repeat(129)}`, { headers: bearer(t.key) });
    expect(long.status).toBe(400);
    expect(long.body.error.message).toContain("at most 128 characters");
    const control = await rest("POST", "/api/jobs/create", { headers: bearer(t.key), body: { team_id: t.team.id, job_type: "x", job_id: "a\tb" } });
    expect(control.status).toBe(400);
    expect(JSON.stringify(control.body.error)).toContain("job_id");
    const unknown = await rest("GET", "/api/jobs/job_nope", { headers: bearer(t.key) });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toContain("No job has the id job_nope");
    const status = await rest("GET", `/api/teams/${t.team.id}/jobs?status=done`, { headers: bearer(t.key) });
    expect(status.status).toBe(400);
    expect(status.body.error.message).toContain("status must be one of");
    expect((await rest("POST", "/api/jobs/create", { headers: bearer(t.key), body: { team_id: t.team.id } })).status).toBe(400);
    // A team's own key may leave team_id out; an admin may not.
    expect((await rest("POST", "/api/jobs/create", { headers: bearer(t.key), body: { job_type: "x" } })).body.team_id).toBe(t.team.id);
    const noTeam = await rest("POST", "/api/jobs/create", { headers: asAdmin, body: { job_type: "x" } });
    expect(noTeam.status).toBe(400);
    expect(noTeam.body.error.fieldErrors.team_id).toBeDefined();
    const cursor = await rest("GET", `/api/teams/${t.team.id}/jobs?cursor=nonsense`, { headers: bearer(t.key) });
    expect(cursor.status).toBe(400);
    await createJob(t.customer, { team_id: t.team.id, job_type: "x", job_id: "mine" });
    const twice = await rest("POST", "/api/jobs/create", { headers: bearer(t.key), body: { team_id: t.team.id, job_type: "x", job_id: "mine" } });
    expect(twice.status).toBe(409);
    expect(await refusal(createJob(viewer, { team_id: t.team.id, job_type: "x" }))).toMatchObject({ code: "FORBIDDEN" });
    // A portal session reads jobs but does not change them.
    const portal: CustomerActor = { ...t.customer, credential: undefined };
    expect(await refusal(completeJob(portal, { job_id: "mine", status: "completed" }))).toMatchObject({ code: "FORBIDDEN" });
    expect((await getJob(portal, { job_id: "mine" })).job_id).toBe("mine");
  });

  it("asks an admin to name the team when two teams use one job id", async () => {
    const a = await makeTeam();
    const b = await makeTeam();
    const id = `shared-${run()}`;
    await createJob(a.customer, { team_id: a.team.id, job_type: "x", job_id: id });
    await createJob(b.customer, { team_id: b.team.id, job_type: "y", job_id: id });
    const ambiguous = await rest("GET", `/api/jobs/${id}`, { headers: asAdmin });
    expect(ambiguous.status).toBe(409);
    expect(ambiguous.body.error.message).toContain("say which with team_id");
    const named = await rest("GET", `/api/jobs/${id}?team_id=${b.team.id}`, { headers: asAdmin });
    expect(named.body).toMatchObject({ team_id: b.team.id, job_type: "y" });
    // Each team's own key finds its own.
    expect((await rest("GET", `/api/jobs/${id}`, { headers: bearer(a.key) })).body.job_type).toBe("x");
  });

  it("merges metadata (null removes a key) and keeps the first result of a close", async () => {
    const t = await makeTeam();
    const job = await createJob(t.customer, { team_id: t.team.id, job_type: "x", metadata: { a: 1, b: 2 } });
    expect((await updateJobMetadata(t.customer, { job_id: job.job_id, metadata: { b: null, c: "three" } })).metadata).toEqual({ a: 1, c: "three" });
    const failed = await completeJob(t.customer, { job_id: job.job_id, status: "failed", metadata: { reason: "timeout" } });
    expect(failed).toMatchObject({ status: "failed", metadata: { a: 1, c: "three", reason: "timeout" } });
    const again = await completeJob(t.customer, { job_id: job.job_id, status: "completed", metadata: { reason: "changed" } });
    expect(again).toMatchObject({ status: "failed", closed_at: failed.closed_at, metadata: { reason: "timeout" } });
    const big = await refusal(updateJobMetadata(t.customer, { job_id: job.job_id, metadata: { blob: "x".repeat(17_000) } }));
    expect(big.code).toBe("BAD_REQUEST");
    // Two halves that fit alone but not together: refused on close as on a patch.
    const other = await createJob(t.customer, { team_id: t.team.id, job_type: "x", metadata: { half: "x".repeat(9_000) } });
    const merged = await refusal(completeJob(t.customer, { job_id: other.job_id, status: "completed", metadata: { other: "y".repeat(9_000) } }));
    expect(merged.fieldErrors).toMatchObject({ metadata: [expect.stringContaining("16384")] });
  });

  it("lists a team's jobs newest first by keyset, filtered, with none skipped or repeated, and sums them by type", async () => {
    const t = await makeTeam();
    const base = Date.now() - 3_600_000;
    const made: string[] = [];
    for (let i = 0; i < 23; i++) {
      // Three jobs share each creation millisecond: the cursor still has one order.
      const job = await createJob(t.customer, { team_id: t.team.id, job_type: i % 2 ? "odd" : "even", user_id: `u${i % 3}` }, new Date(base + Math.floor(i / 3) * 1000));
      made.push(job.job_id);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listTeamJobs(t.customer, { team_id: t.team.id, limit: 5, cursor });
      seen.push(...page.jobs.map((j) => j.job_id));
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    expect(seen).toHaveLength(23);
    expect(new Set(seen).size).toBe(23);
    expect([...seen].sort()).toEqual([...made].sort());
    const odd = await listTeamJobs(t.customer, { team_id: t.team.id, job_type: "odd", user_id: "u1", limit: 200 });
    expect(odd.jobs.every((j) => j.job_type === "odd" && j.user_id === "u1")).toBe(true);
    expect(odd.jobs).toHaveLength(made.filter((_, i) => i % 2 === 1 && i % 3 === 1).length);

    await insertUsageRows(db(), [row(t.team.id, made[0], "0.1"), row(t.team.id, made[0], "0.2"), row(t.team.id, made[2], "0.4")]);
    const summary = await summarizeTeamJobs(t.customer, { team_id: t.team.id });
    const even = summary.job_types.find((s) => s.job_type === "even")!;
    expect(even).toMatchObject({ jobs: 12, open_jobs: 12, calls: 3, total_cost_exact: "0.7", p50_duration_ms: null });
    expect(summary.job_types.find((s) => s.job_type === "odd")).toMatchObject({ jobs: 11, total_cost: 0 });
  });
});

describe("settling jobs", () => {
  it("abandons idle jobs, and reports totals final only once ingestion has read past the close", async () => {
    const t = await makeTeam();
    const longAgo = new Date(Date.now() - 3 * 3_600_000);
    const idle = await createJob(t.customer, { team_id: t.team.id, job_type: "x" }, longAgo);
    const fresh = await createJob(t.customer, { team_id: t.team.id, job_type: "x" });
    await insertUsageRows(db(), [row(t.team.id, idle.job_id, "1.25", { start_time: new Date(longAgo.getTime() + 1000).toISOString(), end_time: new Date(longAgo.getTime() + 2000).toISOString() })]);
    const now = new Date();
    await recordIngestionSuccess(db(), "spend-logs", { windowEnd: new Date(now.getTime() - 60_000), ranAt: now, inserted: 0 });
    await settleJobs(now);
    const abandoned = await getJob(t.customer, { job_id: idle.job_id });
    expect(abandoned).toMatchObject({ status: "abandoned", totals: { calls: 1, cost_exact: "1.25" }, duration_ms: 2000 });
    // Closed now, but ingestion has read only up to a minute ago: not final yet.
    expect(abandoned.costs_final).toBe(false);
    expect((await getJob(t.customer, { job_id: fresh.job_id })).status).toBe("pending");
    await recordIngestionSuccess(db(), "spend-logs", { windowEnd: new Date(now.getTime() + 31_000), ranAt: now, inserted: 0 });
    expect((await getJob(t.customer, { job_id: idle.job_id })).costs_final).toBe(true);
  });
});
