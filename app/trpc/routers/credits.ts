import { z } from "zod";
import { viewTeamBudget } from "~/services/budget.server";
import { addCredits, addCreditsSchema, adjustCredits, adjustCreditsSchema, creditEntrySchema, listLedger } from "~/services/credits.server";
import { adminProcedure, router } from "../init.ts";

const tags = ["credits"];
const budgetSchema = z.object({
  mode: z.enum(["hard", "soft"]),
  period: z.object({ start: z.string(), end: z.string().nullable(), resets_at: z.string().nullable() }),
  allowance: z.number(),
  spent_this_period: z.number(),
  allowance_left: z.number(),
  credit_balance: z.number(),
  remaining_budget: z.number(),
  overage: z.number(),
  blocked: z
    .object({ limit: z.enum(["budget", "suspended"]), message: z.string(), spent: z.number(), limit_amount: z.number().nullable(), resets_at: z.string().nullable() })
    .nullable(),
});
const resultSchema = z.object({ entry: creditEntrySchema, replayed: z.boolean(), budget: budgetSchema });

export const creditsRouter = router({
  add: adminProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/api/credits/teams/{team_id}/add",
        tags,
        summary: "Add credits to a team",
        description:
          "Body `{\"amount\": 100.0, \"reason\": \"Monthly allocation\"}`. Send an `Idempotency-Key` header (or `idempotency_key`) so a retry returns the first result instead of adding twice; the same key with another body is refused (409). A blocked hard-mode team works again within seconds.",
      },
    })
    .input(addCreditsSchema)
    .output(resultSchema)
    .mutation(({ ctx, input }) => addCredits(ctx.actor, { ...input, idempotency_key: input.idempotency_key ?? ctx.idempotencyKey ?? undefined })),
  adjust: adminProcedure
    .meta({ openapi: { method: "POST", path: "/api/credits/teams/{team_id}/adjust", tags, summary: "Correct a team's credit balance (signed amount, reason required)" } })
    .input(adjustCreditsSchema)
    .output(resultSchema)
    .mutation(({ ctx, input }) => adjustCredits(ctx.actor, { ...input, idempotency_key: input.idempotency_key ?? ctx.idempotencyKey ?? undefined })),
  ledger: adminProcedure
    .meta({ openapi: { method: "GET", path: "/api/credits/teams/{team_id}/ledger", tags, summary: "The team's ledger: credits, adjustments, allowances and rollovers, newest first" } })
    .input(z.object({ team_id: z.string().min(1) }))
    .output(z.array(creditEntrySchema))
    .query(({ ctx, input }) => listLedger(ctx.actor, input)),
  budget: adminProcedure
    .meta({ openapi: { method: "GET", path: "/api/teams/{team_id}/budget", tags, summary: "A team's budget now: allowance, spend, credits, remaining, and what blocks it" } })
    .input(z.object({ team_id: z.string().min(1) }))
    .output(budgetSchema)
    .query(({ ctx, input }) => viewTeamBudget(ctx.actor, input)),
});
