import {
  createOrganization,
  createOrganizationSchema,
  getOrganization,
  listOrganizations,
  organizationIdSchema,
  updateOrganization,
  updateOrganizationSchema,
} from "~/services/organizations.server";
import { adminProcedure, router } from "../init.ts";

export const organizationsRouter = router({
  create: adminProcedure.input(createOrganizationSchema.passthrough()).mutation(({ ctx, input }) => createOrganization(ctx.actor, input)),
  list: adminProcedure.query(({ ctx }) => listOrganizations(ctx.actor)),
  get: adminProcedure.input(organizationIdSchema.passthrough()).query(({ ctx, input }) => getOrganization(ctx.actor, input)),
  update: adminProcedure.input(updateOrganizationSchema.passthrough()).mutation(({ ctx, input }) => updateOrganization(ctx.actor, input)),
});
