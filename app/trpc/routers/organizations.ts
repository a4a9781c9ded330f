import { z } from "zod";
import {
  createOrganization,
  createOrganizationSchema,
  getOrganization,
  listOrganizations,
  organizationIdSchema,
  organizationSchema,
  updateOrganization,
  updateOrganizationSchema,
} from "~/services/organizations.server";
import { adminProcedure, router } from "../init.ts";

const tags = ["organizations"];

export const organizationsRouter = router({
  create: adminProcedure
    .meta({ openapi: { method: "POST", path: "/api/organizations/create", tags, summary: "Create an organization" } })
    .input(createOrganizationSchema)
    .output(organizationSchema)
    .mutation(({ ctx, input }) => createOrganization(ctx.actor, input)),
  list: adminProcedure
    .meta({ openapi: { method: "GET", path: "/api/organizations", tags, summary: "All organizations" } })
    .input(z.void())
    .output(z.array(organizationSchema))
    .query(({ ctx }) => listOrganizations(ctx.actor)),
  get: adminProcedure
    .meta({ openapi: { method: "GET", path: "/api/organizations/{organization_id}", tags, summary: "One organization" } })
    .input(organizationIdSchema)
    .output(organizationSchema)
    .query(({ ctx, input }) => getOrganization(ctx.actor, input)),
  update: adminProcedure
    .meta({ openapi: { method: "POST", path: "/api/organizations/{organization_id}/update", tags, summary: "Change an organization's name, LiteLLM id or description" } })
    .input(updateOrganizationSchema)
    .output(organizationSchema)
    .mutation(({ ctx, input }) => updateOrganization(ctx.actor, input)),
});
