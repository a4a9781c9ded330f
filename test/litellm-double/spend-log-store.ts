/**
 * `LiteLLM_SpendLogs` in memory (CONTRACT §3), built to hold a million rows: compact records kept
 * sorted by `startTime`, windows found by binary search, filters applied while scanning, full rows
 * materialized only for the page returned. Plus the `LiteLLM_DailyTeamSpend` aggregate that
 * `/team/daily/activity` reads.
 */
import type { SpendLogRow } from "./types.ts";

export const DAY_MS = 86_400_000;

/** Columns that have no dedicated field below; only set when they differ from the defaults. */
export type SpendLogExtra = Partial<
  Pick<
    SpendLogRow,
    | "call_type"
    | "api_base"
    | "organization_id"
    | "cache_hit"
    | "cache_key"
    | "requester_ip_address"
    | "messages"
    | "response"
    | "proxy_server_request"
    | "mcp_namespaced_tool_name"
    | "agent_id"
  >
>;

/** One spend-log row, compact. Times are epoch milliseconds. */
export class StoredLog {
  constructor(
    public request_id: string,
    public startMs: number,
    public endMs: number,
    public completionStartMs: number | null,
    public api_key: string,
    public team_id: string | null,
    public user: string | null,
    public end_user: string | null,
    public model: string,
    public model_group: string,
    public model_id: string,
    public custom_llm_provider: string,
    public spend: number,
    public prompt_tokens: number,
    public completion_tokens: number,
    public status: string,
    public metadata: Record<string, unknown>,
    public request_tags: string[],
    public session_id: string | null,
    public extra: SpendLogExtra | null,
  ) {}

  get total_tokens(): number {
    return this.prompt_tokens + this.completion_tokens;
  }

  toRow(): SpendLogRow {
    const x = this.extra ?? {};
    return {
      request_id: this.request_id,
      call_type: x.call_type ?? "acompletion",
      api_key: this.api_key,
      spend: this.spend,
      total_tokens: this.total_tokens,
      prompt_tokens: this.prompt_tokens,
      completion_tokens: this.completion_tokens,
      startTime: new Date(this.startMs).toISOString(),
      endTime: new Date(this.endMs).toISOString(),
      completionStartTime: this.completionStartMs === null ? null : new Date(this.completionStartMs).toISOString(),
      request_duration_ms: this.endMs - this.startMs,
      model: this.model,
      model_id: this.model_id,
      model_group: this.model_group,
      custom_llm_provider: this.custom_llm_provider,
      api_base: x.api_base ?? "",
      user: this.user,
      end_user: this.end_user,
      team_id: this.team_id,
      organization_id: x.organization_id ?? null,
      metadata: this.metadata,
      cache_hit: x.cache_hit ?? "False",
      cache_key: x.cache_key ?? "Cache OFF",
      request_tags: this.request_tags,
      requester_ip_address: x.requester_ip_address ?? null,
      messages: x.messages ?? {},
      response: x.response ?? {},
      proxy_server_request: x.proxy_server_request ?? {},
      session_id: this.session_id,
      status: this.status,
      mcp_namespaced_tool_name: x.mcp_namespaced_tool_name ?? null,
      agent_id: x.agent_id ?? null,
    };
  }
}

export type SpendLogSortBy = "spend" | "total_tokens" | "startTime" | "endTime" | "request_duration_ms" | "model" | "ttft_ms";
export const SPEND_LOG_SORTS: readonly SpendLogSortBy[] = ["spend", "total_tokens", "startTime", "endTime", "request_duration_ms", "model", "ttft_ms"];

function sortValue(log: StoredLog, by: SpendLogSortBy): number | string | null {
  switch (by) {
    case "spend":
      return log.spend;
    case "total_tokens":
      return log.total_tokens;
    case "startTime":
      return log.startMs;
    case "endTime":
      return log.endMs;
    case "request_duration_ms":
      return log.endMs - log.startMs;
    case "model":
      return log.model;
    case "ttft_ms":
      return log.completionStartMs === null ? null : log.completionStartMs - log.startMs;
  }
}

/**
 * The first `k` of `0..n-1` in `compare` order. A bounded heap when k is small next to n (the usual
 * "first pages" read), a full sort otherwise.
 */
