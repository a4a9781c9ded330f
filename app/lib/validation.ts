import type { z } from "zod";
import { AppError, type FieldErrors } from "./errors.ts";

/** A zod failure as the 400 users see: a message naming each field and its fix, and the field errors. */
export function invalidInput(error: z.ZodError): AppError {
  const fieldErrors: FieldErrors = {};
  for (const issue of error.issues) {
    const field = issue.path.join(".") || "_form";
    (fieldErrors[field] ??= []).push(issue.message);
  }
  const summary = Object.entries(fieldErrors)
    .map(([field, messages]) => `${field}: ${messages.join("; ")}`)
    .join(". ");
  return new AppError("BAD_REQUEST", `Invalid input. ${summary}`, { fieldErrors });
}

/** Parses input with a service's schema; a failure is a 400 naming each field and its fix. */
export function parseInput<S extends z.ZodTypeAny>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw invalidInput(result.error);
}
