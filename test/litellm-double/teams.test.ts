import { describe, expect, it } from "vitest";
import { COMPATS, chat, get, post, teamWithKey, uid, useDouble } from "./test-helpers.ts";

describe.each(COMPATS)("CONTRACT §1 /team/* (%s)", (compat) => {
  const now = new Date("2025-11-25T10:00:00Z");
  const d = useDouble({ compat, now });

  describe("POST /team/new", () => {
    it("§1 /team/new: defaults, a uuid team_id, the caller auto-added as admin", async () => {
      const r = await post(d.current, "/team/new", { team_alias: "Acme" });
      expect(r.status).toBe(200);
      expect(r.body.team_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(r.body).toMatchObject({
        team_alias: "Acme",
        organization_id: null,
        admins: [],
        members: [],
        members_with_roles: [{ user_id: "default_user_id", user_email: null, role: "admin" }],
        metadata: {},
        tpm_limit: null,
        rpm_limit: null,
        max_budget: null,
        budget_duration: null,
        budget_reset_at: null,
        models: [],
        blocked: false,
        spend: 0,
        max_parallel_requests: null,
        model_id: null,
      });
      expect(r.body.created_at).toBe(now.toISOString());
    });

    it("§1 /team/new: given members keep their roles, the caller is added", async () => {
      const r = await post(d.current, "/team/new", { members_with_roles: [{ role: "user", user_id: "u1" }] });
      expect(r.body.members_with_roles).toEqual([
        { user_id: "u1", user_email: null, role: "user" },
        { user_id: "default_user_id", user_email: null, role: "admin" },
      ]);
    });

    it("§1 /team/new + §2 budget_duration: budget_reset_at is calendar-aligned (30d → 1st of next month)", async () => {
      const r = await post(d.current, "/team/new", { max_budget: 10, budget_duration: "30d" });
      expect(r.body).toMatchObject({ max_budget: 10, budget_duration: "30d", budget_reset_at: "2025-12-01T00:00:00.000Z" });
    });

    it("§1 /team/new: duplicate team_id → 400 HE \"{'error': 'Team id = X already exists. …'}\"", async () => {
      const id = uid("dup");
      await post(d.current, "/team/new", { team_id: id });
      const r = await post(d.current, "/team/new", { team_id: id });
      expect(r.status).toBe(400);
      expect(r.body.error).toEqual({
        message: `{'error': 'Team id = ${id} already exists. Please use a different team id.'}`,
        type: "internal_server_error",
        param: "None",
        code: "400",
      });
    });

    it("§1 /team/new: per-member defaults create a budget row named in metadata.team_member_budget_id", async () => {
      const r = await post(d.current, "/team/new", { team_member_budget: 2 });
      const id = r.body.metadata.team_member_budget_id;
      expect(id).toEqual(expect.any(String));
      const info = await get(d.current, `/team/info?team_id=${r.body.team_id}`);
      expect(info.body.team_info.team_member_budget_table).toMatchObject({ budget_id: id, max_budget: 2 });
    });
  });

  describe("POST /team/update", () => {
    it("§1 /team/update: {team_id, data: updated row}; only sent fields change", async () => {
      const id = uid("upd");
      await post(d.current, "/team/new", { team_id: id, max_budget: 5, models: ["gpt-3.5-turbo"] });
      const r = await post(d.current, "/team/update", { team_id: id, tpm_limit: 100 });
      expect(r.status).toBe(200);
      expect(r.body.team_id).toBe(id);
      expect(r.body.data).toMatchObject({ team_id: id, tpm_limit: 100, max_budget: 5, models: ["gpt-3.5-turbo"] });
    });

    it("§1 /team/update: budget_duration recomputes budget_reset_at and keeps spend (#34492)", async () => {
      const { teamId, rawKey } = await teamWithKey(d.current);
      await chat(d.current, rawKey);
      await d.current.flush();
      const r = await post(d.current, "/team/update", { team_id: teamId, budget_duration: "1d" });
      expect(r.body.data.budget_reset_at).toBe("2025-11-26T00:00:00.000Z");
      expect(r.body.data.spend).toBeGreaterThan(0);
    });

    it("§1 /team/update: organization_id '' unsets the org", async () => {
      const id = uid("org");
      await post(d.current, "/team/new", { team_id: id, organization_id: "o1" });
      const r = await post(d.current, "/team/update", { team_id: id, organization_id: "" });
      expect(r.body.data.organization_id).toBeNull();
    });

    it("§1 /team/update: unknown team → 404; current: ProxyException through handle_exception_on_proxy, legacy: bare {detail}", async () => {
      const r = await post(d.current, "/team/update", { team_id: "ghost", max_budget: 1 });
      expect(r.status).toBe(404);
      if (compat === "current") {
        expect(r.body).toEqual({ error: { message: "{'error': 'Team not found, passed team_id=ghost'}", type: "internal_server_error", param: "None", code: "404" } });
      } else {
        expect(r.body).toEqual({ detail: { error: "Team not found, passed team_id=ghost" } });
      }
    });

    it("§1 /team/update: metadata replaces the stored metadata wholesale (team_member_budget_id set on LiteLLM's side is lost)", async () => {
      const created = await post(d.current, "/team/new", { team_member_budget: 2, metadata: { ours: 1 } });
      const id = created.body.team_id;
      expect(created.body.metadata).toEqual({ ours: 1, team_member_budget_id: expect.any(String) });
      const r = await post(d.current, "/team/update", { team_id: id, metadata: { ours: 2 } });
      expect(r.body.data.metadata).toEqual({ ours: 2 });
      expect((await get(d.current, `/team/info?team_id=${id}`)).body.team_info.metadata).toEqual({ ours: 2 });
      // Without `metadata` in the body it is kept.
      expect((await post(d.current, "/team/update", { team_id: id, rpm_limit: 1 })).body.data.metadata).toEqual({ ours: 2 });
    });
  });

  describe("GET /team/info", () => {
    it("§1 /team/info: {team_id, team_info, keys (non-expired, no token), team_memberships}", async () => {
      const { teamId, rawKey } = await teamWithKey(d.current, { team_alias: "Info" });
      const keyName = `sk-...${rawKey.slice(-4)}`;
      const expiring = await post(d.current, "/key/generate", { team_id: teamId, duration: "1h" });
      const r1 = await get(d.current, `/team/info?team_id=${teamId}`);
      expect(r1.status).toBe(200);
      expect(Object.keys(r1.body)).toEqual(["team_id", "team_info", "keys", "team_memberships"]);
      expect(r1.body.team_info).toMatchObject({ team_id: teamId, team_alias: "Info", team_member_budget_table: null });
      expect(r1.body.keys).toHaveLength(2);
      for (const k of r1.body.keys) expect(k).not.toHaveProperty("token");
      expect(r1.body.team_memberships).toEqual([]);

      d.current.clock.advance(2 * 3600_000);
      const r2 = await get(d.current, `/team/info?team_id=${teamId}`);
      expect(r2.body.keys).toHaveLength(1);
      expect(r2.body.keys[0].key_name).toBe(keyName);
      expect(r2.body.keys[0].key_name).not.toBe(expiring.body.key_name);
    });

    it("§1 /team/info: unknown team → 404 auth_error \"{'message': 'Team not found, passed team id: X.'}\"", async () => {
      const r = await get(d.current, "/team/info?team_id=ghost");
      expect(r.status).toBe(404);
      expect(r.body.error).toEqual({ message: "{'message': 'Team not found, passed team id: ghost.'}", type: "auth_error", param: "None", code: "404" });
    });

    it("§1 /team/info: missing team_id → 422 in the same ProxyException wrapper", async () => {
      const r = await get(d.current, "/team/info");
      expect(r.status).toBe(422);
      expect(r.body.error).toMatchObject({ type: "auth_error", code: "422" });
    });
  });

  describe("POST /team/delete", () => {
    it("§1 /team/delete: {deleted_teams}; the team's keys are deleted too", async () => {
      const { teamId, rawKey } = await teamWithKey(d.current);
      const r = await post(d.current, "/team/delete", { team_ids: [teamId] });
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ deleted_teams: [teamId] });
      expect((await get(d.current, `/key/info?key=${rawKey}`)).status).toBe(404);
      expect((await get(d.current, `/team/info?team_id=${teamId}`)).status).toBe(404);
    });

    it("§1 /team/delete: every id is validated first; one unknown → 404 bare detail and nothing deleted", async () => {
      const { teamId } = await teamWithKey(d.current);
      const r = await post(d.current, "/team/delete", { team_ids: [teamId, "ghost"] });
      expect(r.status).toBe(404);
      expect(r.body).toEqual({ detail: { error: "Team not found, passed team_id=ghost" } });
      expect((await get(d.current, `/team/info?team_id=${teamId}`)).status).toBe(200);
    });
  });

  describe("POST /team/block, /team/unblock", () => {
    it("§1 /team/block: the row with blocked=true; its keys get 401 'Team=<id> is blocked' (§2)", async () => {
      const { teamId, rawKey } = await teamWithKey(d.current);
      const r = await post(d.current, "/team/block", { team_id: teamId });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ team_id: teamId, blocked: true });
      // Nothing cached the team yet: the first request reads the row.
      const c = await chat(d.current, rawKey);
      expect(c.status).toBe(401);
      expect(c.body.error).toEqual({
        message: `Authentication Error, Team=${teamId} is blocked. Update via \`/team/unblock\` if you're an admin.`,
        type: "auth_error",
        param: "None",
        code: "401",
      });
      expect((await post(d.current, "/team/unblock", { team_id: teamId })).body.blocked).toBe(false);
      d.current.clock.advance(60_000);
      expect((await chat(d.current, rawKey)).status).toBe(200);
    });

    it("§1 /team/block and /team/unblock take effect late: the in-memory team cache (60 s, DEFAULT_MANAGEMENT_OBJECT_IN_MEMORY_CACHE_TTL) is not refreshed", async () => {
      const { teamId, rawKey } = await teamWithKey(d.current);
      expect((await chat(d.current, rawKey)).status).toBe(200); // the team is now cached
      await post(d.current, "/team/block", { team_id: teamId });
      expect((await chat(d.current, rawKey)).status).toBe(200);
      d.current.clock.advance(59_000);
      expect((await chat(d.current, rawKey)).status).toBe(200);
      d.current.clock.advance(1_000);
      expect((await chat(d.current, rawKey)).status).toBe(401);
      await post(d.current, "/team/unblock", { team_id: teamId });
      expect((await chat(d.current, rawKey)).status).toBe(401);
      d.current.clock.advance(60_000);
      expect((await chat(d.current, rawKey)).status).toBe(200);
    });

    it("§1 /team/update with blocked refreshes the in-memory team cache: it bites at once", async () => {
      const { teamId, rawKey } = await teamWithKey(d.current);
      expect((await chat(d.current, rawKey)).status).toBe(200);
      expect((await post(d.current, "/team/update", { team_id: teamId, blocked: true })).body.data.blocked).toBe(true);
      expect((await chat(d.current, rawKey)).status).toBe(401);
      await post(d.current, "/team/update", { team_id: teamId, blocked: false });
      expect((await chat(d.current, rawKey)).status).toBe(200);
    });

    it("§1 /team/block and /team/unblock: unknown team → 404 bare detail", async () => {
      for (const path of ["/team/block", "/team/unblock"]) {
        const r = await post(d.current, path, { team_id: "ghost" });
        expect(r.status).toBe(404);
        expect(r.body).toEqual({ detail: { error: "Team not found, passed team_id=ghost" } });
      }
    });
  });

  describe("GET /v2/team/list (LiteLLM list_team_v2)", () => {
    it("pages team rows with total and total_pages; page_size up to 100, 422 above; newest first by default", async () => {
      const alias = uid("listed");
      for (let i = 0; i < 5; i++) {
        await post(d.current, "/team/new", { team_id: `${alias}-${i}`, team_alias: `${alias} ${i}` });
        d.current.clock.advance(1000);
      }
      const p1 = await get(d.current, `/v2/team/list?team_alias=${encodeURIComponent(alias.toUpperCase())}&page_size=2`);
      expect(p1.status).toBe(200);
      expect(p1.body).toMatchObject({ total: 5, page: 1, page_size: 2, total_pages: 3 });
      expect(p1.body.teams.map((t: { team_id: string }) => t.team_id)).toEqual([`${alias}-4`, `${alias}-3`]);
      expect(p1.body.teams[0]).toMatchObject({ team_alias: `${alias} 4`, blocked: false, models: [], metadata: {} });
      expect(p1.body.teams[0]).not.toHaveProperty("keys");
      const byId = await get(d.current, `/v2/team/list?team_alias=${alias}&page_size=2&page=3&sort_by=team_id&sort_order=asc`);
      expect(byId.body.teams.map((t: { team_id: string }) => t.team_id)).toEqual([`${alias}-4`]);
      const past = await get(d.current, `/v2/team/list?team_alias=${alias}&page_size=2&page=4`);
      expect(past.body).toMatchObject({ teams: [], total: 5, page: 4 });
      const tooBig = await get(d.current, "/v2/team/list?page_size=101");
      expect(tooBig.status).toBe(422);
      expect(JSON.stringify(tooBig.body)).toContain("less than or equal to 100");
    });
  });

  describe("POST /team/model/add, /team/model/delete", () => {
    it("§1 /team/model/add: from [] (all access) → ['all-proxy-models', …new]; delete removes", async () => {
      const id = uid("models");
      await post(d.current, "/team/new", { team_id: id });
      const r = await post(d.current, "/team/model/add", { team_id: id, models: ["gpt-4-turbo"] });
      expect(r.status).toBe(200);
      expect([...r.body.models].sort()).toEqual(["all-proxy-models", "gpt-4-turbo"]);
      const r2 = await post(d.current, "/team/model/add", { team_id: id, models: ["gpt-4-turbo", "gpt-3.5-turbo"] });
      expect([...r2.body.models].sort()).toEqual(["all-proxy-models", "gpt-3.5-turbo", "gpt-4-turbo"]);
      const r3 = await post(d.current, "/team/model/delete", { team_id: id, models: ["gpt-4-turbo"] });
      expect([...r3.body.models].sort()).toEqual(["all-proxy-models", "gpt-3.5-turbo"]);
    });

    it("§1 /team/model/add: unknown team → 404 bare detail", async () => {
      const r = await post(d.current, "/team/model/add", { team_id: "ghost", models: ["x"] });
      expect(r.status).toBe(404);
      expect(r.body).toEqual({ detail: { error: "Team not found, passed team_id=ghost" } });
    });
  });
});

describe("CONTRACT §1 /team/block with the team cache off (teamCacheTtlMs: 0)", () => {
  const d = useDouble({ teamCacheTtlMs: 0 });

  it("§1 /team/block: with no cache every request reads the row", async () => {
    const { teamId, rawKey } = await teamWithKey(d.current);
    expect((await chat(d.current, rawKey)).status).toBe(200);
    await post(d.current, "/team/block", { team_id: teamId });
    expect((await chat(d.current, rawKey)).status).toBe(401);
    await post(d.current, "/team/unblock", { team_id: teamId });
    expect((await chat(d.current, rawKey)).status).toBe(200);
  });
});
