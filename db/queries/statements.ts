import { and, desc, eq, gte, inArray, isNull, lt, sql, type SQL } from "drizzle-orm";
import { ledgerEntries, statements, usageDaily, usageHourly, usageRequests } from "../schema/index.ts";
import type { Db } from "./types.ts";
import { splitWindow, type Segment } from "./usage.ts";

/**
 * Statements (docs/statements.md): closed statements (one immutable row each), and the usage and
 * ledger figures a statement is built from, read from the rollups where whole hours and days allow.
 */

export type StatementRow = typeof statements.$inferSelect;

/** Scope of a statement: the organization's (teamId null) or one team's. */
export type StatementScope = { organizationId: string; teamId: string | null };

function rowsOf<T>(result: unknown): T[] {
  return Array.from(result as Iterable<T>);
}

const scopeWhere = (scope: StatementScope): SQL =>
  and(eq(statements.organizationId, scope.organizationId), scope.teamId === null ? isNull(statements.teamId) : eq(statements.teamId, scope.teamId))!;

/** Inserts a closed statement unless its period is already closed; the row, or undefined when it was. Never updates. */
export async function insertStatement(db: Db, values: typeof statements.$inferInsert): Promise<StatementRow | undefined> {
  const rows = await db.insert(statements).values(values).onConflictDoNothing().returning();
  return rows[0];
}

export async function findStatementById(db: Db, id: string): Promise<StatementRow | undefined> {
  const rows = await db.select().from(statements).where(eq(statements.id, id)).limit(1);
  return rows[0];
}

/** The scope's closed statements, newest first (at most `limit`), optionally only those that start before `before`. */
export async function closedStatements(db: Db, scope: StatementScope, options: { before?: Date; limit?: number } = {}): Promise<StatementRow[]> {
  return db
    .select()
    .from(statements)
    .where(and(scopeWhere(scope), options.before ? lt(statements.periodStart, options.before) : undefined))
    .orderBy(desc(statements.periodStart))
    .limit(options.limit ?? 1000);
}

/** The scope's latest closed statement, if any. */
export async function latestClosedStatement(db: Db, scope: StatementScope): Promise<StatementRow | undefined> {
  return (await closedStatements(db, scope, { limit: 1 }))[0];
}

export type BilledUsageRow = {
  teamId: string;
  modelGroup: string;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  /** Exact decimal text. */
  spend: string;
  billed: string;
};

const iso = (d: Date) => d.toISOString();
const dayOf = (d: Date) => d.toISOString().slice(0, 10);

function inRanges(column: SQL, ranges: Array<{ from: string; to: string }>, cast: SQL): SQL {
  return sql.join(
    ranges.map((r) => sql`(${column} >= ${r.from}${cast} and ${column} < ${r.to}${cast})`),
    sql` or `,
  );
}

function sourceQuery(source: Segment["source"], segments: Segment[], teamIds: string[]): SQL {
  const teams = sql.join(
    teamIds.map((id) => sql`${id}`),
    sql`, `,
  );
  switch (source) {
    case "daily": {
      const d = usageDaily;
      return sql`select ${d.teamId} as team_id, ${d.modelGroup} as model_group, ${d.requests} as requests, ${d.promptTokens} as prompt_tokens,
                        ${d.completionTokens} as completion_tokens, ${d.spend} as spend, ${d.billed} as billed
                 from ${d} where ${d.teamId} in (${teams})
                 and (${inRanges(sql`${d.day}`, segments.map((s) => ({ from: dayOf(s.from), to: dayOf(s.to) })), sql``)})`;
    }
    case "hourly": {
      const h = usageHourly;
      return sql`select ${h.teamId} as team_id, ${h.modelGroup} as model_group, ${h.requests} as requests, ${h.promptTokens} as prompt_tokens,
                        ${h.completionTokens} as completion_tokens, ${h.spend} as spend, ${h.billed} as billed
                 from ${h} where ${h.teamId} in (${teams})
                 and (${inRanges(sql`${h.hour}`, segments.map((s) => ({ from: iso(s.from), to: iso(s.to) })), sql`::timestamptz`)})`;
    }
    case "raw": {
      const r = usageRequests;
      return sql`select ${r.teamId} as team_id, coalesce(${r.modelGroup}, '') as model_group, 1 as requests, ${r.promptTokens} as prompt_tokens,
                        ${r.completionTokens} as completion_tokens, ${r.spend} as spend, ${r.billed} as billed
                 from ${r} where ${r.teamId} in (${teams})
                 and (${inRanges(sql`${r.startTime}`, segments.map((s) => ({ from: iso(s.from), to: iso(s.to) })), sql`::timestamptz`)})`;
    }
  }
}

