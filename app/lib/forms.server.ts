import type { Submission } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import { json } from "@remix-run/node";
import { z } from "zod";
import { AppError, isAppError, type FieldErrors } from "./errors.ts";
import type { FormReply } from "./forms.ts";

/**
 * Transport helpers for Remix routes: turn form strings into the values a service's schema reads,
 * and an AppError into what a page shows. No business rules: the services validate everything.
 */

/**
 * A service's AppError as the form's answer (see app/lib/forms.ts): its field errors onto the fields
 * (a field the form does not have, or "_form", joins the form errors), its message as the form error,
 * with its HTTP status (and Retry-After when it has one). Anything that is not an AppError is rethrown.
 * `hideFields` keeps secrets out of the values sent back to re-fill the form.
 */
export function replyWithAppError(
  submission: Submission<unknown>,
  error: unknown,
  options: { intent?: string; hideFields?: string[]; headers?: HeadersInit } = {},
) {
  if (!isAppError(error)) throw error;
  const fieldErrors: FieldErrors = {};
  for (const [field, messages] of Object.entries(error.fieldErrors ?? {})) {
    if (field === "_form" || field === "") continue;
    fieldErrors[field] = messages;
  }
  const headers = new Headers(options.headers);
  if (error.retryAfterSeconds) headers.set("Retry-After", String(error.retryAfterSeconds));
  const result = submission.reply({ formErrors: [error.userMessage], fieldErrors, hideFields: options.hideFields });
  return json<FormReply>({ intent: options.intent ?? null, result }, { status: error.status, headers });
}

/** The schema refused the form (the browser normally catches this first): a 400 with the fields' errors. */
export function replyInvalid(submission: Submission<unknown>, options: { intent?: string; hideFields?: string[] } = {}) {
  return json<FormReply>({ intent: options.intent ?? null, result: submission.reply({ hideFields: options.hideFields }) }, { status: 400 });
}

/** A form whose fields the route does not read (a button posting only its intent): its submission, for replyWithAppError. */
export function buttonSubmission(form: FormData) {
  return parseWithZod(form, { schema: z.object({}).passthrough() });
}

/** The page posted an intent the action does not know (a stale page): a 400 that says what to do. */
export function replyUnknownIntent(form: FormData, intent: string) {
  return replyWithAppError(buttonSubmission(form), new AppError("BAD_REQUEST", "Unknown action; reload the page and try again."), { intent });
}

/** A form's success answer when the page stays (no redirect): the form starts empty again. */
export function replyDone(submission: Submission<unknown>, options: { intent?: string } = {}) {
  return { intent: options.intent ?? null, result: submission.reply({ resetForm: true }) } satisfies FormReply;
}

const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** "" → null, "12.5" → 12.5, "1e15" → 1e15 (so the service names its ceiling); anything else goes through as typed, so the service says "must be a number". */
export function formNumber(value: FormDataEntryValue | null): number | string | null {
  if (value === null) return null;
  const text = String(value).trim();
  if (text === "") return null;
  return NUMERIC.test(text) ? Number(text) : text;
}

/** "" (or absent) → null, otherwise the text as typed. */
export function formText(value: FormDataEntryValue | null): string | null {
  if (value === null) return null;
  const text = String(value);
  return text.trim() === "" ? null : text;
}

/** Every value of a repeated field (checkboxes), as strings. */
export function formList(form: FormData, name: string): string[] {
  return form.getAll(name).map(String);
}

/** Names typed in a text box, separated by commas or new lines. */
export function splitNames(value: FormDataEntryValue | null): string[] {
  return String(value ?? "")
    .split(/[,\n\r]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The team form's fields (create and edit share them) as the teams service reads them. */
export function teamFormInput(form: FormData) {
  return {
    name: String(form.get("name") ?? ""),
    model_groups: formList(form, "model_groups"),
    max_budget: formNumber(form.get("max_budget")),
    budget_duration: formText(form.get("budget_duration")),
    budget_mode: String(form.get("budget_mode") ?? "hard"),
    rpm_limit: formNumber(form.get("rpm_limit")),
    tpm_limit: formNumber(form.get("tpm_limit")),
    implicit_jobs: form.get("implicit_jobs") === "on",
  };
}

/** What the user typed (for re-filling the form after a refusal), secrets excluded. */
export type FormValues = Record<string, string[]>;
export function formValues(form: FormData, omit: string[] = ["password"]): FormValues {
  const values: FormValues = {};
  for (const [key, value] of form.entries()) {
    if (omit.includes(key) || typeof value !== "string") continue;
    (values[key] ??= []).push(value);
  }
  return values;
}

export type FormActionData = { intent: string; message: string; fieldErrors?: FieldErrors; values?: FormValues };

/** An AppError from a service as the action's answer (message + field errors, with its status); anything else is rethrown. */
export function formError(intent: string, error: unknown, values?: FormValues) {
  if (!isAppError(error)) throw error;
  return json<FormActionData>({ intent, message: error.userMessage, fieldErrors: error.fieldErrors, values }, { status: error.status });
}

/** For loaders: an AppError becomes an error response the route's ErrorBoundary shows (404 for NOT_FOUND, …). */
export function throwAsResponse(error: unknown): never {
  if (isAppError(error)) throw json({ message: error.userMessage }, { status: error.status });
  throw error;
}
