import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useRevalidator } from "@remix-run/react";
import { useEffect, useRef, useState } from "react";
import { useCopyToClipboard } from "~/components/copy";
import { requireAdmin } from "~/auth/request.server";
import { formatCount, formatTime, formatUsd } from "~/components/format";
import { BudgetAlertBanner } from "~/components/budget-alert-banner";
import { BudgetCard } from "~/components/budget-card";
import { DateRange, rangeFromSearch } from "~/components/date-range";
import { JOBS_CURSOR_PARAM, JOBS_PAGE_SIZE, JobsSection } from "~/components/jobs";
import { csvHref, IngestionNote, ModelsCard, RecentRequestsCard, SpendByDayCard, UsageHeading, UsageStats } from "~/components/usage-panels";
import { AdminRouteError } from "~/components/route-error";
import { SyncBadge, TeamStateBadge } from "~/components/team-badges";
import { TeamLimitsFields } from "~/components/team-form";
import { Alert, Button, Card, Chip, Field, OnceSecret, PageHeader } from "~/components/ui";
import { env } from "~/lib/env.server";
import { setFlash } from "~/lib/flash.server";
import { formError, formNumber, formText, formValues, teamFormInput, throwAsResponse, type FormActionData } from "~/lib/forms.server";
import { can } from "~/auth/actor";
import { listTeamAlerts } from "~/services/alerts.server";
import { addCredits, listLedger } from "~/services/credits.server";
import { costliestTeamJobs, listTeamJobs, summarizeTeamJobs } from "~/services/jobs.server";
import { getTeamDashboard, REQUESTS_PAGE_SIZE } from "~/services/usage/index.server";
import { listModelGroups } from "~/services/model-groups.server";
import { teamState } from "~/services/team-list.server";
import { deleteTeam, getTeam, resumeTeam, rotateTeamKey, suspendTeam, updateTeam } from "~/services/teams.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.team.name ?? "Team"} · SaaS LiteLLM` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { actor, headers } = await requireAdmin(request);
  const canWrite = can(actor, "admin");
  const search = new URL(request.url).searchParams;
  const range = rangeFromSearch(search);
  const team_id = params.teamId!;
  const [team, groups, usage, ledger, alerts, jobList, jobSummary, costliestJobs] = await Promise.all([
    getTeam(actor, { team_id }),
    canWrite ? listModelGroups(actor) : [],
    // The budget now and the usage over the range (default: the budget period), from the rollups.
    getTeamDashboard(actor, { team_id, ...range, requests_before: search.get("req-before") ?? undefined, requests_after: search.get("req-after") ?? undefined }),
    listLedger(actor, { team_id }).then((entries) => entries.slice(0, 20)),
    listTeamAlerts(actor, { team_id, state: "firing" }),
    // Jobs: the recent ones (a page by cursor), cost by job type and the costliest, over the last 30 days.
    listTeamJobs(actor, { team_id, limit: JOBS_PAGE_SIZE, cursor: search.get(JOBS_CURSOR_PARAM) || undefined }),
    summarizeTeamJobs(actor, { team_id }),
    costliestTeamJobs(actor, team_id, 5),
  ]).catch(throwAsResponse);
  const { budget, ...dashboard } = usage;
  return json(
    {
      team,
      state: teamState(team, budget, team.sync),
      budget,
      dashboard,
      range,
      ledger,
      alerts: alerts.alerts,
      jobs: { list: jobList, summary: jobSummary, costliest: costliestJobs },
      groups: groups.map((g) => ({ name: g.name, models: g.models })),
      canWrite,
      // Where the customer's application sends its requests (LiteLLM itself, not this app).
      proxyUrl: env().LITELLM_PROXY_URL,
    },
    { headers },
  );
}

type TeamActionData = FormActionData | { intent: "reveal"; key: string; masked: string | null };

