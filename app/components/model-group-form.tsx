import { z } from "zod";
import { createModelGroupSchema, updateModelGroupSchema } from "~/services/model-groups.schema";
import { fieldProps, fieldValues, type FieldLike } from "~/lib/forms";
import { Chip, ChoiceGroup, Field, StatusBadge, TextAreaField } from "./ui";

/** Names typed in a text box, separated by commas or new lines. */
export function splitNames(text: string): string[] {
  return text
    .split(/[,\n\r]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The form's two model inputs (checkboxes `models`, the text box `models_text`) as the one `models` list the service reads. */
function mergeModelInputs(input: unknown) {
  if (!input || typeof input !== "object") return input;
  const { models, models_text: typed, ...rest } = input as Record<string, unknown>;
  const checked = models === undefined ? [] : Array.isArray(models) ? models : [models];
  return { ...rest, models: [...checked, ...(typeof typed === "string" ? splitNames(typed) : [])] };
}

/** What the model-group forms' inputs are. */
export type ModelGroupFields = { name?: string; models?: string[]; models_text?: string; description?: string | null };

/** The service's own schemas, reading the form's two model inputs as one list. */
export const createModelGroupForm = z.preprocess(mergeModelInputs, createModelGroupSchema);
export const updateModelGroupForm = z.preprocess(mergeModelInputs, updateModelGroupSchema.omit({ model_group_id: true }));

/**
 * The Models part of the model-group forms: a checkbox per model LiteLLM serves (when it can be
 * asked) plus a text box for other names. Both arrive as `models` / `models_text`; the route merges them.
 */
export function ModelsInput({
  served,
  servedProblem,
  selected,
  typed,
  errors,
}: {
  served: string[] | null;
  servedProblem: string | null;
  selected: string[];
  typed?: string;
  errors?: string[] | null;
}) {
  const servedSet = new Set(served ?? []);
  const others = typed ?? selected.filter((m) => !servedSet.has(m)).join("\n");
  return (
    <div className="space-y-3">
      {served && served.length > 0 ? (
        <ChoiceGroup
          legend="Models"
          name="models"
          type="checkbox"
          columns
          options={served.map((m) => ({ value: m, label: <span className="font-mono">{m}</span> }))}
          defaultValue={selected.filter((m) => servedSet.has(m))}
          hint="What LiteLLM serves now. Names are exact and case-sensitive."
          errors={errors}
        />
      ) : (
        <p className="text-sm text-amber-900">
          {servedProblem ?? "LiteLLM serves no models yet."} Type the model names below: they are checked against LiteLLM when it can be asked.
        </p>
      )}
      <TextAreaField
        label={served && served.length > 0 ? "Other model names" : "Models"}
        name="models_text"
        defaultValue={others}
        placeholder="gpt-3.5-turbo, claude-3-sonnet"
        hint="Separate names with commas or new lines."
        errors={served && served.length > 0 ? undefined : errors}
      />
    </div>
  );
}

export function VerificationBadge({ verification, error }: { verification: "verified" | "unverified" | "invalid"; error: string | null }) {
  return (
    <span className="inline-flex max-w-sm flex-col items-start gap-1">
      <StatusBadge tone={verification === "verified" ? "ok" : verification === "unverified" ? "warn" : "bad"}>{verification}</StatusBadge>
      {error ? <span className={verification === "invalid" ? "text-xs text-red-800" : "text-xs text-amber-900"}>{error}</span> : null}
    </span>
  );
}

export function ModelChips({ models }: { models: string[] }) {
  return (
    <ul className="flex flex-wrap gap-1" aria-label="Models">
      {models.map((m) => (
        <li key={m}>
          <Chip>{m}</Chip>
        </li>
      ))}
    </ul>
  );
}

/**
 * The inputs both model-group forms (create, edit) have: name, models (served ones as checkboxes,
 * others typed), description. The form around them, its errors and its button are the page's.
 */
export function ModelGroupInputs({
  fields,
  served,
  servedProblem,
  nameHint,
  namePlaceholder,
}: {
  fields: { name: FieldLike; models: FieldLike; models_text: FieldLike; description: FieldLike };
  served: string[] | null;
  servedProblem: string | null;
  nameHint?: string;
  namePlaceholder?: string;
}) {
  return (
    <>
      <Field label="Name" required placeholder={namePlaceholder} hint={nameHint} {...fieldProps(fields.name)} />
      <ModelsInput served={served} servedProblem={servedProblem} selected={fieldValues(fields.models)} typed={fieldProps(fields.models_text).defaultValue} errors={fields.models.errors} />
      <TextAreaField label="Description" {...fieldProps(fields.description)} />
    </>
  );
}
