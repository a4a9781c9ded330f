/**
 * Pydantic-v2-like validation of request bodies and query strings, answering FastAPI's
 * `422 {"detail":[{type, loc, msg, input}]}` (CONTRACT §0). Only the checks the double needs: field
 * types (lax mode: numeric strings become numbers), required fields and numeric bounds.
 */
import { validationError, type ValidationIssue } from "./errors.ts";

export type FieldType = "str" | "float" | "int" | "bool" | "list" | "str_list" | "dict" | "any";
export type BodySpec = Record<string, FieldType>;

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function coerce(type: FieldType, value: unknown, loc: Array<string | number>): { value: unknown; issue?: ValidationIssue } {
  const issue = (t: string, msg: string) => ({ value, issue: { type: t, loc, msg, input: value } });
  switch (type) {
    case "any":
      return { value };
    case "str":
      return typeof value === "string" ? { value } : issue("string_type", "Input should be a valid string");
    case "float":
      if (typeof value === "number") return { value };
      if (typeof value === "string") {
        const n = Number(value);
        return value.trim() !== "" && Number.isFinite(n) ? { value: n } : issue("float_parsing", "Input should be a valid number, unable to parse string as a number");
      }
      return issue("float_type", "Input should be a valid number");
    case "int":
      if (typeof value === "number") {
        return Number.isInteger(value) ? { value } : issue("int_from_float", "Input should be a valid integer, got a number with a fractional part");
      }
      if (typeof value === "string") {
        return /^\s*[-+]?\d+\s*$/.test(value) ? { value: Number(value) } : issue("int_parsing", "Input should be a valid integer, unable to parse string as an integer");
      }
      return issue("int_type", "Input should be a valid integer");
    case "bool":
      if (typeof value === "boolean") return { value };
      if (typeof value === "string" || typeof value === "number") {
        const t = String(value).toLowerCase();
        if (["true", "1", "yes", "on", "t", "y"].includes(t)) return { value: true };
        if (["false", "0", "no", "off", "f", "n"].includes(t)) return { value: false };
        return issue("bool_parsing", "Input should be a valid boolean, unable to interpret input");
      }
      return issue("bool_type", "Input should be a valid boolean");
    case "list":
      return Array.isArray(value) ? { value } : issue("list_type", "Input should be a valid list");
    case "str_list": {
      if (!Array.isArray(value)) return issue("list_type", "Input should be a valid list");
      const bad = value.findIndex((v) => typeof v !== "string");
      if (bad >= 0) return { value, issue: { type: "string_type", loc: [...loc, bad], msg: "Input should be a valid string", input: value[bad] } };
      return { value };
    }
    case "dict":
      return isPlainObject(value) ? { value } : issue("dict_type", "Input should be a valid dictionary");
  }
}

/**
 * Validates a JSON body against `spec`. Optional fields accept null; unknown fields pass through
 * (LiteLLM's request models allow extras). Returns the coerced body and the set of fields sent.
 */
export function validateBody(body: unknown, spec: BodySpec, required: string[] = []): Record<string, unknown> {
  if (body === undefined) throw validationError([{ type: "missing", loc: ["body"], msg: "Field required", input: null }]);
  if (!isPlainObject(body)) {
    throw validationError([{ type: "model_attributes_type", loc: ["body"], msg: "Input should be a valid dictionary or object to extract fields from", input: body }]);
  }
  const issues: ValidationIssue[] = [];
  const out: Record<string, unknown> = { ...body };
  for (const name of required) {
    if (!(name in body)) issues.push({ type: "missing", loc: ["body", name], msg: "Field required", input: body });
  }
  for (const [name, type] of Object.entries(spec)) {
    if (!(name in body)) continue;
    const value = body[name];
    if (value === null && !required.includes(name)) continue;
    const result = coerce(type, value, ["body", name]);
    if (result.issue) issues.push(result.issue);
    else out[name] = result.value;
  }
  if (issues.length) throw validationError(issues);
  return out;
}

/** Reads query parameters one by one, collecting FastAPI-style issues; `done()` throws them as a 422. */
export class QueryReader {
  private issues: ValidationIssue[] = [];
  constructor(private readonly query: URLSearchParams) {}

  str(name: string): string | undefined {
    return this.query.get(name) ?? undefined;
  }

  requiredStr(name: string): string | undefined {
    const v = this.query.get(name);
    if (v === null) this.issues.push({ type: "missing", loc: ["query", name], msg: "Field required", input: null });
    return v ?? undefined;
  }

  int(name: string, bounds: { ge?: number; le?: number } = {}): number | undefined {
    return this.number(name, "int", bounds);
  }

  float(name: string, bounds: { ge?: number; le?: number } = {}): number | undefined {
    return this.number(name, "float", bounds);
  }

  bool(name: string): boolean | undefined {
    const raw = this.query.get(name);
    if (raw === null) return undefined;
    const r = coerce("bool", raw, ["query", name]);
    if (r.issue) this.issues.push(r.issue);
    return r.issue ? undefined : (r.value as boolean);
  }

  literal<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const raw = this.query.get(name);
    if (raw === null) return undefined;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    const expected = allowed.length === 1 ? `'${allowed[0]}'` : `${allowed.slice(0, -1).map((a) => `'${a}'`).join(", ")} or '${allowed.at(-1)}'`;
    this.issues.push({ type: "literal_error", loc: ["query", name], msg: `Input should be ${expected}`, input: raw });
    return undefined;
  }

  done(): void {
    if (this.issues.length) throw validationError(this.issues);
  }

  private number(name: string, type: "int" | "float", { ge, le }: { ge?: number; le?: number }): number | undefined {
    const raw = this.query.get(name);
    if (raw === null) return undefined;
    const r = coerce(type, raw, ["query", name]);
    if (r.issue) {
      this.issues.push(r.issue);
      return undefined;
    }
    const n = r.value as number;
    if (ge !== undefined && n < ge) {
      this.issues.push({ type: "greater_than_equal", loc: ["query", name], msg: `Input should be greater than or equal to ${ge}`, input: raw });
      return undefined;
    }
    if (le !== undefined && n > le) {
      this.issues.push({ type: "less_than_equal", loc: ["query", name], msg: `Input should be less than or equal to ${le}`, input: raw });
      return undefined;
    }
    return n;
  }
}

/** The body of an admin route: invalid JSON is FastAPI's `json_invalid` 422, the rest `validateBody`. */
export function readJsonBody(ctx: { body: unknown; bodyInvalid: boolean }, spec: BodySpec, required: string[] = []): Record<string, unknown> {
  if (ctx.bodyInvalid) throw validationError([{ type: "json_invalid", loc: ["body", 0], msg: "JSON decode error", input: {} }]);
  return validateBody(ctx.body, spec, required);
}

/** A literal-valued body field (`key_type`, …): FastAPI's `literal_error` 422 otherwise. */
export function checkLiteral(data: Record<string, unknown>, name: string, allowed: readonly string[]): void {
  const v = data[name];
  if (v === undefined || v === null || (typeof v === "string" && allowed.includes(v))) return;
  const expected = `${allowed.slice(0, -1).map((a) => `'${a}'`).join(", ")} or '${allowed.at(-1)}'`;
  throw validationError([{ type: "literal_error", loc: ["body", name], msg: `Input should be ${expected}`, input: v }]);
}
