import { getFormProps, type SubmissionResult } from "@conform-to/react";
import { Form } from "@remix-run/react";
import { z, type ZodTypeAny } from "zod";
import type { PriceList, PriceVersion } from "~/services/price-lists.server";
import { formatTime } from "./format";
import { Button, Card, ChoiceGroup, EmptyState, Field, FormErrors, SelectField, StatusBadge } from "./ui";
import { fieldProps, fieldValues, useSchemaForm } from "~/lib/forms";

/**
 * The price-list pieces of the admin pricing pages (organization and team): what a version charges,
 * the version history, and the form that saves a new version. Client-safe: the types come from the
 * service (type-only import), the form schema wraps the service's own schema.
 */

/** What the price-list form's inputs are: the service's fields, plus "when" (now / later) and effective_at as a datetime-local in UTC. */
export type PriceListFields = {
  organization_id?: string;
  team_id?: string;
  kind: string;
  markup_percent?: string;
  fallback_markup_percent?: string;
  models?: Array<{ model?: string; input_per_million?: string; output_per_million?: string }>;
  when: string;
  effective_at?: string;
  note?: string;
};

const LOCAL_MINUTES = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;
const LOCAL_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;

const blank = (v: unknown) => v === undefined || v === null || (typeof v === "string" && v.trim() === "");

/**
 * The form's values as the service reads them: "when: now" drops effective_at, "when: later" reads
 * the datetime-local input as UTC; only the kind's own fields go through; empty model rows at the
 * end are dropped (the rows before keep their index, so errors stay on their row).
 */
function fromForm(value: unknown, ctx: z.RefinementCtx) {
  if (!value || typeof value !== "object") return value;
  const { when, effective_at, models, markup_percent, fallback_markup_percent, ...rest } = value as Record<string, unknown>;
  const out: Record<string, unknown> = { ...rest };
  if (when === "later") {
    const text = typeof effective_at === "string" ? effective_at.trim() : "";
    if (!text) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["effective_at"], message: "Give the date and time (UTC) the prices take effect, or choose now" });
    else out.effective_at = LOCAL_MINUTES.test(text) ? `${text}:00Z` : LOCAL_SECONDS.test(text) ? `${text}Z` : text;
  }
  if (rest.kind === "markup") out.markup_percent = markup_percent;
  if (rest.kind === "per_model") {
    out.fallback_markup_percent = fallback_markup_percent;
    const rows = Array.isArray(models) ? [...models] : models === undefined ? [] : [models];
    while (rows.length) {
      const last = rows[rows.length - 1] as Record<string, unknown> | undefined;
      if (last && typeof last === "object" && !Object.values(last).every(blank)) break;
      if (last !== undefined && (typeof last !== "object" || last === null)) break;
      rows.pop();
    }
    out.models = rows;
  }
  return out;
}

/** The service's schema (setOrganizationPriceListSchema or setTeamPriceListSchema) read from the form's inputs; the same on both sides. */
export function priceListFormSchema<Schema extends ZodTypeAny>(schema: Schema) {
  return z.preprocess(fromForm, schema);
}

/** "2026-12-07T14:00" in UTC: the next full hour at least an hour away, as the datetime-local's starting value (the loader computes it, so server and browser agree). */
export function inAnHour(now: Date = new Date()): string {
  return new Date(Math.ceil((now.getTime() + 3_600_000) / 3_600_000) * 3_600_000).toISOString().slice(0, 16);
}

