import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { keysOfTeam } from "../../db/queries/teams.ts";
import { auditEvents } from "../../db/schema/index.ts";
import { liteLLMDouble, masterActor, uniqueEmail } from "../../test/factories.ts";
import { TEST_LITELLM_MASTER_KEY } from "../../test/setup-db.ts";
import { startWorker, waitFor, type WorkerProcess } from "../../test/worker-process.ts";
import { and, eq, sql } from "drizzle-orm";
import { hashKey } from "~/integrations/litellm/client.server";
import { db } from "~/lib/db.server";
import { AppError } from "~/lib/errors";
import type { Actor } from "~/auth/actor";
import { createAdminAccount } from "./admin-accounts.server.ts";
import { createModelGroup, deleteModelGroup, getModelGroup, updateModelGroup } from "./model-groups.server.ts";
import { createOrganization } from "./organizations.server.ts";
import { findDrift, reconcile } from "./reconcile.server.ts";
import { syncTeam } from "./team-sync.server.ts";
import { createTeam as createTeamNow, deleteTeam, getTeam, resumeTeam, rotateTeamKey, suspendTeam, updateTeam } from "./teams.server.ts";

/** Under a loaded CI machine the worker can take more than the API's few seconds: tests wait longer for the key. */
const createTeam = (actor: Parameters<typeof createTeamNow>[0], input: Parameters<typeof createTeamNow>[1], options: Parameters<typeof createTeamNow>[2] = {}) =>
  createTeamNow(actor, input, { waitMs: 20_000, ...options });

/**
 * Provisioning end to end: services here, the real worker process doing the jobs, and the LiteLLM
 * double (over HTTP) standing in for LiteLLM. CONTRACT.md §1 (team and key endpoints), §2 (checks).
 */

const admin: Actor = { ...masterActor, via: "rest" };
const suffix = () => Math.random().toString(36).slice(2, 8);

async function chat(key: string, model: string) {
  const response = await fetch(`${liteLLMDouble().url}/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "Hello, world!" }] }),
  });
  const body = (await response.json()) as { error?: { type?: string; message?: string } };
  return { status: response.status, type: body.error?.type ?? null, message: body.error?.message ?? null };
}

async function inSync(teamId: string) {
  return waitFor(`team ${teamId} in sync`, async () => {
    const team = await getTeam(admin, { team_id: teamId });
    return team.sync.state === "in_sync" && !team.provisioning ? team : undefined;
  });
}

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

const litellmTeams = (teamId: string) => liteLLMDouble().state.teams().filter((t) => t.team_id === teamId);

/** A change made by hand in LiteLLM (its UI or API), with the master key. */
async function inLiteLLM(path: string, body: unknown) {
  const response = await fetch(`${liteLLMDouble().url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${TEST_LITELLM_MASTER_KEY}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  return response.json() as Promise<Record<string, unknown>>;
}

const repairsOf = async (teamId: string) =>
  db()
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.target, teamId), eq(auditEvents.action, "team.drift-repaired")));
const liveLiteLLMKeys = (teamId: string) => liteLLMDouble().state.keys().filter((k) => k.team_id === teamId);
const liveAlias = (teamId: string) => liteLLMDouble().state.keys().find((k) => k.team_id === teamId)?.key_alias;

