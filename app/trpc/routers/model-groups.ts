import {
  createModelGroup,
  createModelGroupSchema,
  deleteModelGroup,
  getModelGroup,
  listModelGroups,
  modelGroupIdSchema,
  updateModelGroup,
  updateModelGroupSchema,
} from "~/services/model-groups.server";
import { adminProcedure, router } from "../init.ts";

export const modelGroupsRouter = router({
  create: adminProcedure.input(createModelGroupSchema.passthrough()).mutation(({ ctx, input }) => createModelGroup(ctx.actor, input)),
  list: adminProcedure.query(({ ctx }) => listModelGroups(ctx.actor)),
  get: adminProcedure.input(modelGroupIdSchema.passthrough()).query(({ ctx, input }) => getModelGroup(ctx.actor, input)),
  update: adminProcedure.input(updateModelGroupSchema.passthrough()).mutation(({ ctx, input }) => updateModelGroup(ctx.actor, input)),
  delete: adminProcedure.input(modelGroupIdSchema.passthrough()).mutation(({ ctx, input }) => deleteModelGroup(ctx.actor, input)),
});
