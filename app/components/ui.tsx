import { Form } from "@remix-run/react";
import { useEffect, useId, useState } from "react";
import { useCopyToClipboard } from "./copy";

/** Small shared components: one look for buttons, fields, cards, badges, empty states and toasts. */

export function cx(...classes: Array<string | false | null | undefined>) {
  return classes.filter(Boolean).join(" ");
}

export function Button({
  variant = "primary",
  className,
  ...props
}: React.ButtonHTMLAttributes<HTMLButtonElement> & { variant?: "primary" | "secondary" | "danger" }) {
  return (
    <button
      className={cx(
        "inline-flex items-center justify-center rounded-md px-3.5 py-2 text-sm font-medium shadow-sm focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:cursor-not-allowed disabled:opacity-60",
        variant === "primary" && "bg-indigo-700 text-white hover:bg-indigo-800",
        variant === "secondary" && "bg-white text-slate-900 ring-1 ring-slate-300 ring-inset hover:bg-slate-50",
        variant === "danger" && "bg-red-700 text-white hover:bg-red-800",
        className,
      )}
      {...props}
    />
  );
}

export function Field({
  label,
  name,
  errors,
  hint,
  ...input
}: React.InputHTMLAttributes<HTMLInputElement> & { label: string; name: string; errors?: string[] | null; hint?: string }) {
  const id = input.id ?? `field-${name}`;
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      <input
        id={id}
        name={name}
        aria-invalid={errors?.length ? true : undefined}
        aria-describedby={cx(Boolean(errors?.length) && errorId, hint && hintId) || undefined}
        className={cx(
          "mt-1 block w-full rounded-md border-0 px-3 py-2 text-slate-900 shadow-sm ring-1 ring-inset focus:ring-2 focus:ring-indigo-600 focus:outline-none",
          errors?.length ? "ring-red-500" : "ring-slate-300",
        )}
        {...input}
      />
      {hint ? (
        <p id={hintId} className="mt-1 text-xs text-slate-600">
          {hint}
        </p>
      ) : null}
      {errors?.length ? (
        <p id={errorId} className="mt-1 text-sm text-red-700">
          {errors.join(". ")}
        </p>
      ) : null}
    </div>
  );
}

export function Card({ title, children, actions }: { title?: string; children: React.ReactNode; actions?: React.ReactNode }) {
  const headingId = useId();
  return (
    <section className="rounded-lg bg-white p-5 shadow-sm ring-1 ring-slate-200" aria-labelledby={title ? headingId : undefined}>
      {title || actions ? (
        <div className="mb-4 flex items-center justify-between gap-4">
          {title ? (
            <h2 id={headingId} className="text-base font-semibold">
              {title}
            </h2>
          ) : (
            <span />
          )}
          {actions}
        </div>
      ) : null}
      {children}
    </section>
  );
}

export function StatusBadge({ tone, children }: { tone: "ok" | "warn" | "bad" | "neutral"; children: React.ReactNode }) {
  return (
    <span
      className={cx(
        "inline-flex items-center gap-1.5 rounded-full px-2 py-0.5 text-xs font-medium",
        tone === "ok" && "bg-emerald-50 text-emerald-800 ring-1 ring-emerald-600/20",
        tone === "warn" && "bg-amber-50 text-amber-900 ring-1 ring-amber-600/30",
        tone === "bad" && "bg-red-50 text-red-800 ring-1 ring-red-600/20",
        tone === "neutral" && "bg-slate-100 text-slate-700 ring-1 ring-slate-500/20",
      )}
    >
      <span
        aria-hidden
        className={cx(
          "h-1.5 w-1.5 rounded-full",
          tone === "ok" && "bg-emerald-600",
          tone === "warn" && "bg-amber-500",
          tone === "bad" && "bg-red-600",
          tone === "neutral" && "bg-slate-500",
        )}
      />
      {children}
    </span>
  );
}

export function EmptyState({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <div className="rounded-lg border-2 border-dashed border-slate-300 bg-white p-10 text-center">
      <h2 className="text-base font-semibold">{title}</h2>
      <div className="mx-auto mt-2 max-w-md text-sm text-slate-600">{children}</div>
    </div>
  );
}

export function PageHeader({ title, description, actions }: { title: string; description?: string; actions?: React.ReactNode }) {
  return (
    <div className="mb-6 flex flex-wrap items-end justify-between gap-4">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">{title}</h1>
        {description ? <p className="mt-1 text-sm text-slate-600">{description}</p> : null}
      </div>
      {actions}
    </div>
  );
}

