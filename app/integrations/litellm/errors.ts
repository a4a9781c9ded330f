/**
 * LiteLLM's failures, as types the rest of the code branches on. LiteLLM has three error shapes
 * (ProxyException, handle_exception_on_proxy's repr-in-a-string, bare FastAPI `detail`) and two
 * generations of status codes (current 429/403, legacy 400/401) for the same failures, so the
 * classification reads the body's `type` and message first and the status only to break ties.
 * CONTRACT.md §0 (error envelope), §2 (request-time errors).
 */

export type LiteLLMErrorType =
  | "not_found"
  | "conflict"
  | "unauthorized"
  | "budget_exceeded"
  | "model_access_denied"
  | "rate_limited"
  | "bad_request"
  | "upstream";

export class LiteLLMError extends Error {
  readonly type: LiteLLMErrorType;
  /** HTTP status, or null when no response arrived (network error, timeout). */
  readonly status: number | null;
  /** LiteLLM's own `error.type` (e.g. `budget_exceeded`, `auth_error`), when it sent one. */
  readonly litellmType: string | null;
  readonly retryable: boolean;
  readonly route: string;
  /** Seconds LiteLLM asked us to wait (retry-after), for rate limits. */
  readonly retryAfterSeconds?: number;

  constructor(init: {
    type: LiteLLMErrorType;
    message: string;
    status: number | null;
    litellmType?: string | null;
    retryable?: boolean;
    route: string;
    retryAfterSeconds?: number;
    cause?: unknown;
  }) {
    super(init.message, { cause: init.cause });
    this.name = "LiteLLMError";
    this.type = init.type;
    this.status = init.status;
    this.litellmType = init.litellmType ?? null;
    this.retryable = init.retryable ?? false;
    this.route = init.route;
    this.retryAfterSeconds = init.retryAfterSeconds;
  }
}

export function isLiteLLMError(error: unknown, type?: LiteLLMErrorType): error is LiteLLMError {
  return error instanceof LiteLLMError && (type === undefined || error.type === type);
}

type Parsed = { message: string; litellmType: string | null; param: string | null };

/** Reads whichever of the three shapes the body has; `message` is always a string. */
export function readErrorBody(body: unknown): Parsed {
  if (body && typeof body === "object") {
    const b = body as Record<string, unknown>;
    // Shape 1 and 2: {"error": {"message", "type", "param", "code"}}; also {"error": "text"} from some routes.
    if (b.error && typeof b.error === "object") {
      const e = b.error as Record<string, unknown>;
      return {
        message: stringify(e.message),
        litellmType: typeof e.type === "string" && e.type !== "None" ? e.type : null,
        param: typeof e.param === "string" && e.param !== "None" ? e.param : null,
      };
    }
    if (typeof b.error === "string") return { message: b.error, litellmType: null, param: null };
    // Shape 3: {"detail": {...} | "text" | [{loc, msg}]} (FastAPI).
    if ("detail" in b) {
      const d = b.detail;
      if (Array.isArray(d)) {
        const text = d
          .map((issue) => {
            const i = issue as { loc?: unknown[]; msg?: string };
            return `${(i.loc ?? []).join(".")}: ${i.msg ?? ""}`;
          })
          .join("; ");
        return { message: text, litellmType: "validation_error", param: null };
      }
      if (d && typeof d === "object") {
        const inner = d as Record<string, unknown>;
        return { message: stringify(inner.error ?? inner.message ?? d), litellmType: null, param: null };
      }
      return { message: stringify(d), litellmType: null, param: null };
    }
  }
  return { message: typeof body === "string" ? body : "", litellmType: null, param: null };
}

function stringify(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined || value === null) return "";
  return JSON.stringify(value);
}

const NOT_FOUND = /not found|no keys found|does not exist|unable to find token/i;
const DUPLICATE = /already exists|unique key aliases|duplicate/i;

/** Classifies one error response. `route` is the path called. */
export function classifyError(route: string, status: number, body: unknown, headers?: Headers): LiteLLMError {
  const { message, litellmType, param } = readErrorBody(body);
  const text = message || `LiteLLM answered ${status}`;
  const make = (type: LiteLLMErrorType, retryable = false, extra: { retryAfterSeconds?: number } = {}) =>
    new LiteLLMError({ type, message: text, status, litellmType, retryable, route, ...extra });

  // LiteLLM's own error types come first: the same failure has different statuses by version.
  switch (litellmType) {
    case "budget_exceeded":
      return make("budget_exceeded");
    case "key_model_access_denied":
    case "team_model_access_denied":
      return make("model_access_denied");
    case "not_found_error":
      return make("not_found");
    case "token_not_found_in_db":
      // With the master key this only happens for a key that does not exist (/key/block, /key/unblock).
      return make(route.startsWith("/key/") ? "not_found" : "unauthorized");
    case "expired_key":
      return make("unauthorized");
  }
  if (status === 429 || /rate limit exceeded/i.test(text)) {
    const retryAfter = Number(headers?.get("retry-after"));
    return make("rate_limited", true, Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {});
  }
  if (status >= 500) {
    // Enterprise-only features answer 500 with a licence message: retrying cannot help.
    const licence = /enterprise|premium|licen[cs]e/i.test(text);
    return new LiteLLMError({ type: "upstream", message: `LiteLLM answered ${status} to ${route}: ${text}`, status, litellmType, retryable: !licence, route });
  }
  // auth_error is also used for "Team not found" on /key/update and /team/info (404): not-found wins.
  if (status === 404 || NOT_FOUND.test(text)) return make("not_found");
  if (DUPLICATE.test(text) || (param === "key_alias" && litellmType === "bad_request_error")) return make("conflict");
  if (status === 401 || /Authentication Error|Only proxy admin/i.test(text)) return make("unauthorized");
  // Other 4xx (422 validation, 403 "cannot move team", negative budgets…): our request was wrong.
  return make("bad_request");
}