describe("provisioning teams in LiteLLM", () => {
  let worker: WorkerProcess;
  let orgId: string;
  let basic: string;
  let premium: string;

  beforeAll(async () => {
    worker = await startWorker();
    const org = await createOrganization(admin, { name: `Acme Corporation ${suffix()}`, litellm_organization_id: `acme-${suffix()}`, description: "Main organization" });
    orgId = org.organization_id;
    basic = (await createModelGroup(admin, { name: `basic-${suffix()}`, models: ["gpt-3.5-turbo"], description: "Fast" })).name;
    premium = (await createModelGroup(admin, { name: `premium-${suffix()}`, models: ["gpt-4-turbo"] })).name;
  });
  afterAll(async () => {
    expect(await worker.stop()).toBe(0);
  });
  afterEach(() => liteLLMDouble().clearFaults());

  it("creates a team whose key LiteLLM accepts for its models and refuses for others", async () => {
    const team = await createTeam(admin, {
      name: "Acme Dev Team",
      organization_id: orgId,
      model_groups: [basic],
      max_budget: 100.0,
      budget_duration: "30d",
      rpm_limit: 100,
      tpm_limit: 50000,
    });
    expect(team.provisioning).toBe(false);
    expect(team.virtual_key).toMatch(/^sk-[A-Za-z0-9_-]{22}$/);
    expect(team).toMatchObject({ model_groups: [basic], models: ["gpt-3.5-turbo"], max_budget: 100, budget_mode: "hard", rpm_limit: 100, tpm_limit: 50000 });

    const [remote] = litellmTeams(team.team_id);
    expect(remote).toMatchObject({ models: ["gpt-3.5-turbo"], max_budget: 100, rpm_limit: 100, tpm_limit: 50000, blocked: false });
    expect(liveLiteLLMKeys(team.team_id).map((k) => k.token)).toEqual([hashKey(team.virtual_key!)]);

    expect((await chat(team.virtual_key!, "gpt-3.5-turbo")).status).toBe(200);
    const denied = await chat(team.virtual_key!, "gpt-4-turbo");
    expect(denied.status).toBe(403);
    expect(denied.type).toBe("team_model_access_denied");

    // The key is stored encrypted, never in the clear.
    const [stored] = await keysOfTeam(db(), team.team_id);
    expect(stored.keyEncrypted).not.toContain(team.virtual_key!);
    expect(stored.keyHash).toBe(hashKey(team.virtual_key!));
  });

  it("a model-group change reaches LiteLLM without a new key", async () => {
    const team = await createTeam(admin, { name: `Switch ${suffix()}`, organization_id: orgId, model_groups: [basic] });
    expect((await chat(team.virtual_key!, "gpt-4-turbo")).status).toBe(403);

    await updateTeam(admin, { team_id: team.team_id, model_groups: [basic, premium] });
    await inSync(team.team_id);
    expect((await chat(team.virtual_key!, "gpt-4-turbo")).status).toBe(200);

    // Changing the models inside a group updates every team that uses it.
    const group = `solo-${suffix()}`;
    const created = await createModelGroup(admin, { name: group, models: ["gpt-3.5-turbo"] });
    const other = await createTeam(admin, { name: `Solo ${suffix()}`, organization_id: orgId, model_groups: [group] });
    expect((await chat(other.virtual_key!, "gpt-4-turbo")).status).toBe(403);
    await updateModelGroup(admin, { model_group_id: created.model_group_id, models: ["gpt-3.5-turbo", "gpt-4-turbo"] });
    await waitFor("the group change to reach LiteLLM", async () => litellmTeams(other.team_id)[0]?.models.includes("gpt-4-turbo"));
    expect((await chat(other.virtual_key!, "gpt-4-turbo")).status).toBe(200);
    expect((await getTeam(admin, { team_id: other.team_id }, { revealKey: true })).virtual_key).toBe(other.virtual_key);

    // A group in use cannot be deleted; the refusal names the team.
    const refused = await refusal(deleteModelGroup(admin, { model_group_id: created.model_group_id }));
    expect(refused.code).toBe("CONFLICT");
    expect(refused.userMessage).toContain(other.name);
  });

  it("waits out LiteLLM being down, then provisions exactly one team and one key", async () => {
    const double = liteLLMDouble();
    double.fault("/team/info", { kind: "error500", count: 1000 });
    const team = await createTeam(admin, { name: `Outage ${suffix()}`, organization_id: orgId, model_groups: [basic] }, { waitMs: 1500 });
    expect(team.provisioning).toBe(true);
    expect(team.virtual_key).toBeNull();
    const failing = await waitFor("the failure to show", async () => {
      const t = await getTeam(admin, { team_id: team.team_id });
      return t.sync.state === "failing" ? t : undefined;
    });
    expect(failing.sync.last_error).toMatch(/500/);
    expect(new Date(failing.sync.next_retry_at!).getTime()).toBeGreaterThan(Date.now());

    double.clearFaults();
    // The scheduled reconcile re-sends the sync once its retry time has come.
    await reconcile(new Date(Date.now() + 10 * 60_000));
    const done = await inSync(team.team_id);
    expect(litellmTeams(team.team_id)).toHaveLength(1);
    expect(liveLiteLLMKeys(team.team_id)).toHaveLength(1);
    expect((await chat((await getTeam(admin, { team_id: done.team_id }, { revealKey: true })).virtual_key!, "gpt-3.5-turbo")).status).toBe(200);
  });

  it("a lost answer from LiteLLM and a sync run twice still leave one team and one key", async () => {
    const double = liteLLMDouble();
    double.fault("/team/new", { kind: "drop", count: 1 });
    double.fault("/key/generate", { kind: "drop", count: 1 });
    const team = await createTeam(admin, { name: `Dropped ${suffix()}`, organization_id: orgId, model_groups: [basic] });
    await inSync(team.team_id);
    // The same job again, twice at once, next to the worker.
    await Promise.all([syncTeam(team.team_id), syncTeam(team.team_id)]);
    expect(litellmTeams(team.team_id)).toHaveLength(1);
    const keys = liveLiteLLMKeys(team.team_id);
    expect(keys).toHaveLength(1);
    const revealed = await getTeam(admin, { team_id: team.team_id }, { revealKey: true });
    expect(keys[0].token).toBe(hashKey(revealed.virtual_key!));
    // CONTRACT §1 /key/info: looked up by hash, also when recovering the lost /key/generate answer.
    const urls = liteLLMDouble().state.requests("/key/info").map((r) => r.url);
    expect(urls.some((url) => url.includes(hashKey(revealed.virtual_key!)))).toBe(true);
    expect(urls.filter((url) => /sk-/.test(decodeURIComponent(url)))).toEqual([]);
  });

  it("puts back a team someone changed in LiteLLM's own UI, and records why", async () => {
    const team = await createTeam(admin, { name: `Drift ${suffix()}`, organization_id: orgId, model_groups: [basic], rpm_limit: 10 });
    const edit = await fetch(`${liteLLMDouble().url}/team/update`, {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_LITELLM_MASTER_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ team_id: team.team_id, models: ["gpt-3.5-turbo", "gpt-4-turbo"], rpm_limit: 9999 }),
    });
    expect(edit.status).toBe(200);
    expect((await chat(team.virtual_key!, "gpt-4-turbo")).status).toBe(200);

    await reconcile();
    await waitFor("the drift to be put back", async () => litellmTeams(team.team_id)[0]?.rpm_limit === 10);
    expect(litellmTeams(team.team_id)[0].models).toEqual(["gpt-3.5-turbo"]);
    expect((await chat(team.virtual_key!, "gpt-4-turbo")).status).toBe(403);
    // Either our reconcile or the worker's own per-minute one may have repaired it: wait for the record, whichever wrote it.
    const repairs = async () =>
      db()
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.target, team.team_id), eq(auditEvents.action, "team.drift-repaired")));
    await waitFor("the repair to be audited", async () => (await repairs()).length > 0);
    const [event] = await repairs();
    expect(event.details).toMatchObject({ before: { rpm_limit: 9999 }, after: { rpm_limit: 10, models: ["gpt-3.5-turbo"] } });
  });

  it("rotates a key: the new one works, the old one is refused, its hash is kept", async () => {
    const team = await createTeam(admin, { name: `Rotate ${suffix()}`, organization_id: orgId, model_groups: [basic] });
    const old = team.virtual_key!;
    const rotated = await rotateTeamKey(admin, { team_id: team.team_id });
    expect(rotated.virtual_key).toMatch(/^sk-/);
    expect(rotated.virtual_key).not.toBe(old);
    await inSync(team.team_id);
    expect((await chat(rotated.virtual_key!, "gpt-3.5-turbo")).status).toBe(200);
    expect((await chat(old, "gpt-3.5-turbo")).status).toBe(401);
    const keys = await keysOfTeam(db(), team.team_id);
    expect(keys.map((k) => [k.keyHash, k.status])).toEqual([
      [hashKey(old), "revoked"],
      [hashKey(rotated.virtual_key!), "live"],
    ]);
    expect(litellmTeams(team.team_id)).toHaveLength(1);
  });

  it("suspends and resumes a team at once, despite LiteLLM's 60 s team cache (CONTRACT §1 /team/block)", async () => {
    const team = await createTeam(admin, { name: `Suspend ${suffix()}`, organization_id: orgId, model_groups: [basic] });
    // A request puts the team in LiteLLM's in-memory cache, which /team/block and /team/unblock do not refresh.
    expect((await chat(team.virtual_key!, "gpt-3.5-turbo")).status).toBe(200);
    await suspendTeam(admin, { team_id: team.team_id });
    await inSync(team.team_id);
    const blocked = await chat(team.virtual_key!, "gpt-3.5-turbo");
    expect(blocked.status).toBe(401);
    expect(blocked.message).toContain("is blocked");
    await resumeTeam(admin, { team_id: team.team_id });
    await inSync(team.team_id);
    expect((await chat(team.virtual_key!, "gpt-3.5-turbo")).status).toBe(200);
  });

  it("a suspended team deleted in LiteLLM comes back blocked (CONTRACT §1 /team/new takes blocked)", async () => {
    const team = await createTeam(admin, { name: `Gone suspended ${suffix()}`, organization_id: orgId, model_groups: [basic] });
    await suspendTeam(admin, { team_id: team.team_id });
    await inSync(team.team_id);
    await inLiteLLM("/team/delete", { team_ids: [team.team_id] });
    await syncTeam(team.team_id, "reconcile");
    expect(litellmTeams(team.team_id)).toMatchObject([{ blocked: true }]);
    const refused = await chat(team.virtual_key!, "gpt-3.5-turbo");
    expect(refused.status).toBe(401);
    expect(refused.message).toContain("is blocked");
  });

  it("keeps metadata LiteLLM set on a team when our sync updates it (CONTRACT §1 /team/update replaces metadata)", async () => {
    const team = await createTeam(admin, { name: `Metadata ${suffix()}`, organization_id: orgId, model_groups: [basic], rpm_limit: 10 });
    const [before] = litellmTeams(team.team_id);
    await inLiteLLM("/team/update", { team_id: team.team_id, metadata: { ...before.metadata, team_member_budget_id: "budget-set-in-litellm", guardrails: ["pii"] } });
    await updateTeam(admin, { team_id: team.team_id, rpm_limit: 20 });
    await inSync(team.team_id);
    const [after] = litellmTeams(team.team_id);
    expect(after.rpm_limit).toBe(20);
    expect(after.metadata).toEqual({ ...before.metadata, team_member_budget_id: "budget-set-in-litellm", guardrails: ["pii"] });
  });

  it("puts back our own metadata keys someone changed in LiteLLM, keeping LiteLLM's", async () => {
    const team = await createTeam(admin, { name: `Metadata drift ${suffix()}`, organization_id: orgId, model_groups: [basic] });
    const [before] = litellmTeams(team.team_id);
    expect(before.metadata).toMatchObject({ saas_team_id: team.team_id, saas_organization: expect.any(String) });
    await inLiteLLM("/team/update", { team_id: team.team_id, metadata: { saas_team_id: "someone-else", team_member_budget_id: "kept" } });
    await syncTeam(team.team_id, "reconcile");
    expect(litellmTeams(team.team_id)[0].metadata).toEqual({ ...before.metadata, team_member_budget_id: "kept" });
    await waitFor("the repair to be audited", async () => (await repairsOf(team.team_id)).length > 0);
    const [event] = await repairsOf(team.team_id);
    expect(event.details).toMatchObject({ before: { metadata: { saas_team_id: "someone-else" } }, after: { metadata: { saas_team_id: team.team_id } } });
  });

  it("unblocks a live key someone blocked in LiteLLM, and records why", async () => {
    const team = await createTeam(admin, { name: `Key blocked ${suffix()}`, organization_id: orgId, model_groups: [basic] });
    await inLiteLLM("/key/block", { key: hashKey(team.virtual_key!) });
    expect((await chat(team.virtual_key!, "gpt-3.5-turbo")).status).toBe(401);
    // Any sync repairs it; the bulk reconcile sends one for each team whose key it finds blocked.
    await syncTeam(team.team_id, "retry");
    expect(liveLiteLLMKeys(team.team_id)).toMatchObject([{ token: hashKey(team.virtual_key!), blocked: false }]);
    expect((await chat(team.virtual_key!, "gpt-3.5-turbo")).status).toBe(200);
    await waitFor("the repair to be audited", async () => (await repairsOf(team.team_id)).length > 0);
    const [event] = await repairsOf(team.team_id);
    expect(event.details).toMatchObject({ reason: expect.stringContaining("key"), before: { [`key ${liveAlias(team.team_id)} blocked`]: true } });
  });

  it("generates again, with the same secret, a live key someone deleted in LiteLLM, and records why", async () => {
    const team = await createTeam(admin, { name: `Key deleted ${suffix()}`, organization_id: orgId, model_groups: [basic] });
    await inLiteLLM("/key/delete", { keys: [hashKey(team.virtual_key!)] });
    expect((await chat(team.virtual_key!, "gpt-3.5-turbo")).status).toBe(401);
    await syncTeam(team.team_id, "reconcile");
    expect(liveLiteLLMKeys(team.team_id).map((k) => k.token)).toEqual([hashKey(team.virtual_key!)]);
    expect((await chat(team.virtual_key!, "gpt-3.5-turbo")).status).toBe(200);
    await waitFor("the repair to be audited", async () => (await repairsOf(team.team_id)).length > 0);
    const [event] = await repairsOf(team.team_id);
    expect(event.details).toMatchObject({ before: { [`key ${liveAlias(team.team_id)}`]: "missing" }, after: { [`key ${liveAlias(team.team_id)}`]: "live" } });
  });

  it("the reconcile finds drift, a missing team and keys blocked or deleted by hand from LiteLLM's lists, and syncs only those teams", async () => {
    const make = (name: string, extra: Record<string, unknown> = {}) => createTeam(admin, { name: `${name} ${suffix()}`, organization_id: orgId, model_groups: [basic], ...extra });
    const [clean, soft, drifted, gone, blocked, keyless] = await Promise.all([
      make("Bulk clean", { max_budget: 100, budget_duration: "30d", rpm_limit: 5 }),
      make("Bulk soft", { max_budget: 50, budget_mode: "soft", model_groups: [basic, premium] }),
      make("Bulk drift", { rpm_limit: 10 }),
      make("Bulk gone"),
      make("Bulk blocked key"),
      make("Bulk deleted key"),
    ]);
    for (const t of [clean, soft, drifted, gone, blocked, keyless]) await inSync(t.team_id);
    const editedAt = new Date();
    await inLiteLLM("/team/update", { team_id: drifted.team_id, rpm_limit: 9999 });
    await inLiteLLM("/team/delete", { team_ids: [gone.team_id] });
    await inLiteLLM("/key/block", { key: hashKey(blocked.virtual_key!) });
    await inLiteLLM("/key/delete", { keys: [hashKey(keyless.virtual_key!)] });

    const since = liteLLMDouble().state.requests().length;
    const found = await findDrift();
    expect(Object.fromEntries([clean, soft, drifted, gone, blocked, keyless].map((t) => [t.team_id, found.drifted.get(t.team_id) ?? "in step"]))).toEqual({
      [clean.team_id]: "in step",
      [soft.team_id]: "in step",
      [drifted.team_id]: "drift",
      [gone.team_id]: "missing",
      [blocked.team_id]: "key",
      [keyless.team_id]: "key",
    });
    // Read from the lists alone: no per-team lookups.
    const calls = liteLLMDouble().state.requests().slice(since).map((r) => r.url);
    expect(calls.filter((url) => url.startsWith("/v2/team/list") || url.startsWith("/key/list")).length).toBe(found.pages);
    expect(calls.filter((url) => [clean, soft].some((t) => url.includes(t.team_id) || url.includes(hashKey(t.virtual_key!))))).toEqual([]);

    expect(await reconcile()).toMatchObject({ compared: true, pages: expect.any(Number) });

    await waitFor("the drift to be put back", async () => litellmTeams(drifted.team_id)[0]?.rpm_limit === 10);
    await waitFor("the missing team to be created again", async () => litellmTeams(gone.team_id).length === 1 && liveLiteLLMKeys(gone.team_id).length === 1);
    await waitFor("the blocked key to be unblocked", async () => liveLiteLLMKeys(blocked.team_id)[0]?.blocked === false);
    await waitFor("the deleted key to be generated again", async () => liveLiteLLMKeys(keyless.team_id).length === 1);
    for (const t of [drifted, gone, blocked, keyless]) await waitFor(`the repair of ${t.name} to be audited`, async () => (await repairsOf(t.team_id)).length > 0);
    expect((await chat(keyless.virtual_key!, "gpt-3.5-turbo")).status).toBe(200);
    expect((await chat(blocked.virtual_key!, "gpt-3.5-turbo")).status).toBe(200);
    // Syncs went to the four teams that differ (from this reconcile or the worker's own), never to the two in step.
    const sent = await db().execute<{ key: string }>(
      sql`select singleton_key as key from pgboss.job where name = 'sync-team' and data->>'reason' = 'reconcile' and created_on >= ${editedAt.toISOString()}::timestamptz`,
    );
    const sentTo = new Set(Array.from(sent as Iterable<{ key: string }>, (r) => r.key));
    expect([clean, soft, drifted, gone, blocked, keyless].map((t) => sentTo.has(t.team_id))).toEqual([false, false, true, true, true, true]);
    const after = await findDrift();
    expect([clean, soft, drifted, gone, blocked, keyless].filter((t) => after.drifted.has(t.team_id))).toEqual([]);
  });

  it("deletes a team from LiteLLM, keeping our history; its model group can then be deleted", async () => {
    const group = await createModelGroup(admin, { name: `gone-${suffix()}`, models: ["gpt-3.5-turbo"] });
    const team = await createTeam(admin, { name: `Delete ${suffix()}`, organization_id: orgId, model_groups: [group.name] });
    expect(await deleteTeam(admin, { team_id: team.team_id })).toEqual({ team_id: team.team_id, name: team.name, deleted: true });
    await waitFor("LiteLLM to lose the team", async () => litellmTeams(team.team_id).length === 0);
    expect((await chat(team.virtual_key!, "gpt-3.5-turbo")).status).toBe(401);
    await waitFor("the key to be revoked", async () => (await keysOfTeam(db(), team.team_id)).every((k) => k.status === "revoked"));
    expect((await refusal(getTeam(admin, { team_id: team.team_id }))).code).toBe("NOT_FOUND");
    await expect(deleteModelGroup(admin, { model_group_id: group.model_group_id })).resolves.toEqual({ deleted: true });
  });
});

