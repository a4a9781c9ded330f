/**
 * What a handler answers, and LiteLLM's three error shapes (CONTRACT §0 "Error envelope"):
 * ProxyException, `handle_exception_on_proxy` (HE) and a bare FastAPI `{"detail": …}`, plus FastAPI's
 * own 422 for body and query validation.
 */
import { pyRepr } from "./python.ts";

export type Reply = {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Server-sent events: written one by one, in order (chat streaming). */
  events?: string[];
  /** Called once the reply is written (or lost): releases rate-limit slots. */
  onDone?: () => void;
};

/** Thrown by handlers; the router answers with its reply. */
export class ReplyError extends Error {
  constructor(readonly reply: Reply) {
    super(`LiteLLM double reply ${reply.status}`);
  }
}

export function json(body: unknown, status = 200, headers?: Record<string, string>): Reply {
  return { status, body, headers };
}

/** Shape 1: `{"error":{"message","type","param","code"}}`, `code` a string, status = int(code). */
export function proxyException(status: number, message: string, type: string, param: string | null = "None", headers?: Record<string, string>): ReplyError {
  return new ReplyError({ status, headers, body: { error: { message, type, param, code: String(status) } } });
}

/** Shape 2: HTTPException(detail=dict) through `handle_exception_on_proxy`: message is the Python repr. */
export function handledException(status: number, detail: Record<string, unknown> | string): ReplyError {
  const message = typeof detail === "string" ? detail : pyRepr(detail);
  return proxyException(status, message, "internal_server_error", "None");
}

/** Shape 3: a bare FastAPI HTTPException. */
export function bareDetail(status: number, detail: unknown): ReplyError {
  return new ReplyError({ status, body: { detail } });
}

export type ValidationIssue = { type: string; loc: Array<string | number>; msg: string; input: unknown };

/** FastAPI's default 422 for a failed Pydantic body or query validation. */
export function validationError(issues: ValidationIssue[]): ReplyError {
  return new ReplyError({ status: 422, body: { detail: issues } });
}

/** LiteLLM's "not premium" sentence that enterprise-only errors end with. */
export const NOT_PREMIUM_USER =
  "You must be a LiteLLM Enterprise user to use this feature. If you have a license please set `LITELLM_LICENSE` in your env. Get a 7 day trial key here: https://www.litellm.ai/#trial. \nPricing: https://www.litellm.ai/#pricing";

/** Enterprise-only ValueErrors end up in `handle_exception_on_proxy` as a 500 with `str(e)` (CONTRACT §0). */
export function enterpriseOnly(prefix: string): ReplyError {
  return handledException(500, `${prefix} ${NOT_PREMIUM_USER}`);
}
