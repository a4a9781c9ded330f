import { z } from "zod";
import { checkReadiness } from "~/services/health.server";
import { getWorkerCheck, requestWorkerCheck } from "~/services/worker-check.server";
import { adminProcedure, publicProcedure, router } from "../init.ts";

export const systemRouter = router({
  health: publicProcedure.query(async () => {
    const readiness = await checkReadiness();
    return { status: readiness.status, database: readiness.database.ok, litellm: readiness.litellm.reachable };
  }),
  readiness: adminProcedure.query(() => checkReadiness()),
  me: adminProcedure.query(({ ctx }) => ({ id: ctx.actor.userId, name: ctx.actor.name, email: ctx.actor.email, role: ctx.actor.role })),
  checkWorker: adminProcedure.mutation(({ ctx }) => requestWorkerCheck(ctx.actor)),
  workerCheck: adminProcedure.input(z.object({ checkId: z.string() })).query(({ ctx, input }) => getWorkerCheck(ctx.actor, input.checkId)),
});
