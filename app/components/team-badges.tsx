import type { TeamState } from "~/services/team-list.server";
import { formatTime } from "./format";
import { StatusBadge } from "./ui";

type Sync = { state: "pending" | "in_sync" | "failing"; last_error: string | null; next_retry_at: string | null; synced_at: string | null };

/** Whether LiteLLM holds what we decided for the team: "in sync", "pending", or "failing" with the error and the next retry. */
export function SyncBadge({ sync, provisioning, withError = true }: { sync: Sync; provisioning: boolean; withError?: boolean }) {
  if (sync.state === "failing" && !withError) return <StatusBadge tone="bad">failing</StatusBadge>;
  if (sync.state === "failing") {
    return (
      <span className="inline-flex max-w-xs flex-col items-start gap-1">
        <StatusBadge tone="bad">failing</StatusBadge>
        <span className="text-xs break-words text-red-800">
          {sync.last_error ?? "LiteLLM refused the change"}
          {sync.next_retry_at ? `, next retry ${formatTime(sync.next_retry_at)}` : null}
        </span>
      </span>
    );
  }
  if (sync.state === "pending" || provisioning) return <StatusBadge tone="warn">{provisioning ? "pending (provisioning)" : "pending"}</StatusBadge>;
  return <StatusBadge tone="ok">in sync</StatusBadge>;
}

export function TeamStatusBadge({ status }: { status: "active" | "suspended" | "deleted" }) {
  return <StatusBadge tone={status === "active" ? "ok" : status === "suspended" ? "warn" : "neutral"}>{status}</StatusBadge>;
}

const STATE_TONE: Record<TeamState, "ok" | "warn" | "bad" | "neutral"> = {
  active: "ok",
  "near budget": "warn",
  "over budget": "warn",
  refused: "bad",
  suspended: "neutral",
  "sync failing": "bad",
};

/**
 * The one badge for a team's state (teamState in team-list.server.ts), on every page that shows it:
 * the Teams list, the team page, the overview and the portal. `reason` becomes its tooltip.
 * Test hooks: data-testid="team-state", data-state="<state>".
 */
export function TeamStateBadge({ state, reason }: { state: TeamState; reason?: string }) {
  return (
    <span data-testid="team-state" data-state={state} title={reason} className="whitespace-nowrap">
      <StatusBadge tone={STATE_TONE[state]}>{state}</StatusBadge>
    </span>
  );
}
