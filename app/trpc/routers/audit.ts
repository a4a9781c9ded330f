import { z } from "zod";
import { auditEventSchema, listAuditEvents, listAuditEventsSchema } from "~/services/audit.server";
import { adminProcedure, router } from "../init.ts";

export const auditRouter = router({
  list: adminProcedure
    .meta({ openapi: { method: "GET", path: "/api/audit-events", tags: ["audit"], summary: "The audit log, newest first (filter by action prefix, target, actor_id, via; page with before)" } })
    .input(listAuditEventsSchema)
    .output(z.array(auditEventSchema))
    .query(({ ctx, input }) => listAuditEvents(ctx.actor, input)),
});
