import { createCallerFactory, router } from "./init.ts";
import { adminsRouter } from "./routers/admins.ts";
import { alertsRouter } from "./routers/alerts.ts";
import { auditRouter } from "./routers/audit.ts";
import { creditsRouter } from "./routers/credits.ts";
import { apiTokensRouter } from "./routers/api-tokens.ts";
import { jobsRouter } from "./routers/jobs.ts";
import { modelGroupsRouter } from "./routers/model-groups.ts";
import { modelsRouter } from "./routers/models.ts";
import { organizationsRouter } from "./routers/organizations.ts";
import { portalRouter } from "./routers/portal.ts";
import { priceListsRouter } from "./routers/price-lists.ts";
import { statementsRouter } from "./routers/statements.ts";
import { systemRouter } from "./routers/system.ts";
import { teamsRouter } from "./routers/teams.ts";
import { usageRouter } from "./routers/usage.ts";
import { webhooksRouter } from "./routers/webhooks.ts";

export const appRouter = router({
  system: systemRouter,
  admins: adminsRouter,
  apiTokens: apiTokensRouter,
  models: modelsRouter,
  organizations: organizationsRouter,
  modelGroups: modelGroupsRouter,
  teams: teamsRouter,
  audit: auditRouter,
  credits: creditsRouter,
  usage: usageRouter,
  alerts: alertsRouter,
  webhooks: webhooksRouter,
  portal: portalRouter,
  jobs: jobsRouter,
  priceLists: priceListsRouter,
  statements: statementsRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
