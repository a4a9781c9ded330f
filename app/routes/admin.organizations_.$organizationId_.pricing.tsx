import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { getFormProps, type SubmissionResult } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { requireAdmin } from "~/auth/request.server";
import { can } from "~/auth/actor";
import { inAnHour, PriceListForm, PriceListHistory, PriceListNow, priceListDefaults, priceListFormSchema } from "~/components/price-list";
import { AdminRouteError } from "~/components/route-error";
import { Alert, Button, Card, Field, FormErrors, PageHeader, SelectField } from "~/components/ui";
import { setFlash } from "~/lib/flash.server";
import { fieldProps, lastResultFor, useSchemaForm } from "~/lib/forms";
import { replyInvalid, replyUnknownIntent, replyWithAppError, throwAsResponse } from "~/lib/forms.server";
import { listAdminAccounts } from "~/services/admin-accounts.server";
import { STATEMENT_PERIODS, updateOrganizationSchema } from "~/services/organizations.schema";
import { getOrganization, updateOrganization } from "~/services/organizations.server";
import { setOrganizationPriceListSchema } from "~/services/price-lists.schema";
import { getOrganizationPriceList, setOrganizationPriceList } from "~/services/price-lists.server";

/**
 * An organization's pricing (docs/billing.md): its price list in force, upcoming and past versions,
 * a form that saves a new version, and how the organization is billed (statement period, currency
 * and its fixed exchange rate). Viewers see it all, read-only.
 */

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Pricing · ${data?.organization.name ?? "Organization"} · SaaS LiteLLM` }];

const priceSchema = priceListFormSchema(setOrganizationPriceListSchema);

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { actor, headers } = await requireAdmin(request);
  const organization_id = params.organizationId!;
  const [organization, list, accounts] = await Promise.all([
    getOrganization(actor, { organization_id }),
    getOrganizationPriceList(actor, { organization_id }),
    listAdminAccounts(actor),
  ]).catch(throwAsResponse);
  return json(
    {
      organization,
      list,
      /** Names of the admins who set versions, by id. */
      who: Object.fromEntries(accounts.map((a) => [a.id, a.name])),
      later: inAnHour(),
      canWrite: can(actor, "admin"),
    },
    { headers },
  );
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { actor } = await requireAdmin(request);
  const organization_id = params.organizationId!;
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  form.set("organization_id", organization_id);
  if (intent === "price-list") {
    const submission = parseWithZod(form, { schema: priceSchema });
    if (submission.status !== "success") return replyInvalid(submission, { intent });
    try {
      const list = await setOrganizationPriceList(actor, submission.value);
      const saved = list.history[0];
      const when = list.current?.version_id === saved?.version_id ? "in force now" : "saved; it takes effect at the time you chose";
      return done(organization_id, `Price list version ${saved?.version ?? ""} ${when}.`);
    } catch (error) {
      return replyWithAppError(submission, error, { intent });
    }
  }
  if (intent === "billing") {
    const submission = parseWithZod(form, { schema: updateOrganizationSchema });
    if (submission.status !== "success") return replyInvalid(submission, { intent });
    try {
      const org = await updateOrganization(actor, {
        organization_id,
        statement_period: submission.value.statement_period,
        currency: submission.value.currency,
        exchange_rate: submission.value.exchange_rate ?? null,
        exchange_rate_date: submission.value.exchange_rate_date ?? null,
      });
      return done(organization_id, `Billing of ${org.name} saved: ${currencyText(org)}.`);
    } catch (error) {
      return replyWithAppError(submission, error, { intent });
    }
  }
  return replyUnknownIntent(form, intent);
}

async function done(organizationId: string, message: string) {
  return redirect(`/admin/organizations/${organizationId}/pricing`, { headers: { "Set-Cookie": await setFlash({ kind: "success", message }) } });
}

/** "USD", or "EUR at 0.92 per USD (rate of 2026-12-01)": the rate and its date always beside the currency. */
function currencyText(org: { currency: string; exchange_rate: string | null; exchange_rate_date: string | null }) {
  if (org.currency === "USD" || !org.exchange_rate) return org.currency;
  return `${org.currency} at ${org.exchange_rate} per USD (rate of ${org.exchange_rate_date ?? "no date"})`;
}

const PERIOD_LABELS: Record<(typeof STATEMENT_PERIODS)[number], string> = {
  calendar_month: "Calendar month (UTC)",
  budget_period: "Each team's budget period",
};

const ORGANIZATION_KINDS = [
  { value: "markup", label: "Markup over cost" },
  { value: "per_model", label: "Per-model prices" },
];

/** Statement period, currency, exchange rate and its date (updateOrganization); keyed by the organization's updated_at, so a save starts it again. */
function BillingForm({
  org,
  lastResult,
  busy,
}: {
  org: { organization_id: string; statement_period: string; currency: string; exchange_rate: string | null; exchange_rate_date: string | null };
  lastResult: SubmissionResult<string[]> | null | undefined;
  busy: boolean;
}) {
  const [billingForm, billingFields] = useSchemaForm(updateOrganizationSchema, {
    id: "billing",
    lastResult,
    defaultValue: {
      organization_id: org.organization_id,
      statement_period: org.statement_period,
      currency: org.currency,
      exchange_rate: org.exchange_rate ?? "",
      exchange_rate_date: org.exchange_rate_date ?? "",
    },
  });
  return (
    <Form method="post" className="mt-6 grid gap-4 border-t border-slate-200 pt-6 sm:grid-cols-2" aria-label="Billing settings" {...getFormProps(billingForm)}>
      <h3 className="font-medium sm:col-span-2">Change billing</h3>
      <FormErrors id={billingForm.errorId} errors={billingForm.errors} className="sm:col-span-2" />
      <input type="hidden" name="intent" value="billing" />
      <input type="hidden" name="organization_id" value={org.organization_id} />
      <SelectField
        label="Statement period"
        options={STATEMENT_PERIODS.map((p) => ({ value: p, label: PERIOD_LABELS[p] }))}
        {...fieldProps(billingFields.statement_period)}
      />
      <Field label="Currency" maxLength={3} autoCapitalize="characters" hint="ISO 4217 code, e.g. USD, EUR, GBP. USD needs no rate." {...fieldProps(billingFields.currency)} />
      <Field label="Exchange rate (units per 1 USD)" inputMode="decimal" hint="Fixed; e.g. 0.92 for EUR. Shown beside every converted figure." {...fieldProps(billingFields.exchange_rate)} />
      <Field label="Rate date" type="date" {...fieldProps(billingFields.exchange_rate_date)} />
      <div className="sm:col-span-2">
        <Button type="submit" disabled={busy}>
          Save billing
        </Button>
      </div>
    </Form>
  );
}

export default function OrganizationPricing() {
  const { organization: org, list, who, later, canWrite } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  // A stale page's unknown intent: its message above the forms.
  const actionErrors = data && data.intent !== "price-list" && data.intent !== "billing" ? data.result.error?.[""] : undefined;
  return (
    <div className="space-y-6">
      <p className="text-sm">
        <Link to={`/admin/organizations/${org.organization_id}`} className="text-indigo-700 underline">
          ← {org.name}
        </Link>
      </p>
      <PageHeader
        title="Pricing"
        description={`What ${org.name}'s teams are billed: a markup over LiteLLM's cost or prices per model. Teams use this list unless they have their own.`}
      />
      <FormErrors errors={actionErrors} />
      <PriceListNow list={list} who={who} empty="No price list yet: every request is billed at its LiteLLM cost." />
      <PriceListHistory list={list} who={who} />
      {canWrite ? (
        <Card title="New version">
          <p className="mb-4 text-sm text-slate-600">
            A change never rewrites a version: it is saved as version {(list.history[0]?.version ?? 0) + 1}, in force now or from a later time. Requests already made keep
            the prices they were billed at.
          </p>
          <PriceListForm
            key={list.history[0]?.version_id ?? "first"}
            schema={priceSchema}
            lastResult={lastResultFor(data, "price-list")}
            defaultValue={priceListDefaults(list.current, "markup", later)}
            kinds={ORGANIZATION_KINDS}
            idField={{ name: "organization_id", value: org.organization_id }}
            busy={busy}
            title="Save a new price list version"
          />
        </Card>
      ) : (
        <Alert tone="warn">Viewers see the prices; an admin or owner changes them.</Alert>
      )}
      <Card title="Billing">
        <dl className="grid gap-3 text-sm sm:grid-cols-2">
          <div>
            <dt className="text-slate-600">Statement period</dt>
            <dd data-testid="statement-period">{PERIOD_LABELS[org.statement_period]}</dd>
          </div>
          <div>
            <dt className="text-slate-600">Currency</dt>
            <dd data-testid="billing-currency">{currencyText(org)}</dd>
          </div>
        </dl>
        {canWrite ? <BillingForm key={org.updated_at} org={org} lastResult={lastResultFor(data, "billing")} busy={busy} /> : null}
      </Card>
    </div>
  );
}

export function ErrorBoundary() {
  return <AdminRouteError backTo="/admin/organizations" backLabel="Back to organizations" />;
}
