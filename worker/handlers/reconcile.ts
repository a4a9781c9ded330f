import { reconcile } from "~/services/reconcile.server";
import { logger } from "~/lib/logger.server";

/** Every minute: due retries, the bulk drift check against LiteLLM's lists, model-group re-verification. */
export async function handleReconcile(): Promise<void> {
  const result = await reconcile();
  logger().debug(result, "reconcile cycle");
}
