import { describe, expect, it } from "vitest";
import { nextBudgetResetAt } from "./durations.ts";
import { COMPATS, chat, get, post, teamWithKey, useDouble } from "./test-helpers.ts";

// 2025-11-25 is a Tuesday.
const NOW = new Date("2025-11-25T10:17:42.500Z");

describe("CONTRACT §2 budget_duration → calendar-aligned budget_reset_at (UTC)", () => {
  it.each([
    ["1d", "2025-11-26T00:00:00.000Z", "next midnight"],
    ["7d", "2025-12-01T00:00:00.000Z", "next Monday"],
    ["1w", "2025-12-01T00:00:00.000Z", "next Monday"],
    ["30d", "2025-12-01T00:00:00.000Z", "1st of next month"],
    ["1mo", "2025-12-01T00:00:00.000Z", "1st of next month"],
    ["2d", "2025-11-27T00:00:00.000Z", "today's midnight + N days"],
    ["6h", "2025-11-25T12:00:00.000Z", "next aligned hour boundary"],
    ["1h", "2025-11-25T11:00:00.000Z", "next hour"],
    ["15m", "2025-11-25T10:30:00.000Z", "next aligned minute boundary"],
    ["30s", "2025-11-25T10:18:00.000Z", "next aligned second boundary"],
    ["soon", "2025-11-26T00:00:00.000Z", "unparseable → next midnight"],
  ])("§2 %s → %s (%s)", (duration, expected) => {
    expect(nextBudgetResetAt(duration, NOW).toISOString()).toBe(expected);
  });

  it("§2 7d on a Monday → the Monday after", () => {
    expect(nextBudgetResetAt("7d", new Date("2025-12-01T08:00:00Z")).toISOString()).toBe("2025-12-08T00:00:00.000Z");
  });

  it("§2 30d in December → 1 January", () => {
    expect(nextBudgetResetAt("30d", new Date("2025-12-15T08:00:00Z")).toISOString()).toBe("2026-01-01T00:00:00.000Z");
  });
});

describe.each(COMPATS)("CONTRACT §2 the budget-reset job (%s)", (compat) => {
  const budgetStatus = compat === "current" ? 429 : 400;
  const d = useDouble({ compat, now: NOW });

  it("§2 ResetBudgetJob: due keys and teams get spend 0 and the next reset; it does not run by itself", async () => {
    d.current.clock.set(NOW);
    const { rawKey, token, teamId } = await teamWithKey(d.current, { max_budget: 100, budget_duration: "1d" }, { max_budget: 0.000001, budget_duration: "1d" });
    await chat(d.current, rawKey);
    await d.current.flush();
    expect((await chat(d.current, rawKey)).status).toBe(budgetStatus);

    d.current.clock.set(new Date("2025-11-26T00:05:00Z")); // past budget_reset_at, job not yet run
    expect((await chat(d.current, rawKey)).status).toBe(budgetStatus);

    await d.current.runBudgetReset();
    const key = (await get(d.current, `/key/info?key=${token}`)).body.info;
    expect(key).toMatchObject({ spend: 0, budget_reset_at: "2025-11-27T00:00:00.000Z" });
    const team = (await get(d.current, `/team/info?team_id=${teamId}`)).body.team_info;
    expect(team).toMatchObject({ spend: 0, budget_reset_at: "2025-11-27T00:00:00.000Z" });
    expect((await chat(d.current, rawKey)).status).toBe(200);
    expect(d.current.state.spendLogs().filter((l) => l.api_key === token)).toHaveLength(1); // history kept
  });

  it("§2 ResetBudgetJob: keys not yet due are untouched; expired keys are skipped", async () => {
    d.current.clock.set(NOW);
    const notDue = await teamWithKey(d.current, {}, { budget_duration: "30d" });
    const expired = await teamWithKey(d.current, {}, { budget_duration: "1d", duration: "1h" });
    for (const k of [notDue, expired]) await post(d.current, "/key/update", { key: k.rawKey, spend: 2 });
    d.current.clock.set(new Date("2025-11-26T01:00:00Z"));
    await d.current.runBudgetReset();
    expect((await get(d.current, `/key/info?key=${notDue.token}`)).body.info.spend).toBe(2);
    const e = (await get(d.current, `/key/info?key=${expired.token}`)).body.info;
    expect(e).toMatchObject({ spend: 2, budget_reset_at: "2025-11-26T00:00:00.000Z" });
  });

  it("§2 ResetBudgetJob over HTTP: POST /_double/clock then POST /_double/budget-reset", async () => {
    d.current.clock.set(NOW);
    const { rawKey, token } = await teamWithKey(d.current, {}, { budget_duration: "1h" });
    await post(d.current, "/key/update", { key: rawKey, spend: 3 });
    const clock = await post(d.current, "/_double/clock", { now: "2025-11-25T11:30:00Z" });
    expect(clock.body).toEqual({ now: "2025-11-25T11:30:00.000Z" });
    expect((await post(d.current, "/_double/budget-reset", {})).status).toBe(200);
    const info = (await get(d.current, `/key/info?key=${token}`)).body.info;
    expect(info).toMatchObject({ spend: 0, budget_reset_at: "2025-11-25T12:00:00.000Z" });
    expect((await post(d.current, "/_double/clock", { advance_ms: 60_000 })).body.now).toBe("2025-11-25T11:31:00.000Z");
  });
});
