import { z } from "zod";
import { listServedModels, servedModelSchema } from "~/services/models.server";
import { adminProcedure, router } from "../init.ts";

export const modelsRouter = router({
  /** The models LiteLLM serves: exact public names, provider models and prices per 1M tokens. */
  list: adminProcedure
    .meta({ openapi: { method: "GET", path: "/api/models", tags: ["models"], summary: "The models LiteLLM serves, with prices per 1M tokens" } })
    .input(z.void())
    .output(z.array(servedModelSchema))
    .query(({ ctx }) => listServedModels(ctx.actor)),
});
