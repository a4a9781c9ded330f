import { formatTime, formatUsd } from "./format";
import { Alert } from "./ui";

type FiringAlert = { id: string; threshold_percent: number; fired_at: string; spent: number; limit: number };

/** The team page's banner: the budget thresholds the team has crossed in this period (docs/webhooks.md). */
export function BudgetAlertBanner({ alerts }: { alerts: FiringAlert[] }) {
  if (!alerts.length) return null;
  const top = alerts.reduce((a, b) => (b.threshold_percent > a.threshold_percent ? b : a));
  return (
    <Alert tone={top.threshold_percent >= 100 ? "bad" : "warn"}>
      <p className="font-medium" data-testid="budget-alert-banner">
        Budget alert: this team has used {top.threshold_percent} % or more of this period&apos;s budget.
      </p>
      <p className="mt-1">
        {formatUsd(top.spent)} of {formatUsd(top.limit)} (allowance + credits) spent when it fired, {formatTime(top.fired_at)}. Thresholds crossed:{" "}
        {alerts
          .map((a) => a.threshold_percent)
          .sort((a, b) => a - b)
          .map((t) => `${t} %`)
          .join(", ")}
        . Adding credits resolves it; so does the next period.
      </p>
    </Alert>
  );
}
