import {
  getOrganizationPriceList,
  getTeamPriceList,
  organizationPriceListSchema,
  priceListSchema,
  setOrganizationPriceList,
  setOrganizationPriceListSchema,
  setTeamPriceList,
  setTeamPriceListSchema,
  teamPriceListSchema,
} from "~/services/price-lists.server";
import { adminProcedure, router } from "../init.ts";

const tags = ["price-lists"];
const versioned = "A change is a new version, effective now (leave effective_at out) or later, never earlier; requests are billed by the version in force at their start time (docs/billing.md).";

/** Price lists (docs/billing.md): what each organization, or one team of it, is billed. */
export const priceListsRouter = router({
  organization: adminProcedure
    .meta({ openapi: { method: "GET", path: "/api/organizations/{organization_id}/price-list", tags, summary: "An organization's price list: in force now, upcoming, every version" } })
    .input(organizationPriceListSchema)
    .output(priceListSchema)
    .query(({ ctx, input }) => getOrganizationPriceList(ctx.actor, input)),
  setOrganization: adminProcedure
    .meta({ openapi: { method: "POST", path: "/api/organizations/{organization_id}/price-list", tags, summary: "Set an organization's price list (markup or per-model prices)", description: versioned } })
    .input(setOrganizationPriceListSchema)
    .output(priceListSchema)
    .mutation(({ ctx, input }) => setOrganizationPriceList(ctx.actor, input)),
  team: adminProcedure
    .meta({ openapi: { method: "GET", path: "/api/teams/{team_id}/price-list", tags, summary: "A team's own price list and what prices its requests now" } })
    .input(teamPriceListSchema)
    .output(priceListSchema)
    .query(({ ctx, input }) => getTeamPriceList(ctx.actor, input)),
  setTeam: adminProcedure
    .meta({ openapi: { method: "POST", path: "/api/teams/{team_id}/price-list", tags, summary: "Give a team its own price list (or kind inherit: back to its organization's)", description: versioned } })
    .input(setTeamPriceListSchema)
    .output(priceListSchema)
    .mutation(({ ctx, input }) => setTeamPriceList(ctx.actor, input)),
});
