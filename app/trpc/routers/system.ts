import { z } from "zod";
import { checkReadiness, healthSchema, readinessSchema, readinessView } from "~/services/health.server";
import { getWorkerCheck, requestWorkerCheck, workerCheckRequestSchema, workerCheckSchema } from "~/services/worker-check.server";
import { adminAccountSchema } from "~/services/admin-accounts.server";
import { adminProcedure, publicProcedure, router } from "../init.ts";

const meSchema = z.object({
  id: z.string().describe("The admin account; an API token acts as the account that created it"),
  name: z.string(),
  email: z.string().nullable(),
  role: adminAccountSchema.shape.role.describe("For an API token: the lower of the token's role and its creator's"),
});

export const systemRouter = router({
  health: publicProcedure
    .input(z.void())
    .output(healthSchema)
    .query(async () => {
      const readiness = await checkReadiness();
      return { status: readiness.status, database: readiness.database.ok, litellm: readiness.litellm.reachable };
    }),
  readiness: adminProcedure
    .input(z.void())
    .output(readinessSchema)
    .query(async () => readinessView(await checkReadiness())),
  me: adminProcedure
    .meta({ openapi: { method: "GET", path: "/api/me", tags: ["system"], summary: "Who the credentials act as" } })
    .input(z.void())
    .output(meSchema)
    .query(({ ctx }) => ({ id: ctx.actor.userId, name: ctx.actor.name, email: ctx.actor.email, role: ctx.actor.role })),
  checkWorker: adminProcedure
    .input(z.null().optional().describe("No input (a tRPC client may send null)"))
    .output(workerCheckRequestSchema)
    .mutation(async ({ ctx }) => ({ check_id: (await requestWorkerCheck(ctx.actor)).checkId })),
  workerCheck: adminProcedure
    .input(workerCheckRequestSchema)
    .output(workerCheckSchema)
    .query(({ ctx, input }) => getWorkerCheck(ctx.actor, input.check_id)),
});