export async function action({ request, params }: ActionFunctionArgs) {
  const { actor } = await requireAdmin(request);
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  const team_id = params.teamId!;
  const done = async (message: string, to = `/admin/teams/${team_id}`) =>
    redirect(to, { headers: { "Set-Cookie": await setFlash({ kind: "success", message }) } });
  try {
    switch (intent) {
      case "reveal": {
        // Every reveal is recorded in the audit log by the service.
        const team = await getTeam(actor, { team_id }, { revealKey: true });
        if (!team.virtual_key) {
          return json<TeamActionData>(
            { intent, message: team.provisioning ? "The key is not ready yet: LiteLLM is still being set up. This page refreshes until it is." : "There is no key to show." },
            { status: 409 },
          );
        }
        return json<TeamActionData>({ intent: "reveal", key: team.virtual_key, masked: team.virtual_key_masked }, { headers: { "Cache-Control": "no-store" } });
      }
      case "add-credits": {
        // formText/formNumber stay loose on purpose: the service names a missing or bad field in its own words.
        const result = await addCredits(actor, {
          team_id,
          amount: formNumber(form.get("amount")),
          reason: formText(form.get("reason")) ?? undefined,
          idempotency_key: formText(form.get("idempotency_key")) ?? undefined,
        } as Parameters<typeof addCredits>[1]);
        return done(
          result.replayed
            ? "Those credits were already added (the form was sent twice); nothing was added again."
            : `${formatUsd(result.entry.amount)} of credits added. Remaining budget: ${formatUsd(result.budget.remaining_budget)}; LiteLLM follows within seconds.`,
        );
      }
      case "update": {
        // The form's loose values (text where a number belongs) go to the service, which names the bad field.
        const team = await updateTeam(actor, { team_id, ...teamFormInput(form) } as Parameters<typeof updateTeam>[1]);
        return done(`Team ${team.name} saved. LiteLLM follows within seconds; the key stays the same.`);
      }
      case "suspend": {
        const team = await suspendTeam(actor, { team_id });
        return done(`Team ${team.name} suspended: LiteLLM refuses its key until you resume it.`);
      }
      case "resume": {
        const team = await resumeTeam(actor, { team_id });
        return done(`Team ${team.name} resumed: its key works again.`);
      }
      case "rotate": {
        const team = await rotateTeamKey(actor, { team_id }, { revealKey: false });
        return done(
          team.provisioning
            ? `A new key is being made for ${team.name}; the old key is revoked.`
            : `New key made for ${team.name}; the old key is revoked. Reveal the new one to copy it.`,
        );
      }
      case "delete": {
        const deleted = await deleteTeam(actor, { team_id });
        return done(`Team ${deleted.name} deleted; its key no longer works.`, "/admin/teams");
      }
      default:
        return json<TeamActionData>({ intent, message: "Unknown action; reload the page and try again." }, { status: 400 });
    }
  } catch (error) {
    return formError(intent, error, formValues(form));
  }
}

/** Refreshes the page every 2 s while LiteLLM is not yet in step with the team. */
function useRefreshWhile(active: boolean) {
  const revalidator = useRevalidator();
  const navigation = useNavigation();
  const latest = useRef({ revalidator, navigation });
  latest.current = { revalidator, navigation };
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => {
      const { revalidator: r, navigation: n } = latest.current;
      if (r.state === "idle" && n.state === "idle" && document.visibilityState === "visible") r.revalidate();
    }, 2000);
    return () => clearInterval(timer);
  }, [active]);
}

function KeyPanel({ masked, provisioning, canWrite, revealedKey, onHide }: { masked: string | null; provisioning: boolean; canWrite: boolean; revealedKey: string | null; onHide: () => void }) {
  const busy = useNavigation().state !== "idle";
  if (provisioning || !masked) {
    return <p className="text-sm text-slate-700">The key appears here once LiteLLM has it (usually within seconds).</p>;
  }
  return (
    <div className="space-y-3">
      {revealedKey ? (
        <OnceSecret
          label="Virtual key"
          value={revealedKey}
          what="the virtual key"
          onHide={onHide}
          note={
            <span data-testid="key-note">
              Give it to the customer over a safe channel. It is hidden again when you leave this page; an admin can reveal it here again at any time (each
              reveal is recorded in the audit log). Customers see it once, when they open their portal link.
            </span>
          }
        />
      ) : (
        <div className="flex flex-wrap items-center gap-3">
          <p className="text-sm">
            <span className="sr-only">Virtual key (masked): </span>
            <code className="rounded bg-slate-100 px-2 py-1 font-mono" data-testid="masked-key">
              {masked}
            </code>
          </p>
          {canWrite ? (
            <Form method="post">
              <input type="hidden" name="intent" value="reveal" />
              <Button type="submit" variant="secondary" disabled={busy}>
                Reveal<span className="sr-only"> the virtual key</span>
              </Button>
            </Form>
          ) : null}
        </div>
      )}
      {canWrite && !revealedKey ? <p className="text-xs text-slate-600">Revealing the key is recorded in the audit log.</p> : null}
    </div>
  );
}

