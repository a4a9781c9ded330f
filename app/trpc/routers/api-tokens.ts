import { z } from "zod";
import {
  apiTokenSchema,
  createApiToken,
  createApiTokenSchema,
  createdApiTokenSchema,
  listApiTokens,
  revokeApiToken,
  revokeApiTokenSchema,
} from "~/services/api-tokens.server";
import { adminProcedure, router } from "../init.ts";

export const apiTokensRouter = router({
  list: adminProcedure
    .meta({ openapi: { method: "GET", path: "/api/api-tokens", tags: ["api-tokens"], summary: "API tokens (never the tokens themselves)" } })
    .input(z.void())
    .output(z.array(apiTokenSchema))
    .query(({ ctx }) => listApiTokens(ctx.actor)),
  create: adminProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/api/api-tokens",
        tags: ["api-tokens"],
        summary: "Create an API token (admins and owners; at most your own role)",
        description: "The response carries the token once; only its hash is stored. API tokens cannot create API tokens.",
      },
    })
    .input(createApiTokenSchema)
    .output(createdApiTokenSchema)
    .mutation(({ ctx, input }) => createApiToken(ctx.actor, input)),
  revoke: adminProcedure
    .meta({ openapi: { method: "POST", path: "/api/api-tokens/{id}/revoke", tags: ["api-tokens"], summary: "Revoke an API token at once" } })
    .input(revokeApiTokenSchema)
    .output(apiTokenSchema)
    .mutation(({ ctx, input }) => revokeApiToken(ctx.actor, input)),
});
