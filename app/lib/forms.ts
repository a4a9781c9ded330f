import { useForm, type SubmissionResult } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import type { z, ZodTypeAny } from "zod";

/**
 * Forms with Conform and the services' own zod schemas, on both sides.
 *
 * A route's action (server):
 *
 *   import { parseWithZod } from "@conform-to/zod";
 *   import { replyInvalid, replyWithAppError } from "~/lib/forms.server";
 *   import { createOrganizationSchema } from "~/services/organizations.schema";   // the service's schema, client-safe
 *
 *   const submission = parseWithZod(await request.formData(), { schema: createOrganizationSchema });
 *   if (submission.status !== "success") return replyInvalid(submission);
 *   try {
 *     await createOrganization(actor, submission.value);
 *     return redirect(…);
 *   } catch (error) {
 *     return replyWithAppError(submission, error);   // field errors onto the fields, the message as the form error; non-AppError rethrown
 *   }
 *
 * Its component (browser): the same schema validates before the request is sent, and the server's
 * answer (`lastResult`) puts its errors and the typed values back into the form.
 *
 *   const data = useActionData<typeof action>();
 *   const [form, fields] = useSchemaForm(createOrganizationSchema, { id: "create-organization", lastResult: data?.result });
 *   <Form method="post" {...getFormProps(form)}>
 *     <FormErrors id={form.errorId} errors={form.errors} />   // from ~/components/ui: the form error as an Alert
 *     <Field label="Name" {...fieldProps(fields.name)} />    // name, defaultValue and errors
 *
 * Several forms on one page: give each an `intent` (hidden input) and pass `lastResultFor(data, "create-token")`
 * so a refusal shows on the form that was sent only. The schema must live in a file the browser may load
 * (`app/services/<name>.schema.ts`), never in a `.server.ts` module.
 */

/** What every action in this app answers a form with: the Conform result, and which form it was. */
export type FormReply = { intent: string | null; result: SubmissionResult<string[]> };

/**
 * Conform's useForm validating with `schema` in the browser. `Fields` is what the form's inputs are
 * (the schema's input by default; name it when the schema preprocesses, e.g. two inputs into one list).
 */
export function useSchemaForm<Schema extends ZodTypeAny, Fields extends Record<string, unknown> = z.input<Schema>>(
  schema: Schema,
  options: { id: string; lastResult?: SubmissionResult<string[]> | null; defaultValue?: Record<string, unknown> },
) {
  return useForm<Fields, z.output<Schema>>({
    id: options.id,
    lastResult: options.lastResult,
    // `defaultValue` is typed loosely: pages pass what their loader returned, which the schema then reads.
    defaultValue: options.defaultValue as never,
    shouldValidate: "onBlur",
    shouldRevalidate: "onInput",
    onValidate: ({ formData }) => parseWithZod(formData, { schema }),
  });
}

/** The server's last answer for one form of a page with several (matched on the hidden `intent`). */
export function lastResultFor(data: { intent?: string | null; result?: SubmissionResult<string[]> } | undefined | null, intent: string) {
  return data && data.intent === intent ? data.result : null;
}

/** What the helpers read of a Conform field. */
export type FieldLike = { name: string; key?: string; initialValue?: unknown; errors?: string[] };

/**
 * The props our Field/TextAreaField/SelectField take from a Conform field: name, defaultValue, errors.
 * (Not `key`: React refuses a spread key. Key the <Form> when a success should empty it.)
 */
export function fieldProps(field: FieldLike) {
  const initial = field.initialValue;
  return {
    name: field.name,
    defaultValue: typeof initial === "string" ? initial : undefined,
    errors: field.errors,
  };
}

/** A repeated field's values (checkboxes) as the list ChoiceGroup's defaultValue takes. */
export function fieldValues(field: FieldLike): string[] {
  const initial = field.initialValue;
  if (Array.isArray(initial)) return initial.filter((v): v is string => typeof v === "string");
  return typeof initial === "string" ? [initial] : [];
}
