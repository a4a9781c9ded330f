import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { requireAdmin } from "~/auth/request.server";
import { formatPercent } from "~/components/format";
import { AdminRouteError } from "~/components/route-error";
import { Card, StatusBadge } from "~/components/ui";
import { throwAsResponse } from "~/lib/forms.server";
import { describeCurrency, formatDay, formatMoney, formatPeriod, groupDecimal } from "~/lib/statement-format";
import { getStatement } from "~/services/statements.server";
import type { StatementDocument } from "~/services/statements.schema";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `Statement ${data.document.organization.name}${data.document.team ? ` / ${data.document.team.name}` : ""} · ${formatPeriod(data.document.period)} · SaaS LiteLLM` : "Statement · SaaS LiteLLM" },
];

/**
 * `/admin/statements/:statementId`: one statement as the customer gets it (the PDF and CSV hold the
 * same), and beside it what only admins see: our cost and margin for the period.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const { actor, headers } = await requireAdmin(request);
  const { document, internal } = await getStatement(actor, { statement_id: params.statementId! }).catch(throwAsResponse);
  return json({ document, internal }, { headers });
}

type Money = { usd: string; converted: string };

/** The billed figure in the statement's currency, and the exact dollars beside it when it is converted. */
function Amount({ value, code }: { value: Money; code: string }) {
  return (
    <>
      <span>{formatMoney(value.converted, code)}</span>
      {code !== "USD" ? <span className="block text-xs text-slate-500">{`USD ${groupDecimal(value.usd)}`}</span> : null}
    </>
  );
}

const th = "py-2 pr-4 font-medium";
const thNum = "py-2 pr-4 text-right font-medium";
const td = "py-2 pr-4 align-top";
const tdNum = "py-2 pr-4 text-right align-top tabular-nums";

