import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useLoaderData, useLocation } from "@remix-run/react";
import { customerActor, readPortalSession } from "~/auth/portal-session.server";
import { BudgetAlertBanner } from "~/components/budget-alert-banner";
import { BudgetCard } from "~/components/budget-card";
import { SpendByDayChart, Stat, StatGrid } from "~/components/charts";
import { useCopyToClipboard } from "~/components/copy";
import { DataTable, readTableState, sortAndPage, type Column } from "~/components/data-table";
import { DateRange, rangeFromSearch } from "~/components/date-range";
import { formatCount, formatPercent, formatTime, formatUsd } from "~/components/format";
import { JOBS_CURSOR_PARAM, JOBS_PAGE_SIZE, JobsSection } from "~/components/jobs";
import { TeamStateBadge } from "~/components/team-badges";
import { Button, Card, Chip, StatusBadge } from "~/components/ui";
import { csvHref, ModelsCard, RecentRequestsCard, UsageHeading } from "~/components/usage-panels";
import { throwAsResponse } from "~/lib/forms.server";
import { costliestTeamJobs, listTeamJobs, summarizeTeamJobs } from "~/services/jobs.server";
import { formatConverted, rateNote } from "~/services/portal/currency";
import { getPortalOverview, type PortalOverview } from "~/services/portal/overview.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.overview.team.name ?? "Your team"} · Customer portal` }];

const DAY_TABLE = { sortable: ["day", "spend", "requests"], defaultSort: "day", defaultDir: "desc", pageSize: 31 } as const;

/** The signed-in customer's own team: everything comes from the session, nothing from the URL but the date range and the requests page. */
export async function loader({ request }: LoaderFunctionArgs) {
  const { session, clearCookie } = await readPortalSession(request.headers.get("cookie"));
  if (!session) throw redirect(clearCookie ? "/portal/signin?reason=ended" : "/portal/signin", clearCookie ? { headers: { "Set-Cookie": clearCookie } } : undefined);
  const search = new URL(request.url).searchParams;
  const range = rangeFromSearch(search);
  // The jobs are read as the session's customer: the services refuse any other team.
  const actor = customerActor(session);
  const team_id = session.teamId;
  const [overview, jobList, jobSummary, costliestJobs] = await Promise.all([
    getPortalOverview(session, { ...range, requests_before: search.get("req-before") ?? undefined, requests_after: search.get("req-after") ?? undefined }),
    listTeamJobs(actor, { team_id, limit: JOBS_PAGE_SIZE, cursor: search.get(JOBS_CURSOR_PARAM) || undefined }),
    summarizeTeamJobs(actor, { team_id }),
    costliestTeamJobs(actor, team_id, 5),
  ]).catch(throwAsResponse);
  return json({ overview, range, jobs: { list: jobList, summary: jobSummary, costliest: costliestJobs } }, { headers: { "Cache-Control": "private, no-store" } });
}

type Day = PortalOverview["days"][number];

const dayColumns: Column<Day>[] = [
  { id: "day", header: "Day (UTC)", cell: (d) => d.day, sortable: true, rowHeader: true },
  { id: "spend", header: "Spend", cell: (d) => formatUsd(d.spend), sortable: true, numeric: true },
  { id: "requests", header: "Requests", cell: (d) => formatCount(d.requests), sortable: true, numeric: true },
  { id: "failed", header: "Failed", cell: (d) => formatCount(d.failed_requests), numeric: true },
  { id: "tokens", header: "Tokens", cell: (d) => formatCount(d.total_tokens), numeric: true },
];

function CopyButton({ text, label }: { text: string; label: string }) {
  const { ref: area, copy, feedback } = useCopyToClipboard<HTMLTextAreaElement>(text, "text");
  return (
    <span className="inline-flex items-center gap-2">
      <Button type="button" variant="secondary" onClick={copy}>
        Copy<span className="sr-only"> {label}</span>
      </Button>
      <span role="status" className="text-sm text-emerald-800">
        {feedback}
      </span>
      <textarea ref={area} readOnly value={text} aria-hidden="true" tabIndex={-1} className="sr-only" />
    </span>
  );
}

