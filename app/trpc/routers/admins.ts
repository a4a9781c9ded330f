import { z } from "zod";
import {
  adminAccountSchema,
  createAdminAccount,
  createAdminAccountSchema,
  disableAdminAccount,
  listAdminAccounts,
} from "~/services/admin-accounts.server";
import { adminProcedure, router } from "../init.ts";

// Where an input passes through as unknown, the service's own schema validates it and names each bad field.
// Procedures with a REST endpoint take the service's schema (so /api/openapi.json shows the fields); the service still validates.
const anyInput = z.unknown();

export const adminsRouter = router({
  list: adminProcedure
    .meta({ openapi: { method: "GET", path: "/api/admins", tags: ["admins"], summary: "Admin accounts" } })
    .input(z.void())
    .output(z.array(adminAccountSchema))
    .query(({ ctx }) => listAdminAccounts(ctx.actor)),
  create: adminProcedure
    .meta({ openapi: { method: "POST", path: "/api/admins", tags: ["admins"], summary: "Create an admin account (owners only)" } })
    .input(createAdminAccountSchema)
    .output(adminAccountSchema)
    .mutation(({ ctx, input }) => createAdminAccount(ctx.actor, input)),
  disable: adminProcedure.input(anyInput).mutation(({ ctx, input }) => disableAdminAccount(ctx.actor, input)),
});
