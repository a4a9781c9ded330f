import { z } from "zod";
import { checkReadiness } from "~/services/health.server";
import { getWorkerCheck, requestWorkerCheck } from "~/services/worker-check.server";
import { adminRole } from "../../../db/schema/index.ts";
import { adminProcedure, publicProcedure, router } from "../init.ts";

const meSchema = z.object({
  id: z.string().describe("The admin account; an API token acts as the account that created it"),
  name: z.string(),
  email: z.string().nullable(),
  role: z.enum(adminRole.enumValues).describe("For an API token: the lower of the token's role and its creator's"),
});

export const systemRouter = router({
  health: publicProcedure.query(async () => {
    const readiness = await checkReadiness();
    return { status: readiness.status, database: readiness.database.ok, litellm: readiness.litellm.reachable };
  }),
  readiness: adminProcedure.query(() => checkReadiness()),
  me: adminProcedure
    .meta({ openapi: { method: "GET", path: "/api/me", tags: ["system"], summary: "Who the credentials act as" } })
    .input(z.void())
    .output(meSchema)
    .query(({ ctx }) => ({ id: ctx.actor.userId, name: ctx.actor.name, email: ctx.actor.email, role: ctx.actor.role })),
  checkWorker: adminProcedure.mutation(({ ctx }) => requestWorkerCheck(ctx.actor)),
  workerCheck: adminProcedure.input(z.object({ checkId: z.string() })).query(({ ctx, input }) => getWorkerCheck(ctx.actor, input.checkId)),
});