/**
 * Usage of the teams' requests that started in [from, to), by team and model group, with cost and
 * billed exact: the daily rollup for whole UTC days, the hourly one for whole hours at the ends, the
 * raw rows for the minutes left over (splitWindow).
 */
export async function billedUsage(db: Db, filter: { teamIds: string[]; from: Date; to: Date }): Promise<BilledUsageRow[]> {
  const segments = splitWindow(filter.from, filter.to);
  if (!filter.teamIds.length || !segments.length) return [];
  const sources = (["daily", "hourly", "raw"] as const).filter((source) => segments.some((s) => s.source === source));
  const union = sql.join(
    sources.map((source) =>
      sourceQuery(
        source,
        segments.filter((s) => s.source === source),
        filter.teamIds,
      ),
    ),
    sql` union all `,
  );
  const result = await db.execute(sql`
    select team_id as "teamId", model_group as "modelGroup", sum(requests)::float8 as requests, sum(prompt_tokens)::float8 as "promptTokens",
           sum(completion_tokens)::float8 as "completionTokens", coalesce(sum(spend), 0)::text as spend, coalesce(sum(billed), 0)::text as billed
    from (${union}) u
    group by team_id, model_group
    order by team_id, model_group
  `);
  return rowsOf<BilledUsageRow>(result);
}

/** The credit balance of each team before `at`: its credit, adjustment and rollover entries (team id → exact decimal text). */
export async function creditBalancesBefore(db: Db, teamIds: string[], at: Date): Promise<Map<string, string>> {
  if (!teamIds.length) return new Map();
  const rows = await db
    .select({ teamId: ledgerEntries.teamId, total: sql<string>`coalesce(sum(${ledgerEntries.amount}), 0)::text` })
    .from(ledgerEntries)
    .where(and(inArray(ledgerEntries.teamId, teamIds), inArray(ledgerEntries.kind, ["credit", "adjustment", "rollover"]), lt(ledgerEntries.createdAt, at)))
    .groupBy(ledgerEntries.teamId);
  return new Map(rows.map((r) => [r.teamId, r.total]));
}

export type StatementLedgerRow = { id: string; teamId: string; kind: "credit" | "adjustment" | "allowance" | "rollover"; amount: string; reason: string; createdAt: Date };

/** The teams' credit, adjustment and rollover entries written in [from, to), oldest first. */
export async function ledgerEntriesIn(db: Db, teamIds: string[], from: Date, to: Date): Promise<StatementLedgerRow[]> {
  if (!teamIds.length) return [];
  return db
    .select({ id: ledgerEntries.id, teamId: ledgerEntries.teamId, kind: ledgerEntries.kind, amount: ledgerEntries.amount, reason: ledgerEntries.reason, createdAt: ledgerEntries.createdAt })
    .from(ledgerEntries)
    .where(
      and(
        inArray(ledgerEntries.teamId, teamIds),
        inArray(ledgerEntries.kind, ["credit", "adjustment", "rollover"]),
        gte(ledgerEntries.createdAt, from),
        lt(ledgerEntries.createdAt, to),
      ),
    )
    .orderBy(ledgerEntries.createdAt, ledgerEntries.id);
}
