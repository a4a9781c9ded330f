import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { liteLLMDouble } from "../../test/factories.ts";
import { rest } from "../../test/rest.ts";
import { TEST_MASTER_KEY } from "../../test/setup-db.ts";
import { startWorker, waitFor, type WorkerProcess } from "../../test/worker-process.ts";

/**
 * The seed's Phase 3 (INTEGRATION_FLOW.md), through REST with the seed's own requests, with the
 * real worker process provisioning into the LiteLLM double.
 */
const asAdmin = { "X-Admin-Key": TEST_MASTER_KEY };
const run = Math.random().toString(36).slice(2, 8);

describe("the seed's Phase 3 over REST", () => {
  let worker: WorkerProcess;
  beforeAll(async () => {
    worker = await startWorker();
  });
  afterAll(async () => {
    await worker.stop();
  });

  it("organization, model groups, team, then the team's virtual_key from its details", async () => {
    // The seed's curl: POST /api/organizations/create with {"name", "litellm_organization_id"}.
    const org = await rest("POST", "/api/organizations/create", {
      headers: asAdmin,
      body: { name: `Acme Corp ${run}`, litellm_organization_id: `acme-${run}` },
    });
    expect(org.status).toBe(200);
    expect(org.body).toMatchObject({ name: `Acme Corp ${run}`, litellm_organization_id: `acme-${run}`, description: null });

    const basic = await rest("POST", "/api/model-groups/create", {
      headers: asAdmin,
      body: { name: `basic-models-${run}`, models: ["gpt-3.5-turbo"], description: "Fast, cost-effective models" },
    });
    expect(basic.status).toBe(200);
    expect(basic.body.verification).toBe("verified");
    // The seed's premium group names claude-3-sonnet and claude-3-opus; this LiteLLM does not serve them.
    const premium = await rest("POST", "/api/model-groups/create", {
      headers: asAdmin,
      body: { name: `premium-models-${run}`, models: ["gpt-4-turbo", "claude-3-sonnet", "claude-3-opus"], description: "Most capable models" },
    });
    expect(premium.status).toBe(400);
    expect(premium.body.error.fieldErrors.models[0]).toContain("claude-3-sonnet, claude-3-opus");
    expect(premium.body.error.message).toContain("Valid names: gpt-3.5-turbo, gpt-4-turbo");

    const team = await rest("POST", "/api/teams/create", {
      headers: asAdmin,
      body: {
        name: "Acme Dev Team",
        organization_id: org.body.organization_id,
        model_groups: [`basic-models-${run}`],
        max_budget: 100.0,
        budget_duration: "30d",
        rpm_limit: 100,
        tpm_limit: 50000,
      },
    });
    expect(team.status).toBe(200);
    expect(team.body).toMatchObject({ name: "Acme Dev Team", models: ["gpt-3.5-turbo"] });
    // Usually the key is in the answer; on a loaded machine the answer may say "provisioning" instead.
    if (team.body.provisioning) expect(team.body.virtual_key).toBeNull();
    else expect(team.body.virtual_key).toMatch(/^sk-/);

    // "After creating team, view team details, copy the virtual_key."
    const details = await waitFor("the team to be provisioned", async () => {
      const res = await rest("GET", `/api/teams/${team.body.team_id}`, { headers: asAdmin });
      return res.body.virtual_key ? res : undefined;
    });
    expect(details.status).toBe(200);
    expect(details.body.sync.state).toBe("in_sync");
    if (team.body.virtual_key) expect(details.body.virtual_key).toBe(team.body.virtual_key);

    // Step 2 of the request flow: the customer's app calls LiteLLM with the key.
    const chat = await fetch(`${liteLLMDouble().url}/chat/completions`, {
      method: "POST",
      headers: { Authorization: `Bearer ${details.body.virtual_key}`, "Content-Type": "application/json" },
      body: JSON.stringify({ model: "gpt-3.5-turbo", messages: [{ role: "user", content: "Hello, world!" }] }),
    });
    expect(chat.status).toBe(200);
    const completion = (await chat.json()) as { choices: Array<{ message: { content: string } }> };
    expect(completion.choices[0].message.content).toEqual(expect.any(String));

    // All teams: GET /api/teams.
    const all = await rest("GET", "/api/teams", { headers: asAdmin });
    expect(all.body.map((t: { team_id: string }) => t.team_id)).toContain(team.body.team_id);
    expect(all.body.find((t: { team_id: string }) => t.team_id === team.body.team_id).virtual_key).toBeNull();
  });

  it("names the bad field in every front door's answer", async () => {
    const bad = await rest("POST", "/api/teams/create", { headers: asAdmin, body: { name: "X", organization_id: "nope", model_groups: [], max_budget: "lots", rpm_limit: -1 } });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.fieldErrors).sort()).toEqual(["max_budget", "model_groups", "rpm_limit"]);
    const unknownOrg = await rest("POST", "/api/teams/create", { headers: asAdmin, body: { name: "X", organization_id: "nope", model_groups: ["basic"] } });
    expect(unknownOrg.status).toBe(400);
    expect(unknownOrg.body.error.fieldErrors).toEqual({ organization_id: ["Unknown organization"] });
    const missing = await rest("GET", "/api/teams/team-does-not-exist", { headers: asAdmin });
    expect(missing.status).toBe(404);
    const dupOrgName = `Dup ${run}`;
    await rest("POST", "/api/organizations/create", { headers: asAdmin, body: { name: dupOrgName, litellm_organization_id: `dup-${run}` } });
    const dup = await rest("POST", "/api/organizations/create", { headers: asAdmin, body: { name: dupOrgName, litellm_organization_id: `dup2-${run}` } });
    expect(dup.status).toBe(409);
    expect(dup.body.error.fieldErrors).toEqual({ name: ["An organization with this name already exists"] });
  });

  it("suspends and resumes over REST, and the key follows", async () => {
    const org = await rest("POST", "/api/organizations/create", { headers: asAdmin, body: { name: `Suspend Org ${run}`, litellm_organization_id: `sus-${run}` } });
    const group = await rest("POST", "/api/model-groups/create", { headers: asAdmin, body: { name: `sus-models-${run}`, models: ["gpt-3.5-turbo"] } });
    const created = await rest("POST", "/api/teams/create", { headers: asAdmin, body: { name: "Suspended", organization_id: org.body.organization_id, model_groups: [group.body.name] } });
    const team = await waitFor("the key", async () => {
      const res = await rest("GET", `/api/teams/${created.body.team_id}`, { headers: asAdmin });
      return res.body.virtual_key ? res : undefined;
    });
    const call = () =>
      fetch(`${liteLLMDouble().url}/chat/completions`, {
        method: "POST",
        headers: { Authorization: `Bearer ${team.body.virtual_key}`, "Content-Type": "application/json" },
        body: JSON.stringify({ model: "gpt-3.5-turbo", messages: [{ role: "user", content: "hi" }] }),
      }).then((r) => r.status);
    expect((await rest("POST", `/api/teams/${team.body.team_id}/suspend`, { headers: asAdmin })).body.status).toBe("suspended");
    await waitFor("the block to reach LiteLLM", async () => (await call()) === 401);
    await rest("POST", `/api/teams/${team.body.team_id}/resume`, { headers: asAdmin });
    await waitFor("the unblock to reach LiteLLM", async () => (await call()) === 200);
  });
});