/** USD per 1M tokens with up to 4 decimals (prices keep 4): "$2.50", "$0.1255". */
export function formatPrice(value: number): string {
  return value.toLocaleString("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 4 });
}

const percent = (value: number) => `${value.toLocaleString("en-US", { maximumFractionDigits: 4 })} %`;

export const KIND_LABELS: Record<PriceVersion["kind"], string> = {
  markup: "Markup over cost",
  per_model: "Per-model prices",
  inherit: "The organization's list",
};

/** One line saying what a version charges: "cost + 30 %", "3 models priced; others cost + 10 %". */
export function describeVersion(version: PriceVersion): string {
  if (version.kind === "markup") return `cost + ${percent(version.markup_percent ?? 0)}`;
  if (version.kind === "inherit") return "the organization's list";
  const others = version.fallback_markup_percent === null ? "others billed at cost" : `others cost + ${percent(version.fallback_markup_percent)}`;
  return `${version.models.length} ${version.models.length === 1 ? "model" : "models"} priced; ${others}`;
}

/** What prices a team's requests now, in words (the team page says it; its tests read it). */
export function pricedByText(effective: PriceList["effective"]): string {
  if (effective.source === "team" && effective.version) return `its own list (version ${effective.version.version})`;
  if (effective.source === "organization" && effective.version) return `the organization's list (version ${effective.version.version})`;
  return "no price list: billed at cost";
}

/** What one version charges: the markup, or its per-model table with the fallback markup. */
export function PriceVersionDetails({ version, caption }: { version: PriceVersion; caption: string }) {
  if (version.kind === "markup") {
    return (
      <p className="text-sm">
        Every model is billed at its LiteLLM cost plus <strong className="tabular-nums">{percent(version.markup_percent ?? 0)}</strong>.
      </p>
    );
  }
  if (version.kind === "inherit") return <p className="text-sm">Priced by the organization&apos;s list.</p>;
  return (
    <div className="space-y-2">
      <div className="overflow-x-auto">
        <table className="min-w-full text-left text-sm">
          <caption className="sr-only">{caption}</caption>
          <thead className="text-slate-600">
            <tr>
              <th scope="col" className="py-2 pr-4 font-medium">Model</th>
              <th scope="col" className="py-2 pr-4 text-right font-medium">Input, USD per 1M tokens</th>
              <th scope="col" className="py-2 text-right font-medium">Output, USD per 1M tokens</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {version.models.map((m) => (
              <tr key={m.model}>
                <th scope="row" className="py-2 pr-4 font-mono text-xs font-normal break-all">{m.model}</th>
                <td className="py-2 pr-4 text-right tabular-nums">{formatPrice(m.input_per_million)}</td>
                <td className="py-2 text-right tabular-nums">{formatPrice(m.output_per_million)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="text-sm">
        Models not listed:{" "}
        {version.fallback_markup_percent === null ? (
          <strong>billed at cost</strong>
        ) : (
          <>
            cost plus <strong className="tabular-nums">{percent(version.fallback_markup_percent)}</strong>
          </>
        )}
        .
      </p>
    </div>
  );
}

/** The version in force now, and those that take effect later. */
export function PriceListNow({ list, who, empty }: { list: PriceList; who: Record<string, string>; empty: React.ReactNode }) {
  return (
    <>
      <Card title="In force now">
        {list.current ? (
          <div className="space-y-3" data-testid="price-list-current">
            <p className="text-sm text-slate-700">
              Version {list.current.version}, {KIND_LABELS[list.current.kind].toLowerCase()}, since {formatTime(list.current.effective_at)} (set by{" "}
              {who[list.current.created_by] ?? list.current.created_by}).
            </p>
            <PriceVersionDetails version={list.current} caption={`Prices of version ${list.current.version}`} />
          </div>
        ) : (
          <div className="text-sm text-slate-700">{empty}</div>
        )}
      </Card>
      {list.upcoming.length ? (
        <Card title="Upcoming">
          <ul className="space-y-4">
            {list.upcoming.map((v) => (
              <li key={v.version_id} className="space-y-2">
                <p className="text-sm font-medium">
                  Version {v.version} from {formatTime(v.effective_at)}: {describeVersion(v)}
                </p>
                <PriceVersionDetails version={v} caption={`Prices of version ${v.version}`} />
              </li>
            ))}
          </ul>
        </Card>
      ) : null}
    </>
  );
}

/** Every version of a list, newest first: version, kind, what it charges, effective time, who, note. */
export function PriceListHistory({ list, who }: { list: PriceList; who: Record<string, string> }) {
  const upcoming = new Set(list.upcoming.map((v) => v.version_id));
  return (
    <Card title="Version history">
      {list.history.length ? (
        <div className="overflow-x-auto">
          <table className="min-w-full text-left text-sm">
            <caption className="sr-only">Versions of the price list, newest first</caption>
            <thead className="text-slate-600">
              <tr>
                <th scope="col" className="py-2 pr-4 font-medium">Version</th>
                <th scope="col" className="py-2 pr-4 font-medium">Kind</th>
                <th scope="col" className="py-2 pr-4 font-medium">Prices</th>
                <th scope="col" className="py-2 pr-4 font-medium">Effective</th>
                <th scope="col" className="py-2 pr-4 font-medium">By</th>
                <th scope="col" className="py-2 font-medium">Note</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {list.history.map((v) => (
                <tr key={v.version_id} data-testid="price-version-row">
                  <th scope="row" className="py-2 pr-4 font-medium whitespace-nowrap">
                    {v.version}{" "}
                    {v.version_id === list.current?.version_id ? (
                      <StatusBadge tone="ok">in force</StatusBadge>
                    ) : upcoming.has(v.version_id) ? (
                      <StatusBadge tone="warn">upcoming</StatusBadge>
                    ) : null}
                  </th>
                  <td className="py-2 pr-4">{KIND_LABELS[v.kind]}</td>
                  <td className="py-2 pr-4">
                    {v.kind === "per_model" ? (
                      <details>
                        <summary className="cursor-pointer">{describeVersion(v)}</summary>
                        <div className="mt-2">
                          <PriceVersionDetails version={v} caption={`Prices of version ${v.version}`} />
                        </div>
                      </details>
                    ) : (
                      describeVersion(v)
                    )}
                  </td>
                  <td className="py-2 pr-4 whitespace-nowrap">{formatTime(v.effective_at)}</td>
                  <td className="py-2 pr-4">{who[v.created_by] ?? v.created_by}</td>
                  <td className="py-2 break-words">{v.note ?? "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <EmptyState title="No versions yet">Save the first version with the form below; its history starts there.</EmptyState>
      )}
    </Card>
  );
}

/**
 * The form that saves a new version (intent "price-list"), validated in the browser by `schema`
 * (priceListFormSchema of the service's). Per-model prices are rows of model + input + output (add
 * and remove rows with Conform's list intents); only the chosen kind's fields are shown and sent.
 * Key it by the newest version's id, so a save starts it again from the list just saved.
 */
export function PriceListForm({
  schema,
  lastResult,
  defaultValue,
  kinds,
  idField,
  busy,
  title,
}: {
  schema: ZodTypeAny;
  lastResult: SubmissionResult<string[]> | null | undefined;
  defaultValue: Record<string, unknown>;
  kinds: Array<{ value: string; label: string }>;
  idField: { name: "organization_id" | "team_id"; value: string };
  busy: boolean;
  title: string;
}) {
  const [form, fields] = useSchemaForm<ZodTypeAny, PriceListFields>(schema, {
    id: "price-list",
    lastResult,
    defaultValue: { [idField.name]: idField.value, ...defaultValue },
  });
  const kind = fields.kind.value ?? (typeof fields.kind.initialValue === "string" ? fields.kind.initialValue : "markup");
  const when = fields.when.value ?? (typeof fields.when.initialValue === "string" ? fields.when.initialValue : "now");
  const rows = fields.models.getFieldList();
  return (
    <Form method="post" className="grid gap-4 sm:grid-cols-2" aria-label={title} {...getFormProps(form)}>
      <h3 className="font-medium sm:col-span-2">{title}</h3>
      <FormErrors id={form.errorId} errors={form.errors} className="sm:col-span-2" />
      <input type="hidden" name="intent" value="price-list" />
      <input type="hidden" name={idField.name} value={idField.value} />
      <SelectField label="Kind" options={kinds} {...fieldProps(fields.kind)} />
      {kind === "markup" ? (
        <Field label="Markup over cost (%)" inputMode="decimal" hint="e.g. 30 bills cost + 30 %" {...fieldProps(fields.markup_percent)} />
      ) : (
        <div />
      )}
      {kind === "per_model" ? (
        <fieldset className="min-w-0 space-y-3 sm:col-span-2">
          <legend className="text-sm font-medium text-slate-800">Prices per model (USD per 1M tokens)</legend>
          <FormErrors errors={fields.models.errors} />
          {rows.map((row, index) => {
            const cells = row.getFieldset();
            return (
              <div key={row.key} className="grid items-start gap-3 sm:grid-cols-[2fr_1fr_1fr_auto]" data-testid="price-row">
                <Field label="LiteLLM model" aria-label={`LiteLLM model, row ${index + 1}`} id={`model-${row.key}`} placeholder="gpt-4o" {...fieldProps(cells.model)} />
                <Field
                  label="Input per 1M"
                  aria-label={`Input USD per 1M tokens, row ${index + 1}`}
                  id={`input-${row.key}`}
                  inputMode="decimal"
                  placeholder="2.50"
                  {...fieldProps(cells.input_per_million)}
                />
                <Field
                  label="Output per 1M"
                  aria-label={`Output USD per 1M tokens, row ${index + 1}`}
                  id={`output-${row.key}`}
                  inputMode="decimal"
                  placeholder="10.00"
                  {...fieldProps(cells.output_per_million)}
                />
                <div className="sm:pt-6">
                  <Button type="submit" variant="secondary" {...form.remove.getButtonProps({ name: fields.models.name, index })}>
                    Remove<span className="sr-only"> row {index + 1}</span>
                  </Button>
                </div>
              </div>
            );
          })}
          <Button type="submit" variant="secondary" {...form.insert.getButtonProps({ name: fields.models.name })}>
            Add a model
          </Button>
          <Field
            label="Markup for models not listed (%)"
            inputMode="decimal"
            hint="Leave empty to bill models not listed at cost (the Models page flags them)."
            {...fieldProps(fields.fallback_markup_percent)}
          />
        </fieldset>
      ) : null}
      <div className="sm:col-span-2">
        <ChoiceGroup
          legend="Takes effect"
          name={fields.when.name}
          type="radio"
          idPrefix={form.id}
          defaultValue={fieldValues(fields.when)}
          errors={fields.when.errors}
          options={[
            { value: "now", label: "Now" },
            { value: "later", label: "Later, at the time below (UTC)" },
          ]}
        />
      </div>
      {when === "later" ? (
        <Field label="Effective at (UTC)" type="datetime-local" hint="Now or later: history is never rewritten." {...fieldProps(fields.effective_at)} />
      ) : (
        <input type="hidden" name={fields.effective_at.name} value="" />
      )}
      <Field label="Note (optional)" placeholder="Q1 price review" {...fieldProps(fields.note)} />
      <div className="sm:col-span-2">
        <Button type="submit" disabled={busy}>
          Save a new version
        </Button>
      </div>
    </Form>
  );
}

/** The form's starting values: the version in force (so a change starts from it), one empty model row at least, effective now (or at `later` if chosen). */
export function priceListDefaults(current: PriceVersion | null, fallbackKind: string, later: string) {
  const kind = current?.kind ?? fallbackKind;
  return {
    kind,
    markup_percent: current?.markup_percent != null ? String(current.markup_percent) : "",
    fallback_markup_percent: current?.fallback_markup_percent != null ? String(current.fallback_markup_percent) : "",
    models: current?.models.length
      ? current.models.map((m) => ({ model: m.model, input_per_million: String(m.input_per_million), output_per_million: String(m.output_per_million) }))
      : [{ model: "", input_per_million: "", output_per_million: "" }],
    when: "now",
    effective_at: later,
    note: "",
  };
}