function firstSorted(n: number, k: number, compare: (a: number, b: number) => number): number[] {
  if (k * 32 >= n) return Array.from({ length: n }, (_, i) => i).sort(compare).slice(0, k);
  const heap: number[] = []; // max-heap: the worst kept candidate on top
  const siftDown = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let worst = i;
      if (l < heap.length && compare(heap[l], heap[worst]) > 0) worst = l;
      if (r < heap.length && compare(heap[r], heap[worst]) > 0) worst = r;
      if (worst === i) return;
      [heap[i], heap[worst]] = [heap[worst], heap[i]];
      i = worst;
    }
  };
  for (let i = 0; i < n; i++) {
    if (heap.length < k) {
      heap.push(i);
      for (let c = heap.length - 1; c > 0; ) {
        const p = (c - 1) >> 1;
        if (compare(heap[c], heap[p]) <= 0) break;
        [heap[c], heap[p]] = [heap[p], heap[c]];
        c = p;
      }
    } else if (k > 0 && compare(i, heap[0]) < 0) {
      heap[0] = i;
      siftDown(0);
    }
  }
  return heap.sort(compare);
}

/**
 * A page cut from an ordered sequence (`at(n)`, n < total) whose order among rows that share a
 * startTime is not fixed: every tie group the page's edges cut through is drawn again in a random
 * order, as a database may do for each new query, and the page takes its positions from that draw.
 * Groups wholly inside the page keep their order (it cannot change what the page holds).
 */
function shuffleEdgeTies(page: StoredLog[], offset: number, total: number, at: (n: number) => StoredLog): void {
  if (!page.length) return;
  const last = offset + page.length - 1;
  const groups: Array<[number, number]> = [];
  const groupAround = (n: number): [number, number] => {
    const ms = at(n).startMs;
    let a = n;
    let b = n;
    while (a > 0 && at(a - 1).startMs === ms) a--;
    while (b + 1 < total && at(b + 1).startMs === ms) b++;
    return [a, b];
  };
  const first = groupAround(offset);
  if (first[0] < offset || first[1] > last) groups.push(first);
  const end = groupAround(last);
  if ((end[0] < offset || end[1] > last) && end[0] !== first[0]) groups.push(end);
  for (const [a, b] of groups) {
    const members: StoredLog[] = [];
    for (let n = a; n <= b; n++) members.push(at(n));
    for (let i = members.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [members[i], members[j]] = [members[j], members[i]];
    }
    for (let n = Math.max(a, offset); n <= Math.min(b, last); n++) page[n - offset] = members[n - a];
  }
}

export class SpendLogStore {
  private rows: StoredLog[] = [];
  /** request ids of rows not generated by the seeder (those are unique by construction). */
  private ids = new Set<string>();

  get size(): number {
    return this.rows.length;
  }

  all(): readonly StoredLog[] {
    return this.rows;
  }

