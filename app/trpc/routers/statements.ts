import { z } from "zod";
import { getStatement, getStatementSchema, listStatements, statementSummarySchema, statementWithInternalSchema } from "~/services/statements.server";
import { router, teamKeyProcedure } from "../init.ts";

const tags = ["statements"];
const auth =
  "Admins (viewers read) see every statement, with cost and margin under `internal`; a team calling with its own virtual key sees its own team's statements only (`internal` null), and another team's answer 404, as unknown ones.";

/** Statements (docs/statements.md): what an organization or a team was billed per period, open or closed. */
export const statementsRouter = router({
  listForOrganization: teamKeyProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/api/organizations/{organization_id}/statements",
        tags,
        summary: "An organization's statements, newest first: the open period(s) and every closed one",
        description: `${auth} Organization statements are for admins only.`,
      },
    })
    .input(z.object({ organization_id: z.string() }))
    .output(z.array(statementSummarySchema))
    .query(({ ctx, input }) => listStatements(ctx.actor, { organization_id: input.organization_id })),
  listForTeam: teamKeyProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/api/teams/{team_id}/statements",
        tags,
        summary: "A team's statements, newest first: the open period(s) and every closed one",
        description: auth,
      },
    })
    .input(z.object({ team_id: z.string() }))
    .output(z.array(statementSummarySchema))
    .query(({ ctx, input }) => listStatements(ctx.actor, { team_id: input.team_id })),
  get: teamKeyProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/api/statements/{statement_id}",
        tags,
        summary: "One statement: opening balance, credits and adjustments, usage by model, late usage, totals, closing balance",
        description: `${auth} A closed statement never changes; an open one is built as it stands now.`,
      },
    })
    .input(getStatementSchema)
    .output(statementWithInternalSchema)
    .query(({ ctx, input }) => getStatement(ctx.actor, input)),
});
