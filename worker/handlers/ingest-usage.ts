import { settleJobs } from "~/services/jobs.server";
import { noteLiteLLMWorking } from "~/services/litellm-notice.server";
import { runScheduledIngestion } from "~/services/usage-ingestion.server";

/**
 * Pulls LiteLLM's spend logs into the usage tables when due, and sends the next run (docs/usage.md);
 * then closes idle jobs and announces the jobs whose totals became final (docs/jobs.md).
 */
export async function handleIngestUsage(): Promise<void> {
  const { ran } = await runScheduledIngestion();
  // A run that read LiteLLM's spend logs: LiteLLM answers (said once if it had not).
  if (ran) noteLiteLLMWorking();
  await settleJobs();
}
