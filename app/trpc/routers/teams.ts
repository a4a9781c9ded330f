import { z } from "zod";
import {
  createTeam,
  createTeamSchema,
  deleteTeam,
  getTeam,
  listTeams,
  listTeamsSchema,
  resumeTeam,
  rotateTeamKey,
  suspendTeam,
  teamIdSchema,
  teamSchema,
  updateTeam,
  updateTeamSchema,
} from "~/services/teams.server";
import { listTeamsForPage, teamListInputSchema, teamListOutputSchema } from "~/services/team-list.server";
import { adminProcedure, router } from "../init.ts";

const tags = ["teams"];

export const teamsRouter = router({
  create: adminProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/api/teams/create",
        tags,
        summary: "Create a team and its LiteLLM virtual key",
        description: "Answers with the team and its `virtual_key` when provisioning finishes within a few seconds; otherwise `provisioning: true`, and the key appears once the worker succeeds.",
      },
    })
    .input(createTeamSchema)
    .output(teamSchema)
    .mutation(({ ctx, input }) => createTeam(ctx.actor, input)),
  list: adminProcedure
    .meta({ openapi: { method: "GET", path: "/api/teams", tags, summary: "All teams (optionally of one organization), with their sync state" } })
    .input(listTeamsSchema)
    .output(z.array(teamSchema))
    .query(({ ctx, input }) => listTeams(ctx.actor, input)),
  /** The Teams page's list: spend, budget used, state and last request per team; search, filters, sort and paging (bad values fall back, with notes). */
  page: adminProcedure.input(teamListInputSchema).output(teamListOutputSchema).query(({ ctx, input }) => listTeamsForPage(ctx.actor, input)),
  get: adminProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/api/teams/{team_id}",
        tags,
        summary: "A team's details, including its virtual_key for admins",
        description: "Admins get the raw `virtual_key` unless `reveal_key=false`; every reveal is written to the audit log. Viewers get only `virtual_key_masked`.",
      },
    })
    .input(teamIdSchema.extend({ reveal_key: z.boolean().default(true) }))
    .output(teamSchema)
    .query(({ ctx, input }) => getTeam(ctx.actor, input, { revealKey: input.reveal_key })),
  update: adminProcedure
    .meta({ openapi: { method: "POST", path: "/api/teams/{team_id}/update", tags, summary: "Change model groups, budget, limits, mode or name (same key)" } })
    .input(updateTeamSchema)
    .output(teamSchema)
    .mutation(({ ctx, input }) => updateTeam(ctx.actor, input)),
  suspend: adminProcedure
    .meta({ openapi: { method: "POST", path: "/api/teams/{team_id}/suspend", tags, summary: "Block the team in LiteLLM: its key is refused until resumed" } })
    .input(teamIdSchema)
    .output(teamSchema)
    .mutation(({ ctx, input }) => suspendTeam(ctx.actor, input)),
  resume: adminProcedure
    .meta({ openapi: { method: "POST", path: "/api/teams/{team_id}/resume", tags, summary: "Unblock a suspended team" } })
    .input(teamIdSchema)
    .output(teamSchema)
    .mutation(({ ctx, input }) => resumeTeam(ctx.actor, input)),
  rotateKey: adminProcedure
    .meta({ openapi: { method: "POST", path: "/api/teams/{team_id}/rotate-key", tags, summary: "A new key under the same team; the old one is revoked, its spend history kept" } })
    .input(teamIdSchema)
    .output(teamSchema)
    .mutation(({ ctx, input }) => rotateTeamKey(ctx.actor, input)),
  delete: adminProcedure
    .meta({ openapi: { method: "POST", path: "/api/teams/{team_id}/delete", tags, summary: "Remove the team and its keys from LiteLLM (our history stays)" } })
    .input(teamIdSchema)
    .output(z.object({ team_id: z.string(), name: z.string(), deleted: z.literal(true) }))
    .mutation(({ ctx, input }) => deleteTeam(ctx.actor, input)),
});