  /** First index whose startTime is >= ms. */
  lowerBound(ms: number): number {
    let lo = 0;
    let hi = this.rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.rows[mid].startMs < ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First index whose startTime is > ms. */
  upperBound(ms: number): number {
    let lo = 0;
    let hi = this.rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.rows[mid].startMs <= ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Inserts one row; a request_id already present is skipped (LiteLLM writes with skip_duplicates). */
  insert(log: StoredLog): boolean {
    if (this.ids.has(log.request_id)) return false;
    this.ids.add(log.request_id);
    const last = this.rows.at(-1);
    if (!last || last.startMs <= log.startMs) this.rows.push(log);
    else this.rows.splice(this.upperBound(log.startMs), 0, log);
    return true;
  }

  /** Merges rows already sorted by startTime (the seeder's output) in O(n + m). */
  insertSorted(logs: StoredLog[], trackIds: boolean): void {
    if (!logs.length) return;
    if (trackIds) {
      logs = logs.filter((l) => !this.ids.has(l.request_id) && (this.ids.add(l.request_id), true));
    }
    const existing = this.rows;
    if (!existing.length || existing[existing.length - 1].startMs <= logs[0].startMs) {
      for (const l of logs) existing.push(l);
      return;
    }
    const merged: StoredLog[] = new Array(existing.length + logs.length);
    let i = 0;
    let j = 0;
    let k = 0;
    while (i < existing.length && j < logs.length) merged[k++] = existing[i].startMs <= logs[j].startMs ? existing[i++] : logs[j++];
    while (i < existing.length) merged[k++] = existing[i++];
    while (j < logs.length) merged[k++] = logs[j++];
    this.rows = merged;
  }

  /**
   * One page of the rows with startTime in [startMs, endMs] (inclusive) that pass `filter`, sorted.
   * Sorting by startTime walks the window in place; other sorts sort only the matching rows.
   */
  page(opts: {
    startMs: number;
    endMs: number;
    filter?: (log: StoredLog) => boolean;
    sortBy: SpendLogSortBy;
    order: "asc" | "desc";
    offset: number;
    limit: number;
    /**
     * "unstable" (LiteLLM: `ORDER BY "startTime"` with no tie-breaker, CONTRACT §1 /spend/logs/v2):
     * rows sharing a startTime across a page edge come back in a fresh random order on every query,
     * so offset paging can skip or repeat them. "stable" keeps insertion order.
     */
    ties?: "stable" | "unstable";
  }): { total: number; logs: StoredLog[] } {
    const lo = this.lowerBound(opts.startMs);
    const hi = this.upperBound(opts.endMs);
    const { filter, offset, limit } = opts;
    const rows = this.rows;
    if (hi <= lo) return { total: 0, logs: [] };
    if (opts.sortBy === "startTime") {
      const unstable = opts.ties === "unstable";
      if (!filter) {
        const total = hi - lo;
        const at = (n: number) => rows[opts.order === "desc" ? hi - 1 - n : lo + n];
        const end = Math.min(total, offset + limit);
        const logs: StoredLog[] = [];
        for (let n = offset; n < end; n++) logs.push(at(n));
        if (unstable) shuffleEdgeTies(logs, offset, total, at);
        return { total, logs };
      }
      const matches: StoredLog[] = [];
      const step = opts.order === "desc" ? -1 : 1;
      for (let i = opts.order === "desc" ? hi - 1 : lo; i >= lo && i < hi; i += step) if (filter(rows[i])) matches.push(rows[i]);
      const logs = matches.slice(offset, offset + limit);
      if (unstable) shuffleEdgeTies(logs, offset, matches.length, (n) => matches[n]);
      return { total: matches.length, logs };
    }
    const matches: StoredLog[] = [];
    for (let i = lo; i < hi; i++) if (!filter || filter(rows[i])) matches.push(rows[i]);
    const dir = opts.order === "desc" ? -1 : 1;
    const by = opts.sortBy;
    // Sort positions by precomputed keys (far cheaper than recomputing per comparison on a million rows).
    const values = matches.map((log) => sortValue(log, by));
    const numeric = values.every((v) => v === null || typeof v === "number");
    const keys = numeric ? Float64Array.from(values, (v) => (v === null ? NaN : (v as number))) : null;
    const compare = (a: number, b: number): number => {
      if (keys) {
        const ka = keys[a];
        const kb = keys[b];
        if (ka === kb) return matches[b].startMs - matches[a].startMs;
        if (Number.isNaN(ka)) return Number.isNaN(kb) ? matches[b].startMs - matches[a].startMs : 1; // nulls last either way
        if (Number.isNaN(kb)) return -1;
        return (ka - kb) * dir;
      }
      const va = values[a];
      const vb = values[b];
      if (va === vb) return matches[b].startMs - matches[a].startMs;
      if (va === null) return 1;
      if (vb === null) return -1;
      return (va < vb ? -1 : 1) * dir;
    };
    const order = firstSorted(matches.length, offset + limit, compare);
    return { total: matches.length, logs: order.slice(offset, offset + limit).map((i) => matches[i]) };
  }
}

/** One `LiteLLM_DailyTeamSpend` row. */
export type DailyTeamRow = {
  team_id: string;
  date: string;
  api_key: string;
  model: string;
  model_group: string;
  custom_llm_provider: string;
  spend: number;
  prompt_tokens: number;
  completion_tokens: number;
  api_requests: number;
  successful_requests: number;
  failed_requests: number;
};

/** The daily team aggregate, upserted from the same batch as the spend logs (CONTRACT §3). */
export class DailyTeamSpend {
  private rows = new Map<string, DailyTeamRow>();
  private dates = new Map<number, string>();

  add(log: StoredLog): void {
    if (log.team_id === null) return;
    const day = Math.floor(log.startMs / DAY_MS);
    let date = this.dates.get(day);
    if (date === undefined) {
      date = new Date(day * DAY_MS).toISOString().slice(0, 10);
      this.dates.set(day, date);
    }
    const id = `${log.team_id}\u0000${date}\u0000${log.api_key}\u0000${log.model}\u0000${log.model_group}\u0000${log.custom_llm_provider}`;
    let row = this.rows.get(id);
    if (!row) {
      row = {
        team_id: log.team_id,
        date,
        api_key: log.api_key,
        model: log.model,
        model_group: log.model_group,
        custom_llm_provider: log.custom_llm_provider,
        spend: 0,
        prompt_tokens: 0,
        completion_tokens: 0,
        api_requests: 0,
        successful_requests: 0,
        failed_requests: 0,
      };
      this.rows.set(id, row);
    }
    row.spend += log.spend;
    row.prompt_tokens += log.prompt_tokens;
    row.completion_tokens += log.completion_tokens;
    row.api_requests += 1;
    if (log.status === "failure") row.failed_requests += 1;
    else row.successful_requests += 1;
  }

  list(): DailyTeamRow[] {
    return [...this.rows.values()];
  }
}
