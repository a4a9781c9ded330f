import { createCallerFactory, router } from "./init.ts";
import { adminsRouter } from "./routers/admins.ts";
import { modelsRouter } from "./routers/models.ts";
import { systemRouter } from "./routers/system.ts";

export const appRouter = router({
  system: systemRouter,
  admins: adminsRouter,
  models: modelsRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