function UsageTable({ doc }: { doc: StatementDocument }) {
  const perTeam = doc.team === null;
  const code = doc.currency.code;
  if (!doc.usage.length) return <p className="text-sm text-slate-600">No usage in this period.</p>;
  return (
    <div className="overflow-x-auto">
      <table className="min-w-full text-left text-sm">
        <caption className="sr-only">Usage by model</caption>
        <thead className="text-slate-600">
          <tr>
            {perTeam ? <th scope="col" className={th}>Team</th> : null}
            <th scope="col" className={th}>Model</th>
            <th scope="col" className={thNum}>Requests</th>
            <th scope="col" className={thNum}>Input tokens</th>
            <th scope="col" className={thNum}>Output tokens</th>
            <th scope="col" className={thNum}>Billed</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {doc.usage.map((u) => (
            <tr key={`${u.team_id ?? ""}:${u.model}`}>
              {perTeam ? <td className={td}>{u.team_id ? <Link className="text-indigo-700 underline" to={`/admin/teams/${u.team_id}`}>{u.team_name ?? u.team_id}</Link> : "—"}</td> : null}
              <th scope="row" className={`${td} font-normal`}>{u.model}</th>
              <td className={tdNum}>{groupDecimal(String(u.requests))}</td>
              <td className={tdNum}>{groupDecimal(String(u.prompt_tokens))}</td>
              <td className={tdNum}>{groupDecimal(String(u.completion_tokens))}</td>
              <td className={tdNum}><Amount value={u.billed} code={code} /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function LateUsageTable({ doc }: { doc: StatementDocument }) {
  const perTeam = doc.team === null;
  const code = doc.currency.code;
  return (
    <div className="overflow-x-auto">
      <table className="min-w-full text-left text-sm">
        <caption className="sr-only">Late usage of closed periods</caption>
        <thead className="text-slate-600">
          <tr>
            <th scope="col" className={th}>Recorded</th>
            <th scope="col" className={th}>For period</th>
            {perTeam ? <th scope="col" className={th}>Team</th> : null}
            <th scope="col" className={th}>Model</th>
            <th scope="col" className={thNum}>Requests</th>
            <th scope="col" className={thNum}>Tokens in / out</th>
            <th scope="col" className={thNum}>Billed</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {doc.late_usage.map((l) => (
            <tr key={`${l.period_start}:${l.team_id ?? ""}:${l.model}`}>
              <td className={td}>{formatDay(l.recorded_at)}</td>
              <td className={td}>{formatPeriod({ start: l.period_start, end: l.period_end })}</td>
              {perTeam ? <td className={td}>{l.team_name ?? l.team_id ?? "—"}</td> : null}
              <td className={td}>{l.model}</td>
              <td className={tdNum}>{groupDecimal(String(l.requests))}</td>
              <td className={tdNum}>{`${groupDecimal(String(l.prompt_tokens))} / ${groupDecimal(String(l.completion_tokens))}`}</td>
              <td className={tdNum}><Amount value={l.billed} code={code} /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function CreditsTable({ doc }: { doc: StatementDocument }) {
  const code = doc.currency.code;
  if (!doc.credits.length) return <p className="text-sm text-slate-600">No credits or adjustments in this period.</p>;
  const names = new Map<string, string>();
  for (const l of [...doc.usage, ...doc.late_usage]) if (l.team_id && l.team_name) names.set(l.team_id, l.team_name);
  return (
    <div className="overflow-x-auto">
      <table className="min-w-full text-left text-sm">
        <caption className="sr-only">Credits and adjustments</caption>
        <thead className="text-slate-600">
          <tr>
            <th scope="col" className={th}>Date</th>
            <th scope="col" className={th}>Type</th>
            {doc.team === null ? <th scope="col" className={th}>Team</th> : null}
            <th scope="col" className={th}>Reason</th>
            <th scope="col" className={thNum}>Amount</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {doc.credits.map((c) => (
            <tr key={c.entry_id}>
              <td className={td}>{formatDay(c.created_at)}</td>
              <td className={td}>{c.kind === "credit" ? "Credit" : "Adjustment"}</td>
              {doc.team === null ? <td className={td}>{names.get(c.team_id) ?? c.team_id}</td> : null}
              <td className={`${td} [overflow-wrap:anywhere]`}>{c.reason}</td>
              <td className={tdNum}><Amount value={c.amount} code={code} /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export default function StatementPage() {
  const { document: doc, internal } = useLoaderData<typeof loader>();
  const code = doc.currency.code;
  const base = `/admin/statements/${encodeURIComponent(doc.statement_id)}`;
  const totals: Array<[string, Money]> = [
    ["Total billed", doc.total_billed],
    ["Opening balance", doc.opening_balance],
    ["Credits", doc.credits_total],
    ["Adjustments", doc.adjustments_total],
    ["Credits used", doc.credits_used],
    ["Closing balance", doc.closing_balance],
  ];
  return (
    <>
      <p className="mb-2 text-sm">
        <Link to={`/admin/organizations/${doc.organization.id}/statements`} className="text-indigo-700 underline">
          ← Statements of {doc.organization.name}
        </Link>
      </p>
      <div className="mb-6 flex flex-wrap items-end justify-between gap-4">
        <div className="min-w-0">
          <h1 className="text-2xl font-semibold tracking-tight [overflow-wrap:anywhere]">
            Statement: {doc.organization.name}
            {doc.team ? ` / ${doc.team.name}` : ""}
          </h1>
          <p className="mt-1 text-sm text-slate-600">
            {formatPeriod(doc.period)} ·{" "}
            {doc.status === "closed" ? (
              <StatusBadge tone="ok">closed {doc.closed_at ? formatDay(doc.closed_at) : ""}</StatusBadge>
            ) : (
              <StatusBadge tone="warn">open: figures may change until the period closes</StatusBadge>
            )}
          </p>
        </div>
        <div className="flex gap-2">
          <a href={`${base}.pdf`} download className="rounded-md bg-indigo-600 px-3 py-2 text-sm font-medium text-white hover:bg-indigo-500">
            Download PDF
          </a>
          <a href={`${base}.csv`} download className="rounded-md bg-white px-3 py-2 text-sm font-medium text-slate-900 ring-1 ring-slate-300 hover:bg-slate-50">
            Download CSV
          </a>
        </div>
      </div>

      <div className="space-y-6">
        <Card title="Summary">
          <dl className="grid gap-3 text-sm sm:grid-cols-3">
            <div>
              <dt className="text-slate-600">Billed to</dt>
              <dd className="[overflow-wrap:anywhere]">
                <Link className="text-indigo-700 underline" to={`/admin/organizations/${doc.organization.id}`}>{doc.organization.name}</Link>
                {doc.team ? (
                  <>
                    {" / "}
                    <Link className="text-indigo-700 underline" to={`/admin/teams/${doc.team.id}`}>{doc.team.name}</Link>
                  </>
                ) : null}
              </dd>
            </div>
            <div>
              <dt className="text-slate-600">Period basis</dt>
              <dd>{doc.period.basis === "calendar_month" ? "Calendar month (UTC)" : "Team's budget period"}</dd>
            </div>
            <div>
              <dt className="text-slate-600">Currency</dt>
              <dd>{describeCurrency(doc.currency)}</dd>
            </div>
            <div>
              <dt className="text-slate-600">Statement id</dt>
              <dd className="font-mono text-xs [overflow-wrap:anywhere]">{doc.statement_id}</dd>
            </div>
            <div>
              <dt className="text-slate-600">Total billed</dt>
              <dd className="tabular-nums"><Amount value={doc.total_billed} code={code} /></dd>
            </div>
            <div>
              <dt className="text-slate-600">Closing balance</dt>
              <dd className="tabular-nums"><Amount value={doc.closing_balance} code={code} /></dd>
            </div>
          </dl>
        </Card>

        {internal ? (
          <Card title="Our cost and margin (admins only)">
            <p className="mb-3 text-sm text-slate-600">Never on the customer&apos;s statement, PDF or CSV. In USD, exact.</p>
            <dl className="grid gap-3 text-sm sm:grid-cols-3">
              <div>
                <dt className="text-slate-600">Cost</dt>
                <dd className="tabular-nums">{`USD ${groupDecimal(internal.cost)}`}</dd>
              </div>
              <div>
                <dt className="text-slate-600">Margin</dt>
                <dd className="tabular-nums">{`USD ${groupDecimal(internal.margin)}`}</dd>
              </div>
              <div>
                <dt className="text-slate-600">Margin %</dt>
                <dd className="tabular-nums">{internal.margin_percent === null ? "—" : formatPercent(internal.margin_percent)}</dd>
              </div>
            </dl>
          </Card>
        ) : null}

        <Card title="Usage by model">
          <UsageTable doc={doc} />
        </Card>

        {doc.late_usage.length ? (
          <Card title="Late usage: adjustments for calls of closed periods">
            <LateUsageTable doc={doc} />
          </Card>
        ) : null}

        <Card title="Credits and adjustments">
          <CreditsTable doc={doc} />
        </Card>

        <Card title="Totals">
          <dl className="max-w-md divide-y divide-slate-100 text-sm">
            {totals.map(([label, value]) => (
              <div key={label} className="flex justify-between gap-4 py-2">
                <dt className={label === "Total billed" || label === "Closing balance" ? "font-semibold" : "text-slate-700"}>{label}</dt>
                <dd className="text-right tabular-nums">
                  <Amount value={value} code={code} />
                </dd>
              </div>
            ))}
          </dl>
        </Card>
      </div>
    </>
  );
}

export function ErrorBoundary() {
  return <AdminRouteError backTo="/admin/organizations" backLabel="Back to organizations" />;
}
