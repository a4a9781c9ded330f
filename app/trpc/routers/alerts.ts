import { z } from "zod";
import { alertSchema, listTeamAlerts, setAlertThresholds } from "~/services/alerts.server";
import { adminProcedure, router } from "../init.ts";

const tags = ["alerts"];
const alertsSchema = z.object({ thresholds: z.array(z.number()), alerts: z.array(alertSchema) });

export const alertsRouter = router({
  list: adminProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/api/teams/{team_id}/alerts",
        tags,
        summary: "A team's budget alerts (firing and resolved, newest first) and its thresholds",
        description: "`state=firing` for the live ones. Percent = spend this period / (allowance + credits available this period). docs/webhooks.md.",
      },
    })
    .input(z.object({ team_id: z.string().min(1), state: z.enum(["firing", "resolved"]).optional() }))
    .output(alertsSchema)
    .query(({ ctx, input }) => listTeamAlerts(ctx.actor, input)),
  setThresholds: adminProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/api/teams/{team_id}/alert-thresholds",
        tags,
        summary: "Set a team's alert thresholds (whole percents, default [80, 100])",
        description: "Body `{\"thresholds\": [50, 80, 100]}`. The team is evaluated at once with the new thresholds.",
      },
    })
    .input(z.object({ team_id: z.string().min(1), thresholds: z.array(z.number()) }))
    .output(alertsSchema)
    .mutation(({ ctx, input }) => setAlertThresholds(ctx.actor, input)),
});