export default function PortalHome() {
  const { overview, range, jobs } = useLoaderData<typeof loader>();
  const { search } = useLocation();
  const params = new URLSearchParams(search);
  const { team, budget, totals, api, window: shown } = overview;
  const firing = overview.alerts.filter((a) => a.state === "firing");
  const csv = (table: string) => csvHref("/portal/usage.csv", table, range);
  const dayState = readTableState(params, "day-", DAY_TABLE);
  const days = sortAndPage(overview.days, dayState, { day: (d) => d.day, spend: (d) => d.spend, requests: (d) => d.requests });

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div className="min-w-0">
          <div className="flex flex-wrap items-center gap-3">
            <h1 className="text-2xl font-semibold tracking-tight break-words">{team.name}</h1>
            <TeamStateBadge state={overview.state} />
          </div>
          <p className="mt-1 text-sm text-slate-600">
            {overview.signed_in_with === "link" ? "Signed in with a portal link" : "Signed in with your virtual key"} · session ends{" "}
            {formatTime(overview.session_expires_at)}
          </p>
        </div>
        <Form method="post" action="/portal/signout">
          <Button type="submit" variant="secondary">
            Sign out
          </Button>
        </Form>
      </div>

      {firing.length ? <BudgetAlertBanner alerts={firing} /> : null}

      <div className="min-w-0">
        <BudgetCard budget={budget} ledger={[]} canWrite={false} />
        {overview.billed.period.converted ? (
          <p className="mt-2 text-sm text-slate-700" data-testid="portal-period-converted">
            Spent this budget period: {formatUsd(budget.spent_this_period)} ≈ {formatConverted(overview.billed.period.converted)}, {rateNote(overview.billed.period.converted)}.
          </p>
        ) : null}
      </div>

      <section aria-labelledby="usage-heading" className="space-y-4">
        <UsageHeading window={shown} defaultLabel="this budget period" />
        <DateRange from={shown.from_day} to={shown.to_day} today={overview.today} selected={range} periodLabel="This budget period" error={shown.error} />
        <StatGrid label="Usage in this range">
          <Stat
            label="Spent"
            value={<span data-testid="portal-spend">{formatUsd(totals.spend)}</span>}
            hint={
              <>
                {`${shown.from_day} to ${shown.to_day} (UTC)`}
                {overview.billed.range.converted ? (
                  <span className="mt-1 block" data-testid="portal-spend-converted">
                    {formatConverted(overview.billed.range.converted)} {rateNote(overview.billed.range.converted)}
                  </span>
                ) : null}
              </>
            }
          />
          <Stat label="Requests" value={<span data-testid="portal-requests">{formatCount(totals.requests)}</span>} />
          <Stat label="Error rate" value={formatPercent(totals.error_rate * 100, 1)} hint={`${formatCount(totals.failed_requests)} failed`} />
          <Stat label="Tokens" value={formatCount(totals.total_tokens)} hint={totals.avg_latency_ms == null ? undefined : `${formatCount(totals.avg_latency_ms)} ms average latency`} />
        </StatGrid>
        <p className="text-xs text-slate-600">
          Usage arrives within a minute of each request{overview.ingested_until ? ` (read up to ${formatTime(overview.ingested_until)})` : ""}. Days are UTC.
        </p>
        <div className="min-w-0">
          <Card title="Spend by day">
            <SpendByDayChart data={overview.days.map((d) => ({ day: d.day, spend: d.spend, requests: d.requests }))} title="Spend by day (UTC)" />
          </Card>
        </div>
        <div className="min-w-0">
          <ModelsCard models={overview.models} csv={csv("models")} />
        </div>
        <div className="min-w-0">
          <Card title="Usage by day">
            <DataTable caption="Usage by day" columns={dayColumns} rows={days.rows} total={days.total} rowKey={(d) => d.day} state={dayState} prefix="day-" csvHref={csv("days")} />
          </Card>
        </div>
        <div className="min-w-0">
          <RecentRequestsCard requests={overview.requests} pageSize={overview.requests.page_size} caption="Requests in this range, newest first" csv={csv("requests")} />
        </div>
      </section>

      <JobsSection list={jobs.list} summary={jobs.summary} costliest={jobs.costliest} base="/portal/jobs" csv="/portal/jobs.csv" />

      <Card title="Statements">
        <p className="text-sm text-slate-700">
          Your monthly statements, with what you were billed, credits and balances, as PDF and CSV:{" "}
          <Link to="/portal/statements" className="font-medium text-indigo-700 underline">
            see your statements
          </Link>
          .
        </p>
      </Card>

      <div className="grid gap-4 lg:grid-cols-2">
        <div className="min-w-0">
          <Card title="Models and rate limits">
            <dl className="grid grid-cols-2 gap-3 text-sm">
              <div>
                <dt className="text-slate-600">Requests per minute</dt>
                <dd className="font-medium tabular-nums">{team.rpm_limit == null ? "No limit" : formatCount(team.rpm_limit)}</dd>
              </div>
              <div>
                <dt className="text-slate-600">Tokens per minute</dt>
                <dd className="font-medium tabular-nums">{team.tpm_limit == null ? "No limit" : formatCount(team.tpm_limit)}</dd>
              </div>
            </dl>
            {overview.model_groups.length ? (
              <ul className="mt-4 space-y-3 text-sm" aria-label="Models you may call">
                {overview.model_groups.map((g) => (
                  <li key={g.name}>
                    <p className="font-medium">{g.name}</p>
                    <p className="mt-1 flex flex-wrap gap-1.5">
                      {g.models.map((m) => (
                        <Chip key={m}>{m}</Chip>
                      ))}
                    </p>
                  </li>
                ))}
              </ul>
            ) : (
              <p className="mt-4 text-sm text-slate-600">No models are assigned to your team yet: ask your provider.</p>
            )}
            <p className="mt-3 text-xs text-slate-600">Use these exact names (case-sensitive) as the request&apos;s model. Other models are refused.</p>
          </Card>
        </div>
        <div className="min-w-0">
          <Card title="Budget alerts">
            {overview.alerts.length ? (
              <ul className="space-y-2 text-sm">
                {overview.alerts.map((a) => (
                  <li key={a.id} className="flex flex-wrap items-center gap-2">
                    <StatusBadge tone={a.state === "firing" ? (a.threshold_percent >= 100 ? "bad" : "warn") : "neutral"}>{a.state === "firing" ? "active" : "resolved"}</StatusBadge>
                    <span>
                      {a.threshold_percent} % of the budget used ({formatUsd(a.spent)} of {formatUsd(a.limit)}), {formatTime(a.fired_at)}
                    </span>
                  </li>
                ))}
              </ul>
            ) : (
              <p className="text-sm text-slate-600">No budget alerts. You will see one here when your team uses 80 % and 100 % of its budget.</p>
            )}
          </Card>
        </div>
      </div>

      <div className="min-w-0">
        <Card title="Call the API">
          <p className="text-sm">
            Your endpoint: <code className="rounded bg-slate-100 px-1.5 py-0.5 font-mono break-all" data-testid="portal-endpoint">{api.endpoint}</code>
          </p>
          {api.curl ? (
            <>
              <p className="mt-3 text-sm text-slate-700">
                Send your virtual key (<code className="font-mono" data-testid="portal-key-masked">{api.key_masked}</code>) as a bearer token. The example reads it from{" "}
                <code className="font-mono">LITELLM_KEY</code>: put your whole key in the first line, then run the command.
              </p>
              <pre className="mt-3 overflow-x-auto rounded-md bg-slate-900 p-4 text-xs text-slate-100" data-testid="portal-curl" tabIndex={0} aria-label="curl example">
                <code>{api.curl}</code>
              </pre>
              <div className="mt-2">
                <CopyButton text={api.curl} label="the curl example" />
              </div>
            </>
          ) : (
            <p className="mt-3 text-sm text-slate-600">Your key is being set up; the example appears here once it is ready.</p>
          )}
        </Card>
      </div>
    </div>
  );
}
