import type { z } from "zod";
import { AppError, type FieldErrors } from "./errors.ts";

/** A zod failure as the 400 users see: a message naming each field and its fix, and the field errors. */
export function invalidInput(error: z.ZodError): AppError {
  const fieldErrors: FieldErrors = {};
  for (const issue of error.issues) {
    const field = issue.path.join(".") || "_form";
    (fieldErrors[field] ??= []).push(issue.message);
  }
  return fieldError(fieldErrors);
}

function fieldError(fieldErrors: FieldErrors): AppError {
  const summary = Object.entries(fieldErrors)
    .map(([field, messages]) => `${field}: ${messages.join("; ")}`)
    .join(". ");
  return new AppError("BAD_REQUEST", `Invalid input. ${summary}`, { fieldErrors });
}

// ── the rules every input obeys, whatever its schema ────────────────────────────────────────────

/** C0 control characters (NUL included) and DEL; tab, line feed and carriage return are allowed. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
export const CONTROL_CHARACTER_MESSAGE = "Must not contain control characters (such as NUL, \\u0000 or %00); remove them";

/** Dates inputs may name: PostgreSQL and ISO 8601 both hold these, and nothing we keep lies outside. */
export const EARLIEST_DATE = new Date("1970-01-01T00:00:00Z");
export const LATEST_DATE = new Date("9999-12-31T23:59:59.999Z");
export const DATE_RANGE_MESSAGE = "Must be a date between 1970-01-01 and 9999-12-31";

/** True for a valid Date within EARLIEST_DATE..LATEST_DATE. */
export function isDateInRange(date: Date): boolean {
  const ms = date.getTime();
  return !Number.isNaN(ms) && ms >= EARLIEST_DATE.getTime() && ms <= LATEST_DATE.getTime();
}

function walk(value: unknown, path: string, visit: (value: unknown, path: string) => void, depth = 0): void {
  visit(value, path);
  if (depth > 20 || value === null || typeof value !== "object" || value instanceof Date) return;
  if (Array.isArray(value)) {
    value.forEach((item, i) => walk(item, path ? `${path}.${i}` : String(i), visit, depth + 1));
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    const field = path ? `${path}.${key}` : key;
    if (CONTROL_CHARACTER.test(key)) visit(key, field);
    walk(item, field, visit, depth + 1);
  }
}

/**
 * The 400 for input that no field may hold, whatever its schema says: text with a control
 * character (PostgreSQL refuses NUL in text; no name, id or URL needs the others) and dates outside
 * 1970..9999. Every front door applies it: parseInput (services, hence forms and loaders) and the
 * tRPC middleware (tRPC and REST, before any schema). Undefined when the input is fine.
 */
export function universalInputError(input: unknown): AppError | undefined {
  const fieldErrors: FieldErrors = {};
  walk(input, "", (value, path) => {
    const field = path || "_form";
    if (typeof value === "string" && CONTROL_CHARACTER.test(value)) (fieldErrors[field] ??= []).push(CONTROL_CHARACTER_MESSAGE);
    else if (value instanceof Date && !isDateInRange(value)) (fieldErrors[field] ??= []).push(DATE_RANGE_MESSAGE);
  });
  return Object.keys(fieldErrors).length > 0 ? fieldError(fieldErrors) : undefined;
}

/** Parses input with a service's schema; a failure is a 400 naming each field and its fix. */
export function parseInput<S extends z.ZodTypeAny>(schema: S, input: unknown): z.output<S> {
  const refused = universalInputError(input);
  if (refused) throw refused;
  const result = schema.safeParse(input);
  if (!result.success) throw invalidInput(result.error);
  const outOfRange = universalInputError(result.data);
  if (outOfRange) throw outOfRange;
  return result.data;
}