describe("checks where the mistake is made", () => {
  it("refuses model names LiteLLM does not serve, listing the valid ones", async () => {
    const error = await refusal(createModelGroup(admin, { name: `bad-${suffix()}`, models: ["GPT-3.5-turbo", "gpt-5"] }));
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.fieldErrors?.models?.[0]).toContain("GPT-3.5-turbo (did you mean gpt-3.5-turbo? names are case-sensitive)");
    expect(error.userMessage).toContain("Valid names: gpt-3.5-turbo, gpt-4-turbo");
  });

  it("saves a group as unverified while LiteLLM is unreachable", async () => {
    liteLLMDouble().fault("/model/info", { kind: "error500", count: 100 });
    const group = await createModelGroup(admin, { name: `later-${suffix()}`, models: ["gpt-3.5-turbo"] });
    liteLLMDouble().clearFaults();
    expect(group.verification).toBe("unverified");
    expect(group.verification_error).toContain("LiteLLM could not be asked");
    // The scheduled reconcile checks it again once LiteLLM answers.
    await reconcile();
    expect((await getModelGroup(admin, { model_group_id: group.model_group_id })).verification).toBe("verified");
  });

  it("names each bad team field", async () => {
    const org = await createOrganization(admin, { name: `Fields ${suffix()}`, litellm_organization_id: `fields-${suffix()}` });
    const bad = await refusal(
      createTeam(admin, { name: "", organization_id: org.organization_id, model_groups: [], max_budget: -5, budget_duration: "30 days", rpm_limit: 0, tpm_limit: 1.5 }),
    );
    expect(bad.code).toBe("BAD_REQUEST");
    expect(Object.keys(bad.fieldErrors ?? {}).sort()).toEqual(["budget_duration", "max_budget", "model_groups", "name", "rpm_limit", "tpm_limit"]);
    expect(bad.fieldErrors?.max_budget).toEqual(["max_budget cannot be negative"]);
    const notNumber = await refusal(createTeam(admin, { name: "X", organization_id: org.organization_id, model_groups: ["basic"], max_budget: "lots" as never }));
    expect(notNumber.fieldErrors?.max_budget?.[0]).toContain("must be a number");
    const unknownOrg = await refusal(createTeam(admin, { name: "X", organization_id: "nope", model_groups: ["basic"] }));
    expect(unknownOrg.fieldErrors?.organization_id).toEqual(["Unknown organization"]);
    const unknownGroup = await refusal(createTeam(admin, { name: "X", organization_id: org.organization_id, model_groups: ["no-such-group"] }));
    expect(unknownGroup.fieldErrors?.model_groups?.[0]).toContain("no-such-group");
  });

  it("viewers read but change nothing", async () => {
    const viewer = await createAdminAccount(masterActor, { email: uniqueEmail("viewer"), name: "V", role: "viewer", password: "viewer password 1" });
    const actor: Actor = { userId: viewer.id, name: "V", email: viewer.email, role: "viewer", via: "web" };
    const error = await refusal(createOrganization(actor, { name: "Nope", litellm_organization_id: "nope" }));
    expect(error.code).toBe("FORBIDDEN");
    expect((await refusal(createModelGroup(actor, { name: "nope", models: ["gpt-3.5-turbo"] }))).code).toBe("FORBIDDEN");
  });
});