/**
 * The curl example: the command reads the key from $LITELLM_KEY, and the copied text starts with the
 * line that sets it (the revealed key when it is shown, else a placeholder to replace), so a pasted
 * copy works. The masked key is never copied.
 */
function curlCommand(proxyUrl: string, model: string, key: string | null) {
  return `export LITELLM_KEY='${key ?? "paste-the-team-virtual-key-here"}'
curl ${proxyUrl}/chat/completions \\
  -H "Authorization: Bearer $LITELLM_KEY" \\
  -H "Content-Type: application/json" \\
  -d '{"model": "${model}", "messages": [{"role": "user", "content": "Hello"}]}'`;
}

function CurlSnippet({ proxyUrl, model, revealedKey }: { proxyUrl: string; model: string; revealedKey: string | null }) {
  const shown = curlCommand(proxyUrl, model, null);
  const copied = curlCommand(proxyUrl, model, revealedKey);
  const { ref, copy, feedback } = useCopyToClipboard<HTMLTextAreaElement>(copied, "command");
  return (
    <>
      <pre className="mt-3 overflow-x-auto rounded-md bg-slate-900 p-3 text-xs text-slate-100" data-testid="curl-snippet">
        <code>{shown}</code>
      </pre>
      <textarea ref={ref} readOnly value={copied} aria-hidden tabIndex={-1} className="sr-only" />
      <div className="mt-2 flex flex-wrap items-center gap-3">
        <Button type="button" variant="secondary" onClick={copy} data-testid="copy-curl">
          Copy command
        </Button>
        <span aria-live="polite" className="text-sm font-medium text-emerald-800">
          {feedback}
        </span>
      </div>
      <p className="mt-2 text-xs text-slate-600">
        {revealedKey
          ? "The copied command sets LITELLM_KEY to the revealed key."
          : "The copied command sets LITELLM_KEY to a placeholder: replace it with the team's key (Reveal above), or set LITELLM_KEY yourself and skip the first line."}
      </p>
    </>
  );
}

/** The team's usage over the chosen range: figures, spend by day, by model, and its requests. */
function TeamUsage() {
  const { team, dashboard, range } = useLoaderData<typeof loader>();
  const base = `/admin/teams/${team.team_id}/usage.csv`;
  return (
    <section aria-labelledby="usage-heading" className="space-y-4">
      <UsageHeading window={dashboard.window} defaultLabel="this budget period" />
      <DateRange
        from={dashboard.window.from_day}
        to={dashboard.window.to_day}
        today={dashboard.today}
        selected={range}
        periodLabel="This period"
        error={dashboard.window.error}
      />
      <UsageStats totals={dashboard.totals} latency={dashboard.latency} label="Usage in this range" />
      <IngestionNote ingestion={dashboard.ingestion} />
      <SpendByDayCard days={dashboard.days} csv={csvHref(base, "days", range)} />
      <ModelsCard models={dashboard.models} csv={csvHref(base, "models", range)} />
      <RecentRequestsCard
        requests={dashboard.requests}
        pageSize={REQUESTS_PAGE_SIZE}
        caption="Requests in this range, newest first"
        csv={csvHref(base, "requests", range)}
      />
    </section>
  );
}

/** The team's jobs: recent ones, cost by job type, the most expensive (components/jobs.tsx). */
function TeamJobs() {
  const { team, jobs } = useLoaderData<typeof loader>();
  const base = `/admin/teams/${team.team_id}/jobs`;
  return <JobsSection list={jobs.list} summary={jobs.summary} costliest={jobs.costliest} base={base} csv={`${base}.csv`} />;
}

