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
  updateTeam,
  updateTeamSchema,
} from "~/services/teams.server";
import { adminProcedure, router } from "../init.ts";

export const teamsRouter = router({
  /** Answers with the team and its `virtual_key` when provisioning finishes within a few seconds; otherwise `provisioning: true`. */
  create: adminProcedure.input(createTeamSchema.passthrough()).mutation(({ ctx, input }) => createTeam(ctx.actor, input)),
  list: adminProcedure.input(listTeamsSchema.optional()).query(({ ctx, input }) => listTeams(ctx.actor, input)),
  /** `reveal_key: true` includes the raw key (admins only; audited). */
  get: adminProcedure
    .input(teamIdSchema.extend({ reveal_key: z.boolean().optional() }).passthrough())
    .query(({ ctx, input }) => getTeam(ctx.actor, input, { revealKey: input.reveal_key })),
  update: adminProcedure.input(updateTeamSchema.passthrough()).mutation(({ ctx, input }) => updateTeam(ctx.actor, input)),
  suspend: adminProcedure.input(teamIdSchema.passthrough()).mutation(({ ctx, input }) => suspendTeam(ctx.actor, input)),
  resume: adminProcedure.input(teamIdSchema.passthrough()).mutation(({ ctx, input }) => resumeTeam(ctx.actor, input)),
  rotateKey: adminProcedure.input(teamIdSchema.passthrough()).mutation(({ ctx, input }) => rotateTeamKey(ctx.actor, input)),
  delete: adminProcedure.input(teamIdSchema.passthrough()).mutation(({ ctx, input }) => deleteTeam(ctx.actor, input)),
});
