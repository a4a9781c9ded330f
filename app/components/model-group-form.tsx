import { Chip, ChoiceGroup, StatusBadge, TextAreaField } from "./ui";

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
