import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
/* eslint-disable no-restricted-imports -- the test seeds teams and spend rows as provisioning and ingestion write them; the routes under test never reach db/ */
import { insertOrganization } from "../../db/queries/organizations.ts";
import { insertTeam, insertTeamKey } from "../../db/queries/teams.ts";
import { insertUsageRows } from "../../db/queries/usage.ts";
import { db } from "~/lib/db.server";
/* eslint-enable no-restricted-imports */
import { clientAddress, masterActor } from "../../test/factories.ts";
import { TEST_MASTER_KEY } from "../../test/setup-db.ts";
import { hashKey } from "~/integrations/litellm/client.server";
import { encryptSecret } from "~/lib/crypto.server";
import { portalSessionCookie } from "~/auth/portal-session.server";
import { completeJob, createJob } from "~/services/jobs.server";
import { signInWithVirtualKey } from "~/services/portal/sign-in.server";
import { loader as adminJobsCsv } from "./admin.teams_.$teamId_.jobs[.csv].tsx";
import { loader as adminJobPage } from "./admin.teams_.$teamId_.jobs.$jobId.tsx";
import { loader as portalJobsCsv } from "./portal.jobs[.]csv.tsx";
import { loader as portalJobPage } from "./portal.jobs.$jobId.tsx";

/**
 * The jobs pages as a browser reaches them: the admin team's jobs CSV and job page (signed in with
 * the master key), the portal's job page and CSV (a portal session cookie), and that a customer
 * never reaches another team's job.
 */

const run = () => Math.random().toString(36).slice(2, 8);
const origin = "http://localhost";
const context = { clientAddress: "127.0.0.1", requestId: "jobs-pages-test" };

/** A team with a live key (so the customer can sign in to the portal). */
async function makeTeam() {
  const org = await insertOrganization(db(), { id: randomUUID(), name: `Jobs Org ${run()}`, litellmOrganizationId: `jobs-${run()}` });
  const team = await insertTeam(db(), { id: `team-${randomUUID()}`, name: `Jobs Team ${run()}`, organizationId: org.id, maxBudget: "100", budgetDuration: "30d", budgetStartsAt: new Date(Date.now() - 86_400_000) });
  const key = `sk-${randomUUID().replace(/-/g, "")}`;
  await insertTeamKey(db(), { id: randomUUID(), teamId: team.id, keyHash: hashKey(key), keyEncrypted: encryptSecret(key), keyAlias: `a-${run()}`, status: "live" });
  return { team, key };
}

/** A job of the team with one spend row per amount, each carrying the job id as LiteLLM's session id. */
async function makeJob(teamId: string, key: string, jobId: string, spends: string[]) {
  await createJob(masterActor, { team_id: teamId, job_type: "document_analysis", user_id: "user-7", job_id: jobId, metadata: { document: "invoice-7.pdf" } }, new Date(Date.now() - 10 * 60_000));
  const now = Date.now();
  await insertUsageRows(
    db(),
    spends.map((spend, i) => ({
      request_id: `req-${randomUUID()}`,
      team_id: teamId,
      key_hash: hashKey(key),
      model_group: "gpt-3.5-turbo",
      model: "openai/gpt-3.5-turbo",
      prompt_tokens: 10,
      completion_tokens: 5,
      total_tokens: 15,
      spend,
      start_time: new Date(now - (5 - i) * 60_000).toISOString(),
      end_time: new Date(now - (5 - i) * 60_000 + 400).toISOString(),
      latency_ms: 400,
      status: "success" as const,
      end_user: null,
      session_id: jobId,
      metadata: null,
    })),
  );
}

const adminRequest = (path: string) => new Request(`${origin}${path}`, { headers: { "X-Admin-Key": TEST_MASTER_KEY } });

async function portalCookie(key: string) {
  return (await portalSessionCookie(await signInWithVirtualKey({ key }, clientAddress()))).split(";")[0];
}

/** What a loader threw, as a Response (throwAsResponse throws one for a service's AppError). */
async function thrownResponse(promise: Promise<unknown>): Promise<Response> {
  const thrown = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(thrown).toBeInstanceOf(Response);
  return thrown as Response;
}

// Three calls whose float sum is not their decimal sum (0.1 + 0.2 + 0.0000001 = 0.30000010000000004).
const SPENDS = ["0.1", "0.2", "0.0000001"];
const EXACT = "0.3000001";

