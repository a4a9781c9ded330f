import { z } from "zod";
import { createPortalLink, createdPortalLinkSchema, listPortalLinks, portalLinkSchema, revokePortalLink } from "~/services/portal/links.server";
import { adminProcedure, router } from "../init.ts";

const tags = ["portal"];

/** Customer portal links (docs/portal.md): admins and owners create and revoke, viewers read. */
export const portalRouter = router({
  createLink: adminProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/api/teams/{team_id}/portal-links",
        tags,
        summary: "Create a customer portal link for a team (admins and owners)",
        description:
          "Body `{\"expires_in\": \"7d\", \"label\": \"Finance team\"}` (`1d`, `7d` or `30d`; default `7d`). The answer carries the token once, and `path`: give the customer this server's address followed by `path`. Only the token's hash is stored. Audited.",
      },
    })
    .input(z.object({ team_id: z.string(), expires_in: z.string().optional(), label: z.string().optional() }))
    .output(createdPortalLinkSchema)
    // expires_in stays loose text on purpose: the service refuses a bad one in its own words.
    .mutation(({ ctx, input }) => createPortalLink(ctx.actor, input as Parameters<typeof createPortalLink>[1])),
  listLinks: adminProcedure
    .meta({ openapi: { method: "GET", path: "/api/teams/{team_id}/portal-links", tags, summary: "A team's portal links with their state (active, expired, revoked) and last use; never the tokens" } })
    .input(z.object({ team_id: z.string() }))
    .output(z.array(portalLinkSchema))
    .query(({ ctx, input }) => listPortalLinks(ctx.actor, input)),
  revokeLink: adminProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/api/teams/{team_id}/portal-links/{link_id}/revoke",
        tags,
        summary: "Revoke a portal link at once (admins and owners): customers signed in with it are signed out",
      },
    })
    .input(z.object({ team_id: z.string(), link_id: z.string() }))
    .output(portalLinkSchema)
    .mutation(({ ctx, input }) => revokePortalLink(ctx.actor, input)),
});
