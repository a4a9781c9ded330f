import { z } from "zod";
import {
  createModelGroup,
  createModelGroupSchema,
  deleteModelGroup,
  getModelGroup,
  listModelGroups,
  modelGroupDetailSchema,
  modelGroupIdSchema,
  modelGroupSchema,
  updateModelGroup,
  updateModelGroupSchema,
} from "~/services/model-groups.server";
import { adminProcedure, router } from "../init.ts";

const tags = ["model groups"];

export const modelGroupsRouter = router({
  create: adminProcedure
    .meta({ openapi: { method: "POST", path: "/api/model-groups/create", tags, summary: "Create a model group (names checked against LiteLLM, case-sensitive)" } })
    .input(createModelGroupSchema)
    .output(modelGroupSchema)
    .mutation(({ ctx, input }) => createModelGroup(ctx.actor, input)),
  list: adminProcedure
    .meta({ openapi: { method: "GET", path: "/api/model-groups", tags, summary: "All model groups" } })
    .input(z.void())
    .output(z.array(modelGroupSchema))
    .query(({ ctx }) => listModelGroups(ctx.actor)),
  get: adminProcedure
    .meta({ openapi: { method: "GET", path: "/api/model-groups/{model_group_id}", tags, summary: "One model group, with the teams that use it" } })
    .input(modelGroupIdSchema)
    .output(modelGroupDetailSchema)
    .query(({ ctx, input }) => getModelGroup(ctx.actor, input)),
  update: adminProcedure
    .meta({ openapi: { method: "POST", path: "/api/model-groups/{model_group_id}/update", tags, summary: "Change a model group; every team using it follows in LiteLLM" } })
    .input(updateModelGroupSchema)
    .output(modelGroupSchema)
    .mutation(({ ctx, input }) => updateModelGroup(ctx.actor, input)),
  delete: adminProcedure
    .meta({ openapi: { method: "POST", path: "/api/model-groups/{model_group_id}/delete", tags, summary: "Delete a model group no team uses" } })
    .input(modelGroupIdSchema)
    .output(z.object({ deleted: z.literal(true) }))
    .mutation(({ ctx, input }) => deleteModelGroup(ctx.actor, input)),
});
