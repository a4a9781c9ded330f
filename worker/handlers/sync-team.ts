import type { JobPayload } from "~/jobs/definitions";
import { syncTeam } from "~/services/team-sync.server";

/** Brings one team in LiteLLM in line with our database (create, update, block, keys, delete). */
export async function handleSyncTeam(payload: JobPayload<"sync-team">): Promise<void> {
  await syncTeam(payload.teamId, payload.reason);
}
