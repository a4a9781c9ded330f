import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { insertOrganization } from "../../db/queries/organizations.ts";
import { insertTeam } from "../../db/queries/teams.ts";
import { insertUsageRows, type UsageRowInput } from "../../db/queries/usage.ts";
import { masterActor } from "../../test/factories.ts";
import { rest } from "../../test/rest.ts";
import { TEST_MASTER_KEY } from "../../test/setup-db.ts";
import { db } from "~/lib/db.server";
import { AppError } from "~/lib/errors";
import type { Actor } from "~/auth/actor";
import { getTeamPriceList, setOrganizationPriceList, setTeamPriceList, unpricedModels } from "./price-lists.server.ts";

/**
 * Price lists and billing at ingestion (docs/billing.md): each stored request carries the billed
 * amount of the version in force at its start time, exactly, and the rollups carry it beside cost.
 */
const admin: Actor = { ...masterActor, via: "rest" };
const viewer: Actor = { userId: "viewer-prices", name: "Viewer", email: null, role: "viewer", via: "rest" };
const run = () => Math.random().toString(36).slice(2, 8);
const asAdmin = { "X-Admin-Key": TEST_MASTER_KEY };

const T0 = new Date("2026-10-01T00:00:00Z");
const CHANGE = new Date("2026-10-15T12:00:00Z");

async function makeOrg() {
  const org = (await insertOrganization(db(), { id: randomUUID(), name: `Prices Org ${run()}`, litellmOrganizationId: `prices-${run()}` }))!;
  const team = await insertTeam(db(), { id: `team-${randomUUID()}`, name: `Prices Team ${run()}`, organizationId: org.id });
  return { org, team: team! };
}

function row(teamId: string, at: Date, overrides: Partial<UsageRowInput> = {}): UsageRowInput {
  return {
    request_id: `chatcmpl-${randomUUID()}`,
    team_id: teamId,
    key_hash: "h",
    model_group: "gpt-4o",
    model: "openai/gpt-4o",
    prompt_tokens: 1234,
    completion_tokens: 567,
    total_tokens: 1801,
    spend: "0.0087555",
    start_time: at.toISOString(),
    end_time: new Date(at.getTime() + 300).toISOString(),
    latency_ms: 300,
    status: "success",
    end_user: null,
    session_id: null,
    metadata: null,
    ...overrides,
  };
}

async function stored(requestId: string) {
  const rows = await db().execute(sql`select billed::text as billed, price_version_id as "versionId" from usage_requests where request_id = ${requestId}`);
  return Array.from(rows as unknown as Iterable<{ billed: string; versionId: string | null }>)[0]!;
}

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe("billing at ingestion", () => {
  it("bills at cost without a price list, and by markup, exactly, once one is in force", async () => {
    const { org, team } = await makeOrg();
    const before = row(team.id, new Date("2026-09-30T23:59:59Z"));
    const after = row(team.id, new Date("2026-10-02T00:00:00Z"), { spend: "0.0000000001" });
    const list = await setOrganizationPriceList(admin, { organization_id: org.id, kind: "markup", markup_percent: 30 }, T0);
    expect(list.current?.version).toBe(1);
    expect(await insertUsageRows(db(), [before, after, row(team.id, new Date("2026-10-03T00:00:00Z"), { spend: "1.2345678901" })])).toBe(3);
    expect(await stored(before.request_id)).toEqual({ billed: "0.0087555000", versionId: null });
    // 1e-10 × 1.3 rounds to 1e-10 (the column's precision); 1.2345678901 × 1.3 = 1.60493825713 → 1.6049382571.
    expect(await stored(after.request_id)).toEqual({ billed: "0.0000000001", versionId: list.current!.version_id });
    const daily = await db().execute(sql`select sum(spend)::text as spend, sum(billed)::text as billed from usage_daily where team_id = ${team.id}`);
    expect(Array.from(daily as unknown as Iterable<unknown>)[0]).toEqual({ spend: "1.2433233902", billed: "1.6136937572" });
  });

  it("prices listed models per token, unlisted ones by the fallback markup or at cost, failed calls at cost", async () => {
    const { org, team } = await makeOrg();
    const v = await setOrganizationPriceList(
      admin,
      { organization_id: org.id, kind: "per_model", models: [{ model: "gpt-4o", input_per_million: "2.5", output_per_million: 10 }], fallback_markup_percent: "12.5" },
      T0,
    );
    const listed = row(team.id, new Date("2026-10-05T10:00:00Z"));
    const fallback = row(team.id, new Date("2026-10-05T10:00:01Z"), { model_group: "claude-3", spend: "0.004" });
    const failed = row(team.id, new Date("2026-10-05T10:00:02Z"), { status: "failure", spend: "0" });
    await insertUsageRows(db(), [listed, fallback, failed]);
    // 1234 × 2.5 / 1M + 567 × 10 / 1M = 0.003085 + 0.00567
    expect((await stored(listed.request_id)).billed).toBe("0.0087550000");
    expect((await stored(fallback.request_id)).billed).toBe("0.0045000000");
    expect((await stored(failed.request_id)).billed).toBe("0.0000000000");
    expect((await stored(listed.request_id)).versionId).toBe(v.current!.version_id);

    await setOrganizationPriceList(admin, { organization_id: org.id, kind: "per_model", models: [{ model: "gpt-4o", input_per_million: 3, output_per_million: 12 }] }, new Date("2026-10-06T00:00:00Z"));
    const atCost = row(team.id, new Date("2026-10-07T00:00:00Z"), { model_group: "claude-3", spend: "0.004" });
    await insertUsageRows(db(), [atCost]);
    expect((await stored(atCost.request_id)).billed).toBe("0.0040000000");
    expect((await unpricedModels(viewer, ["gpt-4o", "claude-3"], new Date("2026-10-07T00:00:00Z"))).map((m) => m.model)).toEqual(["claude-3"]);
  });

  it("bills calls before and after a change at their own prices, late rows included", async () => {
    const { org, team } = await makeOrg();
    await setOrganizationPriceList(admin, { organization_id: org.id, kind: "markup", markup_percent: 10 }, T0);
    await setOrganizationPriceList(admin, { organization_id: org.id, kind: "markup", markup_percent: 50, effective_at: CHANGE.toISOString() }, T0);
    const early = row(team.id, new Date(CHANGE.getTime() - 1), { spend: "1" });
    const late = row(team.id, CHANGE, { spend: "1" });
    await insertUsageRows(db(), [late]);
    // The call just before the change arrives after it (LiteLLM writes late): still the old price.
    await insertUsageRows(db(), [early]);
    expect((await stored(early.request_id)).billed).toBe("1.1000000000");
    expect((await stored(late.request_id)).billed).toBe("1.5000000000");
  });

  it("a team's own list wins from its effective time; inherit puts the team back on its organization's", async () => {
    const { org, team } = await makeOrg();
    const other = (await insertTeam(db(), { id: `team-${randomUUID()}`, name: `Other ${run()}`, organizationId: org.id }))!;
    await setOrganizationPriceList(admin, { organization_id: org.id, kind: "markup", markup_percent: 20 }, T0);
    await setTeamPriceList(admin, { team_id: team.id, kind: "markup", markup_percent: 5 }, new Date("2026-10-10T00:00:00Z"));
    await setTeamPriceList(admin, { team_id: team.id, kind: "inherit" }, new Date("2026-10-20T00:00:00Z"));
    const rows = [
      row(team.id, new Date("2026-10-05T00:00:00Z"), { spend: "1" }),
      row(team.id, new Date("2026-10-12T00:00:00Z"), { spend: "1" }),
      row(team.id, new Date("2026-10-21T00:00:00Z"), { spend: "1" }),
      row(other.id, new Date("2026-10-12T00:00:00Z"), { spend: "1" }),
    ];
    await insertUsageRows(db(), rows);
    expect(await Promise.all(rows.map(async (r) => (await stored(r.request_id)).billed))).toEqual(["1.2000000000", "1.0500000000", "1.2000000000", "1.2000000000"]);
    const list = await getTeamPriceList(viewer, { team_id: team.id }, new Date("2026-10-25T00:00:00Z"));
    expect(list.history.map((v) => [v.version, v.kind])).toEqual([
      [2, "inherit"],
      [1, "markup"],
    ]);
    expect(list.effective).toMatchObject({ source: "organization", version: { markup_percent: 20 } });
  });
});

