/**
 * The test hooks over HTTP, for a double running as its own process (`npm run litellm:double`).
 * They live under /_double/, a path LiteLLM never uses, and need the master key.
 *
 *   POST /_double/flush                      write pending spend now
 *   POST /_double/budget-reset               run the budget-reset job once
 *   POST /_double/clock                      {"now": iso} | {"advance_ms": n} | {"real_time": true}
 *   POST /_double/fault                      {"route", "kind": "error500"|"hang"|"drop", "count"?, "hang_ms"?}
 *   POST /_double/clear-faults
 *   POST /_double/seed-spend-logs            {"rows": [...]} | {"count", "from", "to", "team_ids"?, "key_hashes"?, "models"?}
 *   POST /_double/long-call                  {"key", "model", "duration_ms", "prompt_tokens"?, "completion_tokens"?, "request_id"?}
 *                                            a long call just finished: its row (startTime duration_ms ago) lands at the next batch write
 *   GET  /_double/state                      counts of teams, keys, spend logs, pending spend and requests per route
 */
import type { Route, RouteContext } from "./auth.ts";
import { bareDetail, json } from "./errors.ts";
import type { DoubleState } from "./state.ts";
import type { Fault, LiteLLMDouble, SpendLogSeedRow } from "./types.ts";

export type HookControls = Pick<LiteLLMDouble, "flush" | "runBudgetReset" | "clock" | "fault" | "clearFaults" | "seedSpendLogs" | "finishLongCall"> & {
  requestCounts(): Record<string, number>;
  state: DoubleState;
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function body(ctx: RouteContext): Record<string, unknown> {
  if (ctx.bodyInvalid) throw bareDetail(400, "The body must be JSON.");
  if (ctx.body === undefined) return {};
  if (!isObject(ctx.body)) throw bareDetail(400, "The body must be a JSON object.");
  return ctx.body;
}

function date(value: unknown, name: string): Date {
  const d = typeof value === "string" || typeof value === "number" ? new Date(value) : null;
  if (!d || Number.isNaN(d.getTime())) throw bareDetail(400, `${name} must be an ISO-8601 date.`);
  return d;
}

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : undefined;
}

export function hookRoutes(controls: HookControls): Route[] {
  return [
    {
      method: "POST",
      path: "/_double/flush",
      access: "admin",
      handler: async (ctx) => {
        const pending = ctx.state.pendingCount();
        await controls.flush();
        return json({ ok: true, written: pending });
      },
    },
    {
      method: "POST",
      path: "/_double/budget-reset",
      access: "admin",
      handler: async () => {
        await controls.runBudgetReset();
        return json({ ok: true, now: controls.clock.now().toISOString() });
      },
    },
    {
      method: "POST",
      path: "/_double/clock",
      access: "admin",
      handler: (ctx) => {
        const b = body(ctx);
        if (b.real_time === true) controls.clock.useRealTime();
        else if (b.now !== undefined) controls.clock.set(date(b.now, "now"));
        else if (typeof b.advance_ms === "number" && Number.isFinite(b.advance_ms)) controls.clock.advance(b.advance_ms);
        else throw bareDetail(400, 'Send {"now": iso}, {"advance_ms": n} or {"real_time": true}.');
        return json({ now: controls.clock.now().toISOString() });
      },
    },
    {
      method: "POST",
      path: "/_double/fault",
      access: "admin",
      handler: (ctx) => {
        const b = body(ctx);
        if (typeof b.route !== "string" || !b.route.startsWith("/")) throw bareDetail(400, "route must be a path such as /team/new.");
        if (b.kind !== "error500" && b.kind !== "hang" && b.kind !== "drop") throw bareDetail(400, "kind must be error500, hang or drop.");
        const fault: Fault = { kind: b.kind };
        if (typeof b.count === "number") fault.count = b.count;
        const hangMs = b.hang_ms ?? b.hangMs;
        if (typeof hangMs === "number") fault.hangMs = hangMs;
        controls.fault(b.route, fault);
        return json({ ok: true });
      },
    },
    {
      method: "POST",
      path: "/_double/clear-faults",
      access: "admin",
      handler: () => {
        controls.clearFaults();
        return json({ ok: true });
      },
    },
    {
      method: "POST",
      path: "/_double/seed-spend-logs",
      access: "admin",
      handler: (ctx) => {
        const b = body(ctx);
        const before = ctx.state.logs.size;
        if (Array.isArray(b.rows)) {
          controls.seedSpendLogs(b.rows.filter(isObject) as SpendLogSeedRow[]);
        } else {
          if (typeof b.count !== "number" || b.count < 0) throw bareDetail(400, 'Send {"rows": [...]} or {"count", "from", "to", ...}.');
          controls.seedSpendLogs({
            count: Math.floor(b.count),
            from: date(b.from, "from"),
            to: date(b.to, "to"),
            teamIds: strings(b.team_ids ?? b.teamIds),
            keyHashes: strings(b.key_hashes ?? b.keyHashes),
            models: strings(b.models),
          });
        }
        return json({ ok: true, inserted: ctx.state.logs.size - before, total: ctx.state.logs.size });
      },
    },
    {
      method: "POST",
      path: "/_double/long-call",
      access: "admin",
      handler: (ctx) => {
        const b = body(ctx);
        const durationMs = b.duration_ms ?? b.durationMs;
        if (typeof b.key !== "string" || typeof b.model !== "string" || typeof durationMs !== "number" || durationMs < 0) {
          throw bareDetail(400, 'Send {"key", "model", "duration_ms"}.');
        }
        if (!ctx.state.findKey(b.key)) throw bareDetail(404, "No live key with that value.");
        const requestId = controls.finishLongCall({
          key: b.key,
          model: b.model,
          durationMs,
          promptTokens: typeof b.prompt_tokens === "number" ? b.prompt_tokens : undefined,
          completionTokens: typeof b.completion_tokens === "number" ? b.completion_tokens : undefined,
          requestId: typeof b.request_id === "string" ? b.request_id : undefined,
        });
        return json({ ok: true, request_id: requestId });
      },
    },
    {
      method: "GET",
      path: "/_double/state",
      access: "admin",
      handler: (ctx) =>
        json({
          now: controls.clock.now().toISOString(),
          compat: ctx.state.compat,
          teams: ctx.state.teams.size,
          keys: ctx.state.keys.size,
          deleted_keys: ctx.state.deletedKeys.length,
          spend_logs: ctx.state.logs.size,
          pending_spend: ctx.state.pendingCount(),
          requests: controls.requestCounts(),
        }),
    },
  ];
}