export function Toast({ kind, message }: { kind: "success" | "error"; message: string }) {
  const [open, setOpen] = useState(true);
  useEffect(() => {
    setOpen(true);
    const timer = setTimeout(() => setOpen(false), 6000);
    return () => clearTimeout(timer);
  }, [message]);
  if (!open) return null;
  return (
    <div
      role="status"
      className={cx(
        "fixed right-4 bottom-4 z-50 flex max-w-sm items-start gap-3 rounded-lg px-4 py-3 text-sm shadow-lg ring-1",
        kind === "success" ? "bg-emerald-50 text-emerald-900 ring-emerald-600/30" : "bg-red-50 text-red-900 ring-red-600/30",
      )}
    >
      <span>{message}</span>
      <button type="button" className="ml-auto font-medium underline" onClick={() => setOpen(false)}>
        Dismiss
      </button>
    </div>
  );
}

export function Alert({ tone = "bad", children }: { tone?: "bad" | "warn"; children: React.ReactNode }) {
  return (
    <div
      role="alert"
      className={cx(
        "rounded-md px-3 py-2 text-sm ring-1",
        tone === "bad" ? "bg-red-50 text-red-800 ring-red-600/20" : "bg-amber-50 text-amber-900 ring-amber-600/30",
      )}
    >
      {children}
    </div>
  );
}

const controlClass = (invalid: boolean) =>
  cx(
    "mt-1 block w-full rounded-md border-0 px-3 py-2 text-slate-900 shadow-sm ring-1 ring-inset focus:ring-2 focus:ring-indigo-600 focus:outline-none",
    invalid ? "ring-red-500" : "ring-slate-300",
  );

function FieldMessages({ id, hint, errors }: { id: string; hint?: React.ReactNode; errors?: string[] | null }) {
  return (
    <>
      {hint ? (
        <p id={`${id}-hint`} className="mt-1 text-xs text-slate-600">
          {hint}
        </p>
      ) : null}
      {errors?.length ? (
        <p id={`${id}-error`} className="mt-1 text-sm text-red-700">
          {errors.join(". ")}
        </p>
      ) : null}
    </>
  );
}

function describedBy(id: string, hint: unknown, errors?: string[] | null) {
  return cx(Boolean(errors?.length) && `${id}-error`, Boolean(hint) && `${id}-hint`) || undefined;
}

export function TextAreaField({
  label,
  name,
  errors,
  hint,
  ...textarea
}: React.TextareaHTMLAttributes<HTMLTextAreaElement> & { label: string; name: string; errors?: string[] | null; hint?: React.ReactNode }) {
  const id = textarea.id ?? `field-${name}`;
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      <textarea
        id={id}
        name={name}
        rows={3}
        aria-invalid={errors?.length ? true : undefined}
        aria-describedby={describedBy(id, hint, errors)}
        className={controlClass(Boolean(errors?.length))}
        {...textarea}
      />
      <FieldMessages id={id} hint={hint} errors={errors} />
    </div>
  );
}

export function SelectField({
  label,
  name,
  errors,
  hint,
  options,
  ...select
}: React.SelectHTMLAttributes<HTMLSelectElement> & {
  label: string;
  name: string;
  errors?: string[] | null;
  hint?: React.ReactNode;
  options: Array<{ value: string; label: string }>;
}) {
  const id = select.id ?? `field-${name}`;
  return (
    // min-w-0: a select is as wide as its longest option; in a grid cell it may shrink instead of pushing the page sideways.
    <div className="min-w-0">
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      <select
        id={id}
        name={name}
        aria-invalid={errors?.length ? true : undefined}
        aria-describedby={describedBy(id, hint, errors)}
        className={controlClass(Boolean(errors?.length))}
        {...select}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <FieldMessages id={id} hint={hint} errors={errors} />
    </div>
  );
}

