import { runScheduledIngestion } from "~/services/usage-ingestion.server";

/** Pulls LiteLLM's spend logs into the usage tables when due, and sends the next run (docs/usage.md). */
export async function handleIngestUsage(): Promise<void> {
  await runScheduledIngestion();
}
