import type { JobPayload } from "~/jobs/definitions";
import { noteLiteLLMWorking } from "~/services/litellm-notice.server";
import { syncTeam } from "~/services/team-sync.server";

/** Brings one team in LiteLLM in line with our database (create, update, block, keys, delete). */
export async function handleSyncTeam(payload: JobPayload<"sync-team">): Promise<void> {
  const { state } = await syncTeam(payload.teamId, payload.reason);
  // A sync that got through: LiteLLM answers (said once if it had not).
  if (state === "in_sync" || state === "pending") noteLiteLLMWorking();
}