describe("price-list input", () => {
  it("refuses a change effective in the past, and names the field of every mistake", async () => {
    const { org, team } = await makeOrg();
    const past = await refusal(setOrganizationPriceList(admin, { organization_id: org.id, kind: "markup", markup_percent: 30, effective_at: "2020-01-01T00:00:00Z" }));
    expect(past.code).toBe("BAD_REQUEST");
    expect(past.fieldErrors?.effective_at?.[0]).toMatch(/now .*or a later time/);
    const noPercent = await refusal(setOrganizationPriceList(admin, { organization_id: org.id, kind: "markup" }));
    expect(noPercent.fieldErrors?.markup_percent?.[0]).toMatch(/markup_percent, e.g. 30/);
    const decimals = await refusal(setOrganizationPriceList(admin, { organization_id: org.id, kind: "per_model", models: [{ model: "gpt-4o", input_per_million: "2.123456", output_per_million: 1 }] }));
    expect(JSON.stringify(decimals.fieldErrors)).toMatch(/at most 4 decimals/);
    const inherit = await refusal(setOrganizationPriceList(admin, { organization_id: org.id, kind: "inherit" }));
    expect(inherit.fieldErrors?.kind?.[0]).toMatch(/Only a team's own price list/);
    const twice = await refusal(
      setTeamPriceList(admin, {
        team_id: team.id,
        kind: "per_model",
        models: [
          { model: "a", input_per_million: 1, output_per_million: 1 },
          { model: "a", input_per_million: 2, output_per_million: 2 },
        ],
      }),
    );
    expect(JSON.stringify(twice.fieldErrors)).toMatch(/a is listed twice/);
    expect((await refusal(setOrganizationPriceList(viewer, { organization_id: org.id, kind: "markup", markup_percent: 1 }))).code).toBe("FORBIDDEN");
  });

  it("REST: set and read a price list; every version is kept", async () => {
    const { org } = await makeOrg();
    const first = await rest("POST", `/api/organizations/${org.id}/price-list`, { body: { kind: "markup", markup_percent: 30 }, headers: asAdmin });
    expect(first.status).toBe(200);
    const later = new Date(Date.now() + 86_400_000).toISOString();
    await rest("POST", `/api/organizations/${org.id}/price-list`, { body: { kind: "markup", markup_percent: "35.5", effective_at: later }, headers: asAdmin });
    const read = await rest("GET", `/api/organizations/${org.id}/price-list`, { headers: asAdmin });
    const body = read.body as { current: { markup_percent: number }; upcoming: Array<{ markup_percent: number; effective_at: string }>; history: unknown[] };
    expect(body.current.markup_percent).toBe(30);
    expect(body.upcoming).toEqual([expect.objectContaining({ markup_percent: 35.5, effective_at: later })]);
    expect(body.history).toHaveLength(2);
    const bad = await rest("POST", `/api/organizations/${org.id}/price-list`, { body: { kind: "markup", markup_percent: "lots" }, headers: asAdmin });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/markup_percent/);
  });
});
