import { Form, useNavigation } from "@remix-run/react";
import { useState } from "react";
import type { CreditEntry } from "~/services/credits.server";
import type { TeamBudget } from "~/services/budget.server";
import { BUDGET_TONE, type BudgetState, type BudgetTone } from "~/lib/budget-state";
import { formatPercent, formatTime, formatUsd } from "./format";
import { Alert, Button, Card, Field } from "./ui";

type FieldErrors = Record<string, string[]> | undefined;

/** The team's money: this period's allowance and spend, credits, what is left, what blocks it, and the ledger. */
export function BudgetCard({
  budget,
  ledger,
  canWrite,
  errors,
  message,
}: {
  budget: TeamBudget;
  ledger: CreditEntry[];
  canWrite: boolean;
  errors?: FieldErrors;
  message?: string;
}) {
  const busy = useNavigation().state !== "idle";
  const figures: Array<[string, string]> = [
    ["Allowance this period", formatUsd(budget.allowance)],
    ["Spent this period", formatUsd(budget.spent_this_period)],
    ["Allowance left", formatUsd(budget.allowance_left)],
    ["Credit balance", formatUsd(budget.credit_balance)],
    ["Remaining budget", formatUsd(budget.remaining_budget)],
  ];
  if (budget.mode === "soft" && budget.overage > 0) figures.push(["Overage (soft mode)", formatUsd(budget.overage)]);
  return (
    <Card title="Budget and credits">
      {budget.blocked ? (
        <div className="mb-4" data-testid="budget-blocked">
          <Alert>
            <BlockedMessage blocked={budget.blocked} />
          </Alert>
        </div>
      ) : null}
      <BudgetGauge budget={budget} />
      <dl className="grid gap-3 text-sm sm:grid-cols-3" data-testid="budget-figures">
        {figures.map(([label, value]) => (
          <div key={label}>
            <dt className="text-slate-600">{label}</dt>
            <dd className="font-medium tabular-nums">{value}</dd>
          </div>
        ))}
        <div>
          <dt className="text-slate-600">Period</dt>
          <dd>
            {formatTime(budget.period.start)} → {budget.period.end ? formatTime(budget.period.end) : "no end (one-off budget)"}
          </dd>
        </div>
      </dl>
      <p className="mt-3 text-xs text-slate-600">
        {budget.mode === "hard"
          ? "Hard mode: LiteLLM refuses the team's requests when the remaining budget is used up, until credits are added or the next period starts."
          : "Soft mode: never refused for budget; spend past the budget shows as overage."}{" "}
        Credits are kept across periods and spent only after the period's allowance. Amounts are what the team is billed (its price list applied; the
        cost without one).
      </p>
      {canWrite ? (
        // A new form (empty fields, a new idempotency key) after every ledger change: a second top-up of
        // the same amount is a new credit, while a double click or a resend of this one is still one.
        <CreditForm key={ledger[0]?.entry_id ?? "none"} errors={errors} message={message} busy={busy} />
      ) : null}
      {ledger.length ? (
        <details className="mt-5 text-sm">
          <summary className="cursor-pointer font-medium">Ledger ({ledger.length} latest entries)</summary>
          <div className="mt-2 overflow-x-auto">
            <table className="min-w-full text-left">
              <caption className="sr-only">Ledger entries, newest first</caption>
              <thead className="text-slate-600">
                <tr>
                  <th scope="col" className="py-1 pr-4 font-medium">When (UTC)</th>
                  <th scope="col" className="py-1 pr-4 font-medium">Kind</th>
                  <th scope="col" className="py-1 pr-4 text-right font-medium">Amount</th>
                  <th scope="col" className="py-1 font-medium">Reason</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {ledger.map((e) => (
                  <tr key={e.entry_id}>
                    <td className="py-1 pr-4 whitespace-nowrap">{formatTime(e.created_at)}</td>
                    <td className="py-1 pr-4">{e.kind}</td>
                    <td className="py-1 pr-4 text-right tabular-nums">{formatUsd(e.amount)}</td>
                    <td className="py-1">{e.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      ) : null}
    </Card>
  );
}

/** Why LiteLLM refuses the team, in words and money: "$25.21 of $25.00", and when it resets. */
export function BlockedMessage({ blocked }: { blocked: NonNullable<TeamBudget["blocked"]> }) {
  if (blocked.limit === "suspended") {
    return (
      <span data-testid="blocked-message">
        <strong>Suspended.</strong> LiteLLM refuses the team&apos;s requests until an admin resumes it.
      </span>
    );
  }
  return (
    <span data-testid="blocked-message">
      <strong>Stopped by its budget.</strong> Spent {formatUsd(blocked.spent)} of {formatUsd(blocked.limit_amount)} this period (allowance + credits).{" "}
      {blocked.resets_at ? `The allowance restarts ${formatTime(blocked.resets_at)}; adding credits restores access within seconds.` : "It is a one-off budget: add credits to restore access."}
    </span>
  );
}

function CreditForm({ errors, message, busy }: { errors?: FieldErrors; message?: string; busy: boolean }) {
  // One key per form shown: a double submit (or a retry after a lost answer) adds the credits once.
  const [idempotencyKey] = useState(() => (typeof crypto !== "undefined" && "randomUUID" in crypto ? crypto.randomUUID() : String(Math.random())));
  return (
    <Form method="post" className="mt-5 grid gap-4 border-t border-slate-200 pt-5 sm:grid-cols-3" aria-label="Add credits" data-testid="credit-form">
      <input type="hidden" name="intent" value="add-credits" />
      <input type="hidden" name="idempotency_key" value={idempotencyKey} />
      {message ? (
        <div className="sm:col-span-3">
          <Alert>{message}</Alert>
        </div>
      ) : null}
      <Field label="Credits to add (USD)" name="amount" inputMode="decimal" required placeholder="Amount, e.g. 100.00" errors={errors?.amount} />
      <Field label="Reason" name="reason" placeholder="Optional, e.g. monthly allocation" errors={errors?.reason} />
      <div className="flex items-end">
        <Button type="submit" disabled={busy}>
          Add credits
        </Button>
      </div>
    </Form>
  );
}

/**
 * How much of this period's budget (allowance + credits) is spent, as a bar coloured by the budget's
 * state (BUDGET_TONE). Nothing is drawn without a budget, unless the team is blocked.
 */
export function BudgetGauge({ budget }: { budget: TeamBudget }) {
  const spent = budget.spent_this_period;
  // The limit: allowance + credits available (what a stopped team was measured against).
  const whole = budget.blocked?.limit_amount ?? Math.max(0, spent - budget.overage + budget.remaining_budget);
  if (budget.percent_used === null && !budget.blocked) return null;
  const shown = budget.percent_used ?? 100;
  const percent = Math.min(100, shown);
  const tone = BAR[BUDGET_TONE[budget.state]];
  const label = `${formatPercent(shown)} of this period's budget used: ${formatUsd(spent)} spent of ${formatUsd(whole)}, ${formatUsd(budget.remaining_budget)} left`;
  return (
    <div className="mb-4">
      <div className="mb-1 flex flex-wrap justify-between gap-2 text-xs text-slate-700">
        <span data-testid="budget-used">
          {formatPercent(shown)} used: {formatUsd(spent)} of {formatUsd(whole)}
        </span>
        <span>{budget.period.resets_at ? `Resets ${formatTime(budget.period.resets_at)}` : "One-off budget: does not reset"}</span>
      </div>
      <div
        role="meter"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        // A meter's value stays within its range: a team past its budget reads as full, and the text says by how much.
        aria-valuenow={percent}
        aria-valuetext={`${formatPercent(shown)} used`}
        className="h-3 w-full overflow-hidden rounded-full bg-slate-200">
        <div className={`h-full ${tone}`} style={{ width: `${percent}%` }} />
      </div>
    </div>
  );
}

/** The bar's colour for each budget tone (BUDGET_TONE: green ok, amber near, red over or blocked). */
const BAR: Record<BudgetTone, string> = { ok: "bg-emerald-600", warn: "bg-amber-500", bad: "bg-red-600" };

/** A small gauge for a list row: a bar and "84 %", or "No budget". Test hook: data-testid="budget-used". */
export function BudgetUsedGauge({ percent, state, title }: { percent: number | null; state: BudgetState; title?: string }) {
  if (percent === null) {
    return (
      <span data-testid="budget-used" className="text-xs text-slate-500">
        No budget
      </span>
    );
  }
  return (
    <span data-testid="budget-used" className="flex items-center gap-2" title={title}>
      <span
        role="meter"
        aria-label={title ?? `${formatPercent(percent)} of this period's budget used`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.min(100, percent)}
        aria-valuetext={`${formatPercent(percent)} used`}
        className="h-2 w-12 shrink-0 overflow-hidden rounded-full bg-slate-200 sm:w-16"
      >
        <span className={`block h-full ${BAR[BUDGET_TONE[state]]}`} style={{ width: `${Math.min(100, percent)}%` }} />
      </span>
      <span className="text-xs whitespace-nowrap tabular-nums">{formatPercent(Math.floor(percent * 10) / 10, 1)}</span>
    </span>
  );
}
