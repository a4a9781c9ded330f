import { Link } from "@remix-run/react";
import { formatDay, formatMoney, formatPeriod } from "~/lib/statement-format";
import type { StatementSummary } from "~/services/statements.schema";
import { StatusBadge } from "./ui";

/**
 * A list of statements, newest first: period, status, total billed (with its currency code) and the
 * downloads. `viewHref` links each period to its page (admins); `downloadBase` is where `<id>.pdf`
 * and `<id>.csv` are served (/admin/statements or /portal/statements).
 */
export function StatementsTable({
  statements,
  caption,
  downloadBase,
  viewHref,
}: {
  statements: StatementSummary[];
  caption: string;
  downloadBase: string;
  viewHref?: (id: string) => string;
}) {
  if (!statements.length) return <p className="text-sm text-slate-600">No statements yet: the first one opens with the first period.</p>;
  return (
    <div className="overflow-x-auto">
      <table className="min-w-full text-left text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead className="text-slate-600">
          <tr>
            <th scope="col" className="py-2 pr-4 font-medium">Period</th>
            <th scope="col" className="py-2 pr-4 font-medium">Status</th>
            <th scope="col" className="py-2 pr-4 text-right font-medium">Total billed</th>
            <th scope="col" className="py-2 pr-4 font-medium">Downloads</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {statements.map((s) => {
            const period = formatPeriod(s.period);
            const href = `${downloadBase}/${encodeURIComponent(s.statement_id)}`;
            return (
              <tr key={s.statement_id}>
                <th scope="row" className="py-2 pr-4 font-normal">
                  {viewHref ? (
                    <Link className="text-indigo-700 underline" to={viewHref(s.statement_id)}>
                      {period}
                    </Link>
                  ) : (
                    period
                  )}
                </th>
                <td className="py-2 pr-4">
                  {s.status === "closed" ? <StatusBadge tone="ok">closed {s.closed_at ? formatDay(s.closed_at) : ""}</StatusBadge> : <StatusBadge tone="warn">open</StatusBadge>}
                </td>
                <td className="py-2 pr-4 text-right tabular-nums">{formatMoney(s.total_billed.converted, s.currency.code)}</td>
                <td className="py-2 pr-4">
                  <span className="flex gap-3">
                    <a className="text-indigo-700 underline" href={`${href}.pdf`} download>
                      PDF<span className="sr-only"> of {period}</span>
                    </a>
                    <a className="text-indigo-700 underline" href={`${href}.csv`} download>
                      CSV<span className="sr-only"> of {period}</span>
                    </a>
                  </span>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
