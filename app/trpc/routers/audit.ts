import { listAuditEvents, listAuditEventsSchema } from "~/services/audit.server";
import { adminProcedure, router } from "../init.ts";

export const auditRouter = router({
  list: adminProcedure.input(listAuditEventsSchema.optional()).query(({ ctx, input }) => listAuditEvents(ctx.actor, input)),
});
