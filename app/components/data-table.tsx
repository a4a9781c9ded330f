import { Link, useLocation, useNavigation } from "@remix-run/react";
import { cx } from "./ui";

/**
 * A sortable, paginated table whose state lives in the URL (`?<prefix>sort=cost&<prefix>dir=desc&<prefix>page=2`),
 * so a sorted page can be linked, reloaded and used with the back button, and works before the
 * JavaScript has loaded. Sort headers and pager are links: reachable with Tab, followed with Enter.
 *
 * Two ways to use it:
 * - small tables (by model, by team): the loader (or the component) passes every row through
 *   `sortAndPage(rows, state, accessors)`;
 * - big tables (recent requests): the loader reads `readTableState` and asks the database for one
 *   page (limit pageSize + 1), then passes `hasMore`.
 * Several tables on one page use different prefixes (`req-`, `model-`).
 */

export type SortDir = "asc" | "desc";
export type TableState = { sort: string; dir: SortDir; page: number; pageSize: number };

export type TableOptions = {
  /** Column ids that may be sorted by; anything else in the URL falls back to the default. */
  sortable: readonly string[];
  defaultSort: string;
  defaultDir?: SortDir;
  pageSize?: number;
};

const param = (prefix: string, name: string) => `${prefix}${name}`;

/** The table's state from the URL, every value checked (unknown sort → default, page ≥ 1). */
export function readTableState(params: URLSearchParams, prefix: string, options: TableOptions): TableState {
  const sort = params.get(param(prefix, "sort")) ?? "";
  const dir = params.get(param(prefix, "dir"));
  const page = Number.parseInt(params.get(param(prefix, "page")) ?? "1", 10);
  const known = options.sortable.includes(sort);
  return {
    sort: known ? sort : options.defaultSort,
    dir: known && (dir === "asc" || dir === "desc") ? dir : known ? "asc" : (options.defaultDir ?? "desc"),
    page: Number.isFinite(page) && page >= 1 && page <= 100_000 ? page : 1,
    pageSize: options.pageSize ?? 25,
  };
}

type SortValue = string | number | null | undefined;

/** Sorts (stable; empty values last) and cuts out the state's page. */
export function sortAndPage<T>(rows: readonly T[], state: TableState, accessors: Record<string, (row: T) => SortValue>): { rows: T[]; total: number; page: number } {
  const get = accessors[state.sort];
  const sorted = get
    ? rows
        .map((row, i) => ({ row, i, v: get(row) }))
        .sort((a, b) => {
          if (a.v == null || a.v === "") return b.v == null || b.v === "" ? a.i - b.i : 1;
          if (b.v == null || b.v === "") return -1;
          const c = typeof a.v === "number" && typeof b.v === "number" ? a.v - b.v : String(a.v).localeCompare(String(b.v));
          return (state.dir === "asc" ? c : -c) || a.i - b.i;
        })
        .map((x) => x.row)
    : [...rows];
  const pages = Math.max(1, Math.ceil(sorted.length / state.pageSize));
  const page = Math.min(state.page, pages);
  return { rows: sorted.slice((page - 1) * state.pageSize, page * state.pageSize), total: sorted.length, page };
}

export type Column<T> = {
  id: string;
  header: string;
  cell: (row: T) => React.ReactNode;
  /** Allow sorting by this column (the loader must accept the id too). */
  sortable?: boolean;
  /** Right-aligned, tabular figures. */
  numeric?: boolean;
  /** This column names the row (a <th scope="row">). */
  rowHeader?: boolean;
  className?: string;
};

function withParams(search: string, changes: Record<string, string | null>): string {
  const params = new URLSearchParams(search);
  for (const [k, v] of Object.entries(changes)) {
    if (v === null) params.delete(k);
    else params.set(k, v);
  }
  const s = params.toString();
  return s ? `?${s}` : "?";
}

