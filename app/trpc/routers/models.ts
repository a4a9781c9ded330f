import { listServedModels } from "~/services/models.server";
import { adminProcedure, router } from "../init.ts";

export const modelsRouter = router({
  /** The models LiteLLM serves: exact public names, provider models and prices per 1M tokens. */
  list: adminProcedure.query(({ ctx }) => listServedModels(ctx.actor)),
});