/** A fieldset of checkboxes or radios sharing one name, with a legend, per-option descriptions and the group's errors. */
export function ChoiceGroup({
  legend,
  name,
  type,
  options,
  defaultValue,
  errors,
  hint,
  idPrefix,
  columns = false,
}: {
  legend: string;
  name: string;
  type: "checkbox" | "radio";
  options: Array<{ value: string; label: React.ReactNode; description?: React.ReactNode }>;
  defaultValue?: string[];
  errors?: string[] | null;
  hint?: React.ReactNode;
  idPrefix?: string;
  columns?: boolean;
}) {
  const id = `${idPrefix ?? "field"}-${name}`;
  const selected = new Set(defaultValue ?? []);
  return (
    // min-w-0: a fieldset's default min-width is its content's (the longest option label), which would push narrow pages sideways.
    <fieldset className="min-w-0" aria-describedby={describedBy(id, hint, errors)} aria-invalid={errors?.length ? true : undefined}>
      <legend className="text-sm font-medium text-slate-800">{legend}</legend>
      <div className={cx("mt-2 gap-2", columns ? "grid sm:grid-cols-2" : "space-y-2")}>
        {options.map((o) => {
          const optionId = `${id}-${o.value.replace(/[^A-Za-z0-9_-]/g, "_")}`;
          return (
            <div key={o.value} className="flex items-start gap-2">
              <input
                id={optionId}
                type={type}
                name={name}
                value={o.value}
                defaultChecked={selected.has(o.value)}
                aria-describedby={o.description ? `${optionId}-desc` : undefined}
                className="mt-0.5 h-4 w-4 shrink-0 accent-indigo-700"
              />
              <div className="min-w-0 text-sm">
                <label htmlFor={optionId} className="break-words text-slate-900">
                  {o.label}
                </label>
                {o.description ? (
                  <p id={`${optionId}-desc`} className="text-xs text-slate-600">
                    {o.description}
                  </p>
                ) : null}
              </div>
            </div>
          );
        })}
      </div>
      <FieldMessages id={id} hint={hint} errors={errors} />
    </fieldset>
  );
}

/** A small pill for names in a list (models, model groups). */
export function Chip({ children }: { children: React.ReactNode }) {
  return <span className="inline-block rounded bg-slate-100 px-1.5 whitespace-nowrap py-0.5 font-mono text-xs text-slate-800 ring-1 ring-slate-200">{children}</span>;
}

/** A form's own errors (the service's message, see app/lib/forms.ts) as an Alert; nothing when there are none. `id`: Conform's form.errorId, which the form's aria-describedby names. */
export function FormErrors({ id, errors, className }: { id?: string; errors?: string[] | null; className?: string }) {
  if (!errors?.length) return null;
  return (
    <div id={id} className={className}>
      <Alert>{errors.join(" ")}</Alert>
    </div>
  );
}

/**
 * One button that posts `intent` (and hidden `values`) after the browser's confirm dialog: delete,
 * disable, revoke. The button's text is `children`; say what it acts on in an sr-only span.
 */
export function ConfirmForm({
  intent,
  values,
  question,
  variant = "secondary",
  disabled,
  className,
  children,
}: {
  intent: string;
  values?: Record<string, string>;
  question: string;
  variant?: "primary" | "secondary" | "danger";
  disabled?: boolean;
  className?: string;
  children: React.ReactNode;
}) {
  return (
    <Form
      method="post"
      className={className}
      onSubmit={(e) => {
        if (!confirm(question)) e.preventDefault();
      }}
    >
      <input type="hidden" name="intent" value={intent} />
      {Object.entries(values ?? {}).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <Button type="submit" variant={variant} disabled={disabled}>
        {children}
      </Button>
    </Form>
  );
}

/**
 * A secret shown once (an API token, a webhook signing secret, a virtual key, a portal link): what
 * happened, the value in a read-only box with Copy (and Hide when `onHide` is given), and how to keep it.
 * `region` names the box for screen readers; `what` is the thing's name in the Copy button ("the API token").
 */
export function OnceSecret({
  label,
  value,
  what,
  title,
  note,
  region,
  onHide,
  testId,
}: {
  label: string;
  value: string;
  what: string;
  title?: React.ReactNode;
  note?: React.ReactNode;
  region?: string;
  onHide?: () => void;
  testId?: string;
}) {
  const id = useId();
  const { ref, copy, feedback } = useCopyToClipboard<HTMLInputElement>(value, what.replace(/^the /, ""));
  return (
    <section aria-label={region} data-testid={testId} className="space-y-2 rounded-md bg-emerald-50 p-4 text-sm text-emerald-950 ring-1 ring-emerald-600/30">
      {title ? (
        <p role="status" className="font-medium">
          {title}
        </p>
      ) : null}
      <label htmlFor={id} className="block font-medium text-slate-800">
        {label}
      </label>
      <div className="flex flex-wrap items-center gap-2">
        <input
          ref={ref}
          id={id}
          readOnly
          value={value}
          onFocus={(e) => e.currentTarget.select()}
          className="min-w-0 flex-1 rounded-md border-0 bg-white px-3 py-2 font-mono text-slate-900 ring-1 ring-slate-300 ring-inset"
        />
        <Button type="button" onClick={copy}>
          Copy<span className="sr-only"> {what}</span>
        </Button>
        {onHide ? (
          <Button type="button" variant="secondary" onClick={onHide}>
            Hide<span className="sr-only"> {what}</span>
          </Button>
        ) : null}
        <span role="status" className="text-emerald-800">
          {feedback}
        </span>
      </div>
      {note ? <p className="text-xs text-slate-700">{note}</p> : null}
    </section>
  );
}
