import { reconcile } from "~/services/team-sync.server";

/** Every minute: due retries, drift checks, model-group re-verification. */
export async function handleReconcile(): Promise<void> {
  await reconcile();
}
