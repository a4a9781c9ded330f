import { z } from "zod";
import {
  adminAccountSchema,
  createAdminAccount,
  createAdminAccountSchema,
  disableAdminAccount,
  disableAdminAccountSchema,
  listAdminAccounts,
} from "~/services/admin-accounts.server";
import { adminProcedure, router } from "../init.ts";

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
  disable: adminProcedure
    .input(disableAdminAccountSchema)
    .output(z.object({ id: z.string(), disabled: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await disableAdminAccount(ctx.actor, input);
      return { id: input.id, disabled: true as const };
    }),
});
