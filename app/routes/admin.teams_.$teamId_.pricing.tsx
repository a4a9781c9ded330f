import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { parseWithZod } from "@conform-to/zod";
import { Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { requireAdmin } from "~/auth/request.server";
import { can } from "~/auth/actor";
import {
  inAnHour,
  PriceListForm,
  PriceListHistory,
  PriceListNow,
  PriceVersionDetails,
  priceListDefaults,
  priceListFormSchema,
  pricedByText,
} from "~/components/price-list";
import { AdminRouteError } from "~/components/route-error";
import { Alert, Card, FormErrors, PageHeader } from "~/components/ui";
import { setFlash } from "~/lib/flash.server";
import { lastResultFor } from "~/lib/forms";
import { replyInvalid, replyUnknownIntent, replyWithAppError, throwAsResponse } from "~/lib/forms.server";
import { listAdminAccounts } from "~/services/admin-accounts.server";
import { setTeamPriceListSchema } from "~/services/price-lists.schema";
import { getTeamPriceList, setTeamPriceList } from "~/services/price-lists.server";
import { getTeam } from "~/services/teams.server";

/**
 * A team's pricing: what prices its requests now (its own list or its organization's), its own
 * list's versions, and a form that saves a new version of its own list or puts it back on the
 * organization's (kind inherit). Viewers see it all, read-only.
 */

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Pricing · ${data?.team.name ?? "Team"} · SaaS LiteLLM` }];

const priceSchema = priceListFormSchema(setTeamPriceListSchema);

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { actor, headers } = await requireAdmin(request);
  const team_id = params.teamId!;
  const [team, list, accounts] = await Promise.all([getTeam(actor, { team_id }), getTeamPriceList(actor, { team_id }), listAdminAccounts(actor)]).catch(throwAsResponse);
  return json(
    {
      team: { id: team.team_id, name: team.name, organization_id: team.organization_id, organization_name: team.organization_name },
      list,
      /** What prices the team's requests now, in words. */
      pricedBy: pricedByText(list.effective),
      who: Object.fromEntries(accounts.map((a) => [a.id, a.name])),
      later: inAnHour(),
      canWrite: can(actor, "admin"),
    },
    { headers },
  );
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { actor } = await requireAdmin(request);
  const team_id = params.teamId!;
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  if (intent !== "price-list") return replyUnknownIntent(form, intent);
  form.set("team_id", team_id);
  const submission = parseWithZod(form, { schema: priceSchema });
  if (submission.status !== "success") return replyInvalid(submission, { intent });
  try {
    const list = await setTeamPriceList(actor, submission.value);
    const saved = list.history[0];
    const when = list.current?.version_id === saved?.version_id ? "in force now" : "saved; it takes effect at the time you chose";
    const what = saved?.kind === "inherit" ? "the organization's list" : "its own list";
    return redirect(`/admin/teams/${team_id}/pricing`, {
      headers: { "Set-Cookie": await setFlash({ kind: "success", message: `Version ${saved?.version ?? ""} (${what}) ${when}.` }) },
    });
  } catch (error) {
    return replyWithAppError(submission, error, { intent });
  }
}

const TEAM_KINDS = [
  { value: "inherit", label: "Use the organization's list" },
  { value: "markup", label: "Its own list: markup over cost" },
  { value: "per_model", label: "Its own list: per-model prices" },
];

export default function TeamPricing() {
  const { team, list, pricedBy, who, later, canWrite } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const own = list.current && list.current.kind !== "inherit" ? list.current : null;
  const actionErrors = data && data.intent !== "price-list" ? data.result.error?.[""] : undefined;
  const orgPricing = `/admin/organizations/${team.organization_id}/pricing`;
  return (
    <div className="space-y-6">
      <p className="text-sm">
        <Link to={`/admin/teams/${team.id}`} className="text-indigo-700 underline">
          ← {team.name}
        </Link>
      </p>
      <PageHeader title="Pricing" description={`What ${team.name} is billed: its own price list, or its organization's (${team.organization_name}).`} />
      <FormErrors errors={actionErrors} />
      <Card title="Priced by">
        <div className="space-y-3">
          <p className="text-sm" data-testid="priced-by">
            {team.name} is priced now by <strong>{pricedBy}</strong>.{" "}
            {list.effective.source !== "team" ? (
              <Link to={orgPricing} className="text-indigo-700 underline">
                {team.organization_name}&apos;s pricing
              </Link>
            ) : null}
          </p>
          {list.effective.version ? (
            <PriceVersionDetails version={list.effective.version} caption={`Prices that bill ${team.name} now`} />
          ) : null}
        </div>
      </Card>
      <PriceListNow
        list={list}
        who={who}
        empty={
          <>
            The team has no list of its own: it uses <Link to={orgPricing} className="text-indigo-700 underline">{team.organization_name}&apos;s</Link>.
          </>
        }
      />
      <PriceListHistory list={list} who={who} />
      {canWrite ? (
        <Card title="New version">
          <p className="mb-4 text-sm text-slate-600">
            Give the team its own prices, or choose &ldquo;Use the organization&apos;s list&rdquo; to put it back on {team.organization_name}&apos;s. Each change is a new
            version, in force now or from a later time; requests already made keep the prices they were billed at.
          </p>
          <PriceListForm
            key={list.history[0]?.version_id ?? "first"}
            schema={priceSchema}
            lastResult={lastResultFor(data, "price-list")}
            defaultValue={priceListDefaults(own, own ? own.kind : "inherit", later)}
            kinds={TEAM_KINDS}
            idField={{ name: "team_id", value: team.id }}
            busy={busy}
            title="Save a new version of the team's list"
          />
        </Card>
      ) : (
        <Alert tone="warn">Viewers see the prices; an admin or owner changes them.</Alert>
      )}
    </div>
  );
}

export function ErrorBoundary() {
  return <AdminRouteError backTo="/admin/teams" backLabel="Back to teams" />;
}
