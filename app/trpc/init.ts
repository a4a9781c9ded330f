import { initTRPC, TRPCError } from "@trpc/server";
import type { OpenApiMeta } from "trpc-to-openapi";
import { ZodError } from "zod";
import { invalidInput, universalInputError } from "~/lib/validation";
import { authenticateApi } from "~/auth/request.server";
import { AppError, ERROR_CODES, isAppError } from "~/lib/errors";
import { logger } from "~/lib/logger.server";
import { isCustomer, type Actor } from "~/auth/actor";

/**
 * The one tRPC file: context, then procedure tiers. Procedures translate transport only: they pass
 * input to one service function, which validates it, authorises the actor and does the work.
 */

export type TrpcContext = {
  actor: Actor | null;
  authError?: AppError;
  requestId: string;
  clientAddress: string;
  responseHeaders: Headers;
  /** The `Idempotency-Key` header, for operations that honour it (credits). */
  idempotencyKey: string | null;
};

/** `via` says which front door the call came through (tRPC, or REST: app/trpc/rest.server.ts); audit events record it. */
export async function createContext(
  request: Request,
  extra: { requestId: string; clientAddress: string; via?: "trpc" | "rest" },
): Promise<TrpcContext> {
  try {
    const { actor, headers } = await authenticateApi(request, extra.via ?? "trpc", extra.clientAddress);
    return { actor, requestId: extra.requestId, clientAddress: extra.clientAddress, responseHeaders: headers, idempotencyKey: request.headers.get("idempotency-key") };
  } catch (error) {
    if (!isAppError(error)) throw error;
    // A wrong X-Admin-Key: public procedures still answer; protected ones report this error.
    return { actor: null, authError: error, requestId: extra.requestId, clientAddress: extra.clientAddress, responseHeaders: new Headers(), idempotencyKey: null };
  }
}

// Meta: `openapi` ({ method, path, ... }) gives a procedure a REST endpoint and a place in /api/openapi.json (docs/api.md).
const t = initTRPC.context<TrpcContext>().meta<OpenApiMeta>().create({
  errorFormatter({ shape, error, ctx }) {
    const cause = error.cause;
    if (isAppError(cause)) {
      return {
        ...shape,
        message: cause.userMessage,
        data: { code: shape.data.code, httpStatus: cause.status, appCode: cause.code, fieldErrors: cause.fieldErrors ?? null, retryAfterSeconds: cause.retryAfterSeconds ?? null },
      };
    }
    if (error.code === "INTERNAL_SERVER_ERROR") {
      return {
        ...shape,
        message: `Something went wrong on our side. Quote request id ${ctx?.requestId ?? "unknown"} when you report it.`,
        data: { code: shape.data.code, httpStatus: 500, appCode: "INTERNAL", fieldErrors: null, retryAfterSeconds: null },
      };
    }
    return { ...shape, data: { code: shape.data.code, httpStatus: shape.data.httpStatus, appCode: error.code, fieldErrors: null, retryAfterSeconds: null } };
  },
});

/** Maps service errors (AppError) to tRPC's codes through the one error table. */
const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) {
    // Input refused by a procedure's schema: the same 400 with field errors as a service's own check.
    if (result.error.code === "BAD_REQUEST" && result.error.cause instanceof ZodError) {
      const invalid = invalidInput(result.error.cause);
      result.error = new TRPCError({ code: "BAD_REQUEST", message: invalid.userMessage, cause: invalid });
      return result;
    }
    const cause = result.error.cause;
    if (isAppError(cause)) {
      result.error = new TRPCError({ code: ERROR_CODES[cause.code].trpc, message: cause.userMessage, cause });
    } else if (result.error.code === "INTERNAL_SERVER_ERROR") {
      logger().error({ err: result.error.cause ?? result.error }, "tRPC procedure failed");
    }
  }
  return result;
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
/** NUL and other control characters, or dates outside 1970..9999, in any field: a 400 naming it, before any schema or query sees it. */
const refuseUnstorableInput = t.middleware(async ({ getRawInput, next }) => {
  const refused = universalInputError(await getRawInput());
  if (refused) throw refused;
  return next();
});

export const publicProcedure = t.procedure.use(mapErrors).use(refuseUnstorableInput);

const SIGN_IN_FIRST = "Sign in first: send `X-Admin-Key: <MASTER_KEY>` or `Authorization: Bearer <API token>`, or call from a signed-in admin session.";

/** Any signed-in admin (viewers included); services decide what each role may do. A team's virtual key is refused here. */
export const adminProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.actor) {
    if (ctx.authError) throw ctx.authError;
    throw new TRPCError({ code: "UNAUTHORIZED", message: SIGN_IN_FIRST });
  }
  if (isCustomer(ctx.actor)) {
    throw new AppError(
      "FORBIDDEN",
      "A team's virtual key only opens the jobs API (/api/jobs/…, /api/teams/{team_id}/jobs). For everything else send an API token (Authorization: Bearer sla_…) or X-Admin-Key.",
    );
  }
  return next({ ctx: { ...ctx, actor: ctx.actor } });
});

/** Admins, and a team calling with its own virtual key (the jobs API, docs/jobs.md); services check which team. */
export const teamKeyProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.actor) {
    if (ctx.authError) throw ctx.authError;
    throw new TRPCError({ code: "UNAUTHORIZED", message: `${SIGN_IN_FIRST} A team may also send its own virtual key: Authorization: Bearer sk-….` });
  }
  return next({ ctx: { ...ctx, actor: ctx.actor } });
});
