import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData, useRouteLoaderData } from "@remix-run/react";
import { requireAdmin } from "~/auth/request.server";
import { StackedSpendByDayChart, Stat, StatGrid } from "~/components/charts";
import { formatCount, formatPercent, formatTime, formatUsd } from "~/components/format";
import { TeamStateBadge } from "~/components/team-badges";
import { AdminRouteError } from "~/components/route-error";
import { Card, EmptyState, PageHeader, StatusBadge } from "~/components/ui";
import { formatMargin, formatRate, IngestionNote } from "~/components/usage-panels";
import { throwAsResponse } from "~/lib/forms.server";
import { getOverview } from "~/services/usage/index.server";
import type { loader as adminLoader } from "./admin";

export const meta: MetaFunction = () => [{ title: "Overview · SaaS LiteLLM" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { actor, headers } = await requireAdmin(request);
  const overview = await getOverview(actor).catch(throwAsResponse);
  return json({ overview }, { headers });
}

const STEPS = [
  { title: "Configure models in LiteLLM", body: "Add provider credentials and models in LiteLLM's own UI first; model names here must match exactly.", to: null },
  { title: "Create an organization", body: "Organizations group the teams of one customer.", to: "/admin/organizations" },
  { title: "Create model groups", body: "Name sets of LiteLLM models (for example basic-models, premium-models).", to: "/admin/model-groups" },
  { title: "Create a team", body: "Each team gets a LiteLLM virtual key limited by budget, models and rate.", to: "/admin/teams" },
];

const monthName = (iso: string) => new Date(iso).toLocaleDateString("en-GB", { timeZone: "UTC", month: "long", year: "numeric" });
const th = "py-2 pr-4 font-medium";

function GettingStarted() {
  return (
    <Card title="Getting started">
      <ol className="space-y-4">
        {STEPS.map((step, i) => (
          <li key={step.title} className="flex gap-3">
            <span className="flex h-7 w-7 shrink-0 items-center justify-center rounded-full bg-indigo-100 text-sm font-semibold text-indigo-800">{i + 1}</span>
            <div>
              <p className="font-medium">
                {step.to ? (
                  <Link className="text-indigo-700 underline" to={step.to}>
                    {step.title}
                  </Link>
                ) : (
                  step.title
                )}
              </p>
              <p className="text-sm text-slate-600">{step.body}</p>
            </div>
          </li>
        ))}
      </ol>
    </Card>
  );
}

function LiteLLMStatus() {
  const data = useRouteLoaderData<typeof adminLoader>("routes/admin");
  if (!data) return null;
  const { litellm, worker } = data.readiness;
  return (
    <Card title="LiteLLM">
      <dl className="grid gap-3 text-sm sm:grid-cols-2">
        <div>
          <dt className="text-slate-600">Proxy</dt>
          <dd className="mt-1 flex flex-wrap items-center gap-2">
            {!litellm.reachable ? (
              <StatusBadge tone="bad">unreachable</StatusBadge>
            ) : litellm.masterKey === "accepted" ? (
              <StatusBadge tone="ok">connected{litellm.version ? ` · v${litellm.version}` : ""}</StatusBadge>
            ) : litellm.masterKey === "rejected" ? (
              <StatusBadge tone="bad">master key refused</StatusBadge>
            ) : (
              <StatusBadge tone="warn">{litellm.masterKey === "not-configured" ? "no master key set" : "reachable"}</StatusBadge>
            )}
            <span className="break-all text-slate-600">{litellm.url}</span>
          </dd>
        </div>
        <div>
          <dt className="text-slate-600">Worker (sync and usage)</dt>
          <dd className="mt-1">
            {!worker ? (
              <StatusBadge tone="neutral">unknown</StatusBadge>
            ) : worker.state === "running" ? (
              <StatusBadge tone="ok">running</StatusBadge>
            ) : (
              <StatusBadge tone="bad">{worker.state === "down" ? "not reporting" : "not started"}</StatusBadge>
            )}
          </dd>
        </div>
      </dl>
      {litellm.fix && (!litellm.reachable || litellm.masterKey !== "accepted") ? <p className="mt-3 text-sm text-amber-900">{litellm.fix}</p> : null}
    </Card>
  );
}

export default function Overview() {
  const { overview: o } = useLoaderData<typeof loader>();
  const month = monthName(o.period.from);
  return (
    <>
      <PageHeader title="Overview" description="Who spends what, who is about to be cut off, and whether LiteLLM is in step." />
      <div className="space-y-6">
        <StatGrid label="Spend">
          <Stat label="Cost today (UTC)" value={formatUsd(o.today.spend)} hint={`Billed ${formatUsd(o.today.billed)} · margin ${formatMargin(o.today.margin, o.today.margin_percent)} · ${formatCount(o.today.requests)} requests`} />
          <Stat label={`Cost in ${month}`} value={formatUsd(o.period.spend)} hint={`${formatCount(o.period.requests)} requests`} />
          <Stat label={`Billed in ${month}`} value={formatUsd(o.period.billed)} hint="What the customers are billed" />
          <Stat
            label={`Margin in ${month}`}
            value={formatUsd(o.period.margin)}
            hint={o.period.margin_percent == null ? "Nothing billed" : `${formatPercent(o.period.margin_percent)} of billed`}
            tone={(o.period.margin ?? 0) < 0 ? "bad" : "neutral"}
          />
          <Stat label={`Error rate in ${month}`} value={formatRate(o.period.error_rate)} tone={o.period.error_rate >= 0.05 ? "bad" : "neutral"} />
          <Stat
            label="Teams near or over budget"
            value={formatCount(o.budget_watch.length)}
            hint={`of ${formatCount(o.teams)} team${o.teams === 1 ? "" : "s"}`}
            tone={o.budget_watch.some((w) => w.state === "refused" || w.state === "over budget") ? "bad" : o.budget_watch.length ? "warn" : "neutral"}
          />
        </StatGrid>
        <IngestionNote ingestion={o.ingestion} />

        {o.teams === 0 ? <GettingStarted /> : null}

        <Card title="Spend by organization, last 30 days" actions={<Link to="/admin/usage" className="text-sm font-medium text-indigo-700 underline">All usage</Link>}>
          <StackedSpendByDayChart
            days={o.spend_by_organization.days}
            series={o.spend_by_organization.organizations}
            title="Spend per UTC day by organization, last 30 days"
          />
          {o.spend_by_organization.organizations.some((org) => org.organization_id) ? (
            <ul className="mt-3 flex flex-wrap gap-x-4 gap-y-1 text-sm">
              {o.spend_by_organization.organizations.map((org) =>
                org.organization_id ? (
                  <li key={org.organization_id}>
                    <Link to={`/admin/organizations/${org.organization_id}`} className="text-indigo-700 underline">
                      {org.name}
                    </Link>{" "}
                    <span className="text-slate-600 tabular-nums">
                      {formatUsd(org.total)} cost · {formatUsd(org.billed_total)} billed · {formatMargin(org.margin, org.margin_percent)} margin
                    </span>
                  </li>
                ) : (
                  <li key="other" className="text-slate-600">
                    {org.name}{" "}
                    <span className="tabular-nums">
                      {formatUsd(org.total)} cost · {formatUsd(org.billed_total)} billed · {formatMargin(org.margin, org.margin_percent)} margin
                    </span>
                  </li>
                ),
              )}
            </ul>
          ) : null}
        </Card>

        <Card title="Near or over budget">
          {o.budget_watch.length === 0 ? (
            <p className="text-sm text-slate-600">No team has used 80% or more of its budget this period.</p>
          ) : (
            <div className="overflow-x-auto">
              <table className="min-w-full text-left text-sm">
                <caption className="sr-only">Teams that have used 80% or more of this period's budget</caption>
                <thead className="text-slate-600">
                  <tr>
                    <th scope="col" className={th}>Team</th>
                    <th scope="col" className={`${th} text-right`}>Used</th>
                    <th scope="col" className={`${th} text-right`}>Spent</th>
                    <th scope="col" className={`${th} text-right`}>Remaining</th>
                    <th scope="col" className={th}>State</th>
                    <th scope="col" className="py-2 font-medium">Resets</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {o.budget_watch.map((w) => (
                    <tr key={w.team_id}>
                      <th scope="row" className="py-2 pr-4 font-medium">
                        <Link to={`/admin/teams/${w.team_id}`} className="text-indigo-700 underline">
                          {w.name}
                        </Link>
                        <span className="block text-xs font-normal text-slate-600">{w.organization_name}</span>
                      </th>
                      <td className="py-2 pr-4 text-right tabular-nums">{formatPercent(w.percent_used)}</td>
                      <td className="py-2 pr-4 text-right tabular-nums">{formatUsd(w.spent)}</td>
                      <td className="py-2 pr-4 text-right tabular-nums">{formatUsd(w.remaining_budget)}</td>
                      <td className="py-2 pr-4">
                        <TeamStateBadge state={w.state} reason={w.mode === "hard" ? "Hard budget: LiteLLM refuses the team once it is spent" : "Soft budget: LiteLLM keeps serving the team past it"} />
                      </td>
                      <td className="py-2 text-xs whitespace-nowrap">{w.resets_at ? formatTime(w.resets_at) : "one-off"}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Card>

        <div className="grid gap-6 lg:grid-cols-2">
          <Card title={`Top teams in ${month}`} actions={<Link to="/admin/usage" className="text-sm font-medium text-indigo-700 underline">All usage</Link>}>
            {o.top_teams.length === 0 ? (
              <p className="text-sm text-slate-600">No usage this month yet.</p>
            ) : (
              <ol className="divide-y divide-slate-100 text-sm">
                {o.top_teams.map((t) => (
                  <li key={t.team_id} className="flex items-baseline justify-between gap-3 py-2">
                    <span className="min-w-0">
                      <Link to={`/admin/teams/${t.team_id}`} className="font-medium break-words text-indigo-700 underline">
                        {t.name}
                      </Link>
                      <span className="block text-xs text-slate-600">{t.organization_name}</span>
                    </span>
                    <span className="text-right whitespace-nowrap tabular-nums">
                      {formatUsd(t.spend)} <span className="text-xs text-slate-600">cost</span>
                      <span className="block text-xs whitespace-normal text-slate-600">
                        {formatUsd(t.billed)} billed · {formatMargin(t.margin, t.margin_percent)} margin
                      </span>
                      <span className="block text-xs text-slate-600">{formatCount(t.requests)} requests</span>
                    </span>
                  </li>
                ))}
              </ol>
            )}
          </Card>
          <Card title={`Top models in ${month}`} actions={<Link to="/admin/usage" className="text-sm font-medium text-indigo-700 underline">By model</Link>}>
            {o.top_models.length === 0 ? (
              <p className="text-sm text-slate-600">No usage this month yet.</p>
            ) : (
              <ol className="divide-y divide-slate-100 text-sm">
                {o.top_models.map((m) => (
                  <li key={m.model} className="flex items-baseline justify-between gap-3 py-2">
                    <Link to="/admin/usage" className="min-w-0 font-mono break-all text-indigo-700 underline">
                      {m.model || "(none)"}
                    </Link>
                    <span className="text-right whitespace-nowrap tabular-nums">
                      {formatUsd(m.spend)} <span className="text-xs text-slate-600">cost</span>
                      <span className="block text-xs whitespace-normal text-slate-600">
                        {formatUsd(m.billed)} billed · {formatMargin(m.margin, m.margin_percent)} margin
                      </span>
                      <span className="block text-xs text-slate-600">{formatCount(m.requests)} requests</span>
                    </span>
                  </li>
                ))}
              </ol>
            )}
          </Card>
        </div>

        <div className="grid gap-6 lg:grid-cols-2">
          <Card title="Teams failing to sync">
            {o.failing_sync.length === 0 ? (
              <p className="text-sm text-slate-600">LiteLLM is in step with every team, or catching up.</p>
            ) : (
              <ul className="divide-y divide-slate-100 text-sm">
                {o.failing_sync.map((t) => (
                  <li key={t.team_id} className="py-2">
                    <Link to={`/admin/teams/${t.team_id}`} className="font-medium text-indigo-700 underline">
                      {t.name}
                    </Link>{" "}
                    <span className="text-slate-600">({t.organization_name})</span>
                    <p className="break-words text-red-800">{t.error ?? "LiteLLM refused the change."}</p>
                    <p className="text-xs text-slate-600">
                      {formatCount(t.attempts)} attempts · next retry {formatTime(t.next_retry_at)}
                    </p>
                  </li>
                ))}
              </ul>
            )}
          </Card>
          <LiteLLMStatus />
        </div>

        <Card title="Recent budget alerts">
          {o.recent_alerts.length === 0 ? (
            <EmptyState title="No alerts yet">Teams get an alert when they use 80% and 100% of their budget in a period.</EmptyState>
          ) : (
            <ul className="divide-y divide-slate-100 text-sm">
              {o.recent_alerts.map((a) => (
                <li key={a.id} className="flex flex-wrap items-baseline justify-between gap-2 py-2">
                  <span>
                    <Link to={`/admin/teams/${a.team_id}`} className="font-medium text-indigo-700 underline">
                      {a.team_name}
                    </Link>{" "}
                    reached {a.threshold_percent}% ({formatUsd(a.spent)} of {formatUsd(a.limit)})
                  </span>
                  <span className="flex items-center gap-2 text-xs text-slate-600">
                    {a.state === "firing" ? <StatusBadge tone="warn">firing</StatusBadge> : <StatusBadge tone="neutral">resolved</StatusBadge>}
                    {formatTime(a.fired_at)}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </Card>
      </div>
    </>
  );
}

export function ErrorBoundary() {
  return <AdminRouteError backTo="/admin" backLabel="Reload the overview" />;
}
