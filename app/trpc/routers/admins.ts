import { z } from "zod";
import { createAdminAccount, disableAdminAccount, listAdminAccounts } from "~/services/admin-accounts.server";
import { adminProcedure, router } from "../init.ts";

// Inputs pass through as unknown: the service's own schema validates them and names each bad field.
const anyInput = z.unknown();

export const adminsRouter = router({
  list: adminProcedure.query(({ ctx }) => listAdminAccounts(ctx.actor)),
  create: adminProcedure.input(anyInput).mutation(({ ctx, input }) => createAdminAccount(ctx.actor, input)),
  disable: adminProcedure.input(anyInput).mutation(({ ctx, input }) => disableAdminAccount(ctx.actor, input)),
});