export default function TeamPage() {
  const { team, state, groups, canWrite, proxyUrl, budget, ledger, alerts } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>() as TeamActionData | undefined;
  const busy = useNavigation().state !== "idle";
  const unsettled = team.provisioning || team.sync.state !== "in_sync";
  useRefreshWhile(unsettled);

  // The revealed key lives in the page's state: refreshes (which clear action data) keep it; a new key drops it.
  const [revealed, setRevealed] = useState<{ key: string; masked: string | null } | null>(null);
  useEffect(() => {
    if (data && "key" in data) setRevealed({ key: data.key, masked: data.masked });
  }, [data]);
  useEffect(() => {
    setRevealed((r) => (r && r.masked !== team.virtual_key_masked ? null : r));
  }, [team.virtual_key_masked]);

  const failure = data && "message" in data ? data : undefined;
  const edit = failure?.intent === "update" ? failure : undefined;
  const credits = failure?.intent === "add-credits" ? failure : undefined;
  const other = failure && failure.intent !== "update" && failure.intent !== "add-credits" ? failure : undefined;
  const v = (name: string, fallback: string) => edit?.values?.[name]?.[0] ?? fallback;
  const exampleModel = team.models[0] ?? "gpt-3.5-turbo";

  return (
    <>
      <p className="mb-2 text-sm">
        <Link to="/admin/teams" className="text-indigo-700 underline">
          ← Teams
        </Link>
      </p>
      <PageHeader
        title={team.name}
        description={`${team.organization_name} · ${team.team_id}`}
        actions={
          <div className="flex flex-wrap items-center gap-3">
            <TeamStateBadge state={state} />
            <Link to={`/admin/teams/${team.team_id}/portal`} className="text-sm font-medium text-indigo-700 underline">
              Customer portal access
            </Link>
            <Link to={`/admin/teams/${team.team_id}/pricing`} className="text-sm font-medium text-indigo-700 underline">
              Pricing
            </Link>
            <Link to={`/admin/organizations/${team.organization_id}/statements?team=${encodeURIComponent(team.team_id)}`} className="text-sm font-medium text-indigo-700 underline">
              Statements
            </Link>
          </div>
        }
      />
      <div className="space-y-6">
        {other ? <Alert>{other.message}</Alert> : null}

        <div className="grid gap-6 lg:grid-cols-2">
          <Card title="Virtual key">
            <KeyPanel masked={team.virtual_key_masked} provisioning={team.provisioning} canWrite={canWrite} revealedKey={revealed?.key ?? null} onHide={() => setRevealed(null)} />
          </Card>

          <Card title="LiteLLM sync">
            <div data-testid="sync-state">
              <SyncBadge sync={team.sync} provisioning={team.provisioning} withError={false} />
            </div>
            <dl className="mt-3 grid gap-2 text-sm sm:grid-cols-2">
              <div>
                <dt className="text-slate-600">Last in sync</dt>
                <dd>{formatTime(team.sync.synced_at)}</dd>
              </div>
              <div>
                <dt className="text-slate-600">Next retry</dt>
                <dd>{formatTime(team.sync.next_retry_at)}</dd>
              </div>
              {team.sync.last_error ? (
                <div className="sm:col-span-2">
                  <dt className="text-slate-600">Last error</dt>
                  <dd className="break-words text-red-800">{team.sync.last_error}</dd>
                </div>
              ) : null}
            </dl>
            {unsettled ? (
              <p className="mt-3 text-xs text-slate-600">This page refreshes every 2 seconds until LiteLLM is in step.</p>
            ) : null}
          </Card>
        </div>

        <BudgetAlertBanner alerts={alerts} />
        <BudgetCard budget={budget} ledger={ledger} canWrite={canWrite && team.status !== "deleted"} errors={credits?.fieldErrors} message={credits?.message} />

        <TeamUsage />

        <TeamJobs />

        <Card title="Details">
          <dl className="grid gap-4 text-sm sm:grid-cols-2 lg:grid-cols-3">
            <div>
              <dt className="text-slate-600">Organization</dt>
              <dd>
                <Link to={`/admin/organizations/${team.organization_id}`} className="text-indigo-700 underline">
                  {team.organization_name}
                </Link>
              </dd>
            </div>
            <div>
              <dt className="text-slate-600">Model groups</dt>
              <dd className="flex flex-wrap gap-1">
                {team.model_groups.map((g) => (
                  <Chip key={g}>{g}</Chip>
                ))}
              </dd>
            </div>
            <div>
              <dt className="text-slate-600">Models it may call</dt>
              <dd className="flex flex-wrap gap-1">
                {team.models.map((m) => (
                  <Chip key={m}>{m}</Chip>
                ))}
              </dd>
            </div>
            <div>
              <dt className="text-slate-600">Max budget</dt>
              <dd className="tabular-nums">
                {formatUsd(team.max_budget)}
                {team.max_budget != null ? (team.budget_duration ? `, resets every ${team.budget_duration}` : ", one-off") : ""}
              </dd>
            </div>
            <div>
              <dt className="text-slate-600">Budget mode</dt>
              <dd>{team.budget_mode === "hard" ? "hard: refused past the budget" : "soft: served past the budget"}</dd>
            </div>
            <div>
              <dt className="text-slate-600">Implicit jobs</dt>
              <dd>{team.implicit_jobs ? "on: a new session id starts a job" : "off: only jobs created through the API"}</dd>
            </div>
            <div>
              <dt className="text-slate-600">Rate limits</dt>
              <dd className="tabular-nums">
                {team.rpm_limit != null ? `${formatCount(team.rpm_limit)} RPM` : "no RPM limit"} · {team.tpm_limit != null ? `${formatCount(team.tpm_limit)} TPM` : "no TPM limit"}
              </dd>
            </div>
            <div>
              <dt className="text-slate-600">Created</dt>
              <dd>{formatTime(team.created_at)}</dd>
            </div>
            <div>
              <dt className="text-slate-600">Updated</dt>
              <dd>{formatTime(team.updated_at)}</dd>
            </div>
          </dl>
        </Card>

        <Card title="How to call the API">
          <p className="text-sm text-slate-700">
            The customer's application calls the LiteLLM proxy at <code className="font-mono break-all">{proxyUrl}</code> with the team's key, for any of the
            models above.
          </p>
          <CurlSnippet proxyUrl={proxyUrl} model={exampleModel} revealedKey={revealed?.key ?? null} />
        </Card>

        {canWrite ? (
          <>
            <Card title="Edit">
              <Form method="post" className="grid gap-4 sm:grid-cols-2" aria-label="Edit team">
                <input type="hidden" name="intent" value="update" />
                {edit?.message ? (
                  <div className="sm:col-span-2">
                    <Alert>{edit.message}</Alert>
                  </div>
                ) : null}
                <div className="sm:col-span-2">
                  <Field id="edit-name" label="Name" name="name" required defaultValue={v("name", team.name)} errors={edit?.fieldErrors?.name} />
                </div>
                <TeamLimitsFields
                  idPrefix="edit"
                  groups={groups}
                  values={{
                    model_groups: edit ? (edit.values?.model_groups ?? []) : team.model_groups,
                    max_budget: v("max_budget", team.max_budget == null ? "" : String(team.max_budget)),
                    budget_duration: v("budget_duration", team.budget_duration ?? ""),
                    budget_mode: v("budget_mode", team.budget_mode),
                    rpm_limit: v("rpm_limit", team.rpm_limit == null ? "" : String(team.rpm_limit)),
                    tpm_limit: v("tpm_limit", team.tpm_limit == null ? "" : String(team.tpm_limit)),
                    implicit_jobs: edit ? (edit.values?.implicit_jobs?.[0] ?? "") : team.implicit_jobs ? "on" : "",
                  }}
                  errors={edit?.fieldErrors}
                />
                <div className="sm:col-span-2">
                  <Button type="submit" disabled={busy}>Save changes</Button>
                </div>
              </Form>
            </Card>

            <Card title="Actions">
              <div className="flex flex-wrap gap-3">
                {team.status === "active" ? (
                  <Form
                    method="post"
                    onSubmit={(e) => {
                      if (!confirm(`Suspend ${team.name}? LiteLLM refuses its key until you resume the team.`)) e.preventDefault();
                    }}
                  >
                    <input type="hidden" name="intent" value="suspend" />
                    <Button type="submit" variant="secondary" disabled={busy}>Suspend team</Button>
                  </Form>
                ) : (
                  <Form method="post">
                    <input type="hidden" name="intent" value="resume" />
                    <Button type="submit" variant="secondary" disabled={busy}>Resume team</Button>
                  </Form>
                )}
                <Form
                  method="post"
                  onSubmit={(e) => {
                    if (!confirm(`Make a new key for ${team.name}? The current key stops working at once.`)) e.preventDefault();
                  }}
                >
                  <input type="hidden" name="intent" value="rotate" />
                  <Button type="submit" variant="secondary" disabled={busy || team.provisioning}>Rotate key</Button>
                </Form>
                <Form
                  method="post"
                  onSubmit={(e) => {
                    if (!confirm(`Delete ${team.name}? Its key stops working at once. Usage history is kept.`)) e.preventDefault();
                  }}
                >
                  <input type="hidden" name="intent" value="delete" />
                  <Button type="submit" variant="danger" disabled={busy}>Delete team</Button>
                </Form>
              </div>
            </Card>
          </>
        ) : null}
      </div>
    </>
  );
}

export function ErrorBoundary() {
  return <AdminRouteError backTo="/admin/teams" backLabel="Back to teams" />;
}