export function DataTable<T>({
  caption,
  columns,
  rows,
  rowKey,
  state,
  prefix = "",
  total,
  hasMore,
  csvHref,
  empty = "Nothing to show in this range.",
  captionVisible = false,
}: {
  caption: string;
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string;
  state: TableState;
  prefix?: string;
  /** All rows (when known): shows "21–40 of 93" and the last page. */
  total?: number;
  /** When the total is unknown: whether there is a next page. */
  hasMore?: boolean;
  /** A "Download CSV" link to this table's export. */
  csvHref?: string;
  empty?: string;
  captionVisible?: boolean;
}) {
  const { search, pathname } = useLocation();
  // While a sort, page or range change of this page loads, the old rows are dimmed and marked busy.
  const navigation = useNavigation();
  const loading = navigation.state === "loading" && navigation.location.pathname === pathname;
  const pages = total !== undefined ? Math.max(1, Math.ceil(total / state.pageSize)) : undefined;
  const next = pages !== undefined ? state.page < pages : Boolean(hasMore);
  const first = rows.length ? (state.page - 1) * state.pageSize + 1 : 0;
  const last = (state.page - 1) * state.pageSize + rows.length;
  const pageLink = (page: number) => withParams(search, { [param(prefix, "page")]: page > 1 ? String(page) : null });

  return (
    <div className="min-w-0">
      {csvHref ? (
        <div className="mb-2 flex justify-end">
          <a href={csvHref} download className="text-sm font-medium text-indigo-700 underline">
            Download CSV<span className="sr-only"> of {caption}</span>
          </a>
        </div>
      ) : null}
      {/* relative: the visually hidden sort hints (position: absolute) stay inside the scrolling box instead of widening the page on a phone */}
      <div className={cx("relative overflow-x-auto transition-opacity", loading && "opacity-60")} aria-busy={loading || undefined}>
        <table className="min-w-full text-left text-sm">
          <caption className={captionVisible ? "mb-2 text-left font-medium" : "sr-only"}>{caption}</caption>
          <thead className="text-slate-600">
            <tr>
              {columns.map((col) => {
                const active = state.sort === col.id;
                const nextDir: SortDir = active ? (state.dir === "asc" ? "desc" : "asc") : col.numeric ? "desc" : "asc";
                return (
                  <th
                    key={col.id}
                    scope="col"
                    aria-sort={col.sortable ? (active ? (state.dir === "asc" ? "ascending" : "descending") : "none") : undefined}
                    className={cx("py-2 pr-4 font-medium whitespace-nowrap", col.numeric && "text-right", col.className)}
                  >
                    {col.sortable ? (
                      <Link
                        to={withParams(search, { [param(prefix, "sort")]: col.id, [param(prefix, "dir")]: nextDir, [param(prefix, "page")]: null })}
                        preventScrollReset
                        className={cx("inline-flex items-center gap-1 rounded hover:text-indigo-700 focus-visible:outline-2 focus-visible:outline-indigo-600", active && "text-slate-900")}
                      >
                        {col.header}
                        <span aria-hidden="true" className="text-xs">
                          {active ? (state.dir === "asc" ? "▲" : "▼") : "↕"}
                        </span>
                        <span className="sr-only">
                          {active ? `, sorted ${state.dir === "asc" ? "ascending" : "descending"}; sort ${nextDir === "asc" ? "ascending" : "descending"}` : ", sort"}
                        </span>
                      </Link>
                    ) : (
                      col.header
                    )}
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {rows.length === 0 ? (
              <tr>
                <td colSpan={columns.length} className="py-6 text-center text-slate-600">
                  {empty}
                </td>
              </tr>
            ) : (
              rows.map((row) => (
                <tr key={rowKey(row)} className="align-top">
                  {columns.map((col) =>
                    col.rowHeader ? (
                      <th key={col.id} scope="row" className={cx("py-2 pr-4 font-medium", col.numeric && "text-right tabular-nums", col.className)}>
                        {col.cell(row)}
                      </th>
                    ) : (
                      <td key={col.id} className={cx("py-2 pr-4", col.numeric && "text-right whitespace-nowrap tabular-nums", col.className)}>
                        {col.cell(row)}
                      </td>
                    ),
                  )}
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
      {state.page > 1 || next ? (
        <nav aria-label={`Pages of ${caption}`} className="mt-3 flex flex-wrap items-center justify-between gap-2 text-sm">
          <p className="text-slate-600" aria-live="polite">
            {rows.length ? `${first}–${last}` : "None"}
            {total !== undefined ? ` of ${total}` : ""}
            {pages !== undefined ? ` · page ${state.page} of ${pages}` : ` · page ${state.page}`}
          </p>
          <div className="flex gap-2">
            {state.page > 1 ? (
              <Link to={pageLink(state.page - 1)} preventScrollReset className="rounded-md px-3 py-1.5 font-medium ring-1 ring-slate-300 hover:bg-slate-50">
                Previous<span className="sr-only"> page</span>
              </Link>
            ) : (
              <span aria-disabled="true" className="rounded-md px-3 py-1.5 text-slate-500 ring-1 ring-slate-200">
                Previous<span className="sr-only"> page</span>
              </span>
            )}
            {next ? (
              <Link to={pageLink(state.page + 1)} preventScrollReset className="rounded-md px-3 py-1.5 font-medium ring-1 ring-slate-300 hover:bg-slate-50">
                Next<span className="sr-only"> page</span>
              </Link>
            ) : (
              <span aria-disabled="true" className="rounded-md px-3 py-1.5 text-slate-500 ring-1 ring-slate-200">
                Next<span className="sr-only"> page</span>
              </span>
            )}
          </div>
        </nav>
      ) : null}
    </div>
  );
}