describe("the admin team's jobs CSV", () => {
  it("has a row per job with the exact cost, quoted ids kept whole, and passes the filters through", async () => {
    const { team, key } = await makeTeam();
    const jobId = `doc/7 "draft", #${run()}`;
    await makeJob(team.id, key, jobId, SPENDS);
    await completeJob(masterActor, { team_id: team.id, job_id: jobId, status: "completed" });

    const response = await adminJobsCsv({ request: adminRequest(`/admin/teams/${team.id}/jobs.csv`), params: { teamId: team.id }, context });
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    const lines = (await response.text()).split("\r\n");
    // The admin's export has billed beside cost (the team has no price list: billed = cost).
    expect(lines[0]).toBe("job_id,job_type,user_id,status,origin,created_at,closed_at,duration_ms,calls,failed_calls,prompt_tokens,completion_tokens,cost,billed,costs_final");
    const row = lines.find((l) => l.includes("document_analysis"));
    expect(row).toBeDefined();
    expect(row!.startsWith(`"${jobId.replace(/"/g, '""')}",document_analysis,user-7,completed,api,`)).toBe(true);
    expect(row!).toMatch(new RegExp(`,3,0,30,15,${EXACT.replace(".", "\\.")},${EXACT.replace(".", "\\.")},(true|false)$`));

    const filtered = await adminJobsCsv({ request: adminRequest(`/admin/teams/${team.id}/jobs.csv?status=running&job_type=document_analysis`), params: { teamId: team.id }, context });
    expect((await filtered.text()).trim().split("\r\n")).toHaveLength(1); // the header only: the job is completed

    const bad = await thrownResponse(adminJobsCsv({ request: adminRequest(`/admin/teams/${team.id}/jobs.csv?status=done`), params: { teamId: team.id }, context }));
    expect(bad.status).toBe(400);
  });
});

describe("the job pages", () => {
  it("show the admin a team's job with its exact totals and calls, whatever characters its id holds", async () => {
    const { team, key } = await makeTeam();
    // "%2F" as text: the router's param reads it as "/", the page reads the id from the URL itself.
    const jobId = `chat%2F 100% ?#${run()}`;
    await makeJob(team.id, key, jobId, SPENDS);
    const response = await adminJobPage({ request: adminRequest(`/admin/teams/${team.id}/jobs/${encodeURIComponent(jobId)}`), params: { teamId: team.id, jobId: jobId.replace(/%2F/g, "/") }, context });
    const data = await response.json();
    expect(data.team).toMatchObject({ id: team.id });
    expect(data.job).toMatchObject({ job_id: jobId, status: "running", totals: { calls: 3, cost_exact: EXACT } });
    expect(data.job.calls).toHaveLength(3);
  });

  it("show a customer their own job, and another team's job as not found", async () => {
    const mine = await makeTeam();
    const theirs = await makeTeam();
    const myJob = `mine-${run()}`;
    const theirJob = `theirs-${run()}`;
    await makeJob(mine.team.id, mine.key, myJob, ["0.5"]);
    await makeJob(theirs.team.id, theirs.key, theirJob, SPENDS);
    const cookie = await portalCookie(mine.key);
    const portalRequest = (path: string) => new Request(`${origin}${path}`, { headers: { cookie } });

    const own = await portalJobPage({ request: portalRequest(`/portal/jobs/${myJob}`), params: { jobId: myJob }, context });
    expect((await own.json()).job).toMatchObject({ job_id: myJob, totals: { cost_exact: "0.5" } });

    const other = await thrownResponse(portalJobPage({ request: portalRequest(`/portal/jobs/${theirJob}`), params: { jobId: theirJob }, context }));
    expect(other.status).toBe(404);
    const body = JSON.stringify(await other.json());
    expect(body).not.toContain(theirs.team.id);

    // The portal's CSV holds the customer's own jobs only.
    const csv = await (await portalJobsCsv({ request: portalRequest("/portal/jobs.csv"), params: {}, context })).text();
    expect(csv).toContain(myJob);
    expect(csv).not.toContain(theirJob);

    // Without a session the CSV answers 401 and the page sends the customer to sign in.
    const anonymous = await portalJobsCsv({ request: new Request(`${origin}/portal/jobs.csv`), params: {}, context });
    expect(anonymous.status).toBe(401);
    const signIn = await thrownResponse(portalJobPage({ request: new Request(`${origin}/portal/jobs/${myJob}`), params: { jobId: myJob }, context }));
    expect(signIn.headers.get("Location")).toBe("/portal/signin");
  });
});
