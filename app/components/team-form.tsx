import { ChoiceGroup, Field, SelectField } from "./ui";

/**
 * The fields a team's create and edit forms share: model groups, budget, duration, mode and limits.
 * Input names are the service's field names, so its field errors land next to the right control.
 */

export const BUDGET_DURATIONS = ["1d", "7d", "30d", "1mo"];

export type TeamFormValues = {
  model_groups: string[];
  max_budget: string;
  budget_duration: string;
  budget_mode: string;
  rpm_limit: string;
  tpm_limit: string;
  /** "on" when ingestion makes implicit jobs for the team (docs/jobs.md). */
  implicit_jobs?: string;
};

export function TeamLimitsFields({
  groups,
  values,
  errors,
  idPrefix = "field",
}: {
  groups: Array<{ name: string; models: string[] }>;
  values: TeamFormValues;
  errors?: Record<string, string[]>;
  idPrefix?: string;
}) {
  const durations = BUDGET_DURATIONS.includes(values.budget_duration) || !values.budget_duration ? BUDGET_DURATIONS : [...BUDGET_DURATIONS, values.budget_duration];
  return (
    <>
      <div className="sm:col-span-2">
        {groups.length ? (
          <ChoiceGroup
            legend="Model groups"
            name="model_groups"
            type="checkbox"
            idPrefix={idPrefix}
            columns
            options={groups.map((g) => ({ value: g.name, label: <span className="font-mono">{g.name}</span>, description: g.models.join(", ") }))}
            defaultValue={values.model_groups}
            hint="The team may call every model of the groups you tick."
            errors={errors?.model_groups}
          />
        ) : (
          <p className="text-sm text-amber-900">
            There are no model groups yet. <a className="underline" href="/admin/model-groups">Create one</a> first.
          </p>
        )}
      </div>
      <Field
        id={`${idPrefix}-max_budget`}
        label="Max budget (USD)"
        name="max_budget"
        inputMode="decimal"
        placeholder="No budget"
        hint="USD per period, e.g. 100.00. Leave empty for no budget."
        defaultValue={values.max_budget}
        errors={errors?.max_budget}
      />
      <SelectField
        id={`${idPrefix}-budget_duration`}
        label="Budget duration"
        name="budget_duration"
        defaultValue={values.budget_duration}
        hint="How often the budget resets."
        options={[{ value: "", label: "None (one-off budget)" }, ...durations.map((d) => ({ value: d, label: d }))]}
        errors={errors?.budget_duration}
      />
      <div className="sm:col-span-2">
        <ChoiceGroup
          legend="Budget mode"
          name="budget_mode"
          type="radio"
          idPrefix={idPrefix}
          defaultValue={[values.budget_mode || "hard"]}
          options={[
            { value: "hard", label: "Hard (default)", description: "LiteLLM refuses the team's requests once the budget is spent." },
            { value: "soft", label: "Soft", description: "LiteLLM keeps serving past the budget; the spend is still tracked here." },
          ]}
          errors={errors?.budget_mode}
        />
      </div>
      <Field
        id={`${idPrefix}-rpm_limit`}
        label="RPM limit"
        name="rpm_limit"
        inputMode="numeric"
        placeholder="No limit"
        hint="Requests per minute, e.g. 100. Empty for no limit."
        defaultValue={values.rpm_limit}
        errors={errors?.rpm_limit}
      />
      <Field
        id={`${idPrefix}-tpm_limit`}
        label="TPM limit"
        name="tpm_limit"
        inputMode="numeric"
        placeholder="No limit"
        hint="Tokens per minute, e.g. 50000. Empty for no limit."
        defaultValue={values.tpm_limit}
        errors={errors?.tpm_limit}
      />
      <div className="sm:col-span-2">
        <ChoiceGroup
          legend="Jobs"
          name="implicit_jobs"
          type="checkbox"
          idPrefix={`${idPrefix}-jobs`}
          defaultValue={values.implicit_jobs === "on" ? ["on"] : []}
          options={[
            {
              value: "on",
              label: "Make a job of every new session id",
              description:
                "Off (default): only jobs created with POST /api/jobs/create collect calls. On: a call whose x-litellm-session-id is not yet one of the team's jobs starts one; a call without the header gets LiteLLM's own id, so it becomes a job of its own.",
            },
          ]}
          errors={errors?.implicit_jobs}
        />
      </div>
    </>
  );
}
