import {
  getOrganizationUsage,
  getRecentRequests,
  getTeamDailyUsage,
  getTeamUsage,
  getTeamUsageByEndUser,
  getTeamUsageByKey,
  organizationUsageInputSchema,
  organizationUsageSchema,
  recentRequestsInputSchema,
  recentRequestsSchema,
  teamDailyUsageSchema,
  teamUsageByEndUserSchema,
  teamUsageByKeySchema,
  teamUsageGroupsInputSchema,
  teamUsageInputSchema,
  teamUsageSchema,
} from "~/services/usage/index.server";
import { adminProcedure, router } from "../init.ts";

const tags = ["usage"];

export const usageRouter = router({
  team: adminProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/api/teams/{team_id}/usage",
        tags,
        summary: "A team's spend, requests and usage by model group, with its remaining budget",
        description:
          "Defaults to the team's current budget period; `from`/`to` take ISO dates (a `to` date includes that day) or UTC date-times. Money is exact (up to 10 decimals). Beside each cost (`total_spend`, `cost`): what the customer is billed (`total_billed`, `billed`), and for admins `margin` and `margin_percent`; a team's customer reads the billed amount under the cost's names and no margin.",
      },
    })
    .input(teamUsageInputSchema)
    .output(teamUsageSchema)
    .query(({ ctx, input }) => getTeamUsage(ctx.actor, input)),
  organization: adminProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/api/organizations/{organization_id}/usage",
        tags,
        summary: "An organization's usage summed over its teams, and per team",
        description: "Defaults to the current UTC calendar month; `from`/`to` as for team usage.",
      },
    })
    .input(organizationUsageInputSchema)
    .output(organizationUsageSchema)
    .query(({ ctx, input }) => getOrganizationUsage(ctx.actor, input)),
  teamDaily: adminProcedure
    .input(teamUsageInputSchema)
    .output(teamDailyUsageSchema)
    .query(({ ctx, input }) => getTeamDailyUsage(ctx.actor, input)),
  teamByKey: adminProcedure
    .input(teamUsageGroupsInputSchema)
    .output(teamUsageByKeySchema)
    .query(({ ctx, input }) => getTeamUsageByKey(ctx.actor, input)),
  teamByEndUser: adminProcedure
    .input(teamUsageGroupsInputSchema)
    .output(teamUsageByEndUserSchema)
    .query(({ ctx, input }) => getTeamUsageByEndUser(ctx.actor, input)),
  recentRequests: adminProcedure
    .input(recentRequestsInputSchema)
    .output(recentRequestsSchema)
    .query(({ ctx, input }) => getRecentRequests(ctx.actor, input)),
});
