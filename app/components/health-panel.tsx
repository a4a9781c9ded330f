import type { Readiness } from "~/services/health.server";
import { StatusBadge } from "./ui";

type Jsonified<T> = T extends Date ? string : T extends object ? { [K in keyof T]: Jsonified<T[K]> } : T;

/** The strip above every admin page: Postgres, LiteLLM and the worker, each with the fix when unhealthy. */
export function HealthPanel({ readiness }: { readiness: Jsonified<Readiness> }) {
  const { database, litellm, worker } = readiness;
  const problems = [
    !database.ok && { what: "PostgreSQL", fix: database.fix, error: database.error },
    !litellm.reachable && { what: "LiteLLM", fix: litellm.fix, error: litellm.error },
    litellm.reachable && litellm.masterKey !== "accepted" && { what: "LiteLLM master key", fix: litellm.fix, error: litellm.error },
    worker && worker.state !== "running" && { what: "Worker", fix: worker.fix },
  ].filter(Boolean) as Array<{ what: string; fix?: string; error?: string }>;

  return (
    <section aria-label="System health" className="border-b border-slate-200 bg-white px-4 py-2 md:px-8">
      <ul className="flex flex-wrap items-center gap-x-5 gap-y-1 text-sm">
        <li className="flex items-center gap-2" data-testid="health-postgres">
          <span className="text-slate-600">Postgres</span>
          {database.ok ? <StatusBadge tone="ok">connected</StatusBadge> : <StatusBadge tone="bad">unreachable</StatusBadge>}
        </li>
        <li className="flex items-center gap-2" data-testid="health-litellm">
          <span className="text-slate-600">LiteLLM</span>
          {!litellm.reachable ? (
            <StatusBadge tone="bad">unreachable</StatusBadge>
          ) : litellm.masterKey === "accepted" ? (
            <StatusBadge tone="ok">connected{litellm.version ? ` · v${litellm.version}` : ""}</StatusBadge>
          ) : litellm.masterKey === "rejected" ? (
            <StatusBadge tone="bad">master key refused</StatusBadge>
          ) : litellm.masterKey === "not-configured" ? (
            <StatusBadge tone="warn">no master key set</StatusBadge>
          ) : (
            <StatusBadge tone="warn">reachable</StatusBadge>
          )}
          <span className="hidden text-xs text-slate-500 lg:inline">{litellm.url}</span>
        </li>
        <li className="flex items-center gap-2" data-testid="health-worker">
          <span className="text-slate-600">Worker</span>
          {!worker ? (
            <StatusBadge tone="neutral">unknown</StatusBadge>
          ) : worker.state === "running" ? (
            <StatusBadge tone="ok">running</StatusBadge>
          ) : (
            <StatusBadge tone="bad">{worker.state === "down" ? "not reporting" : "not started"}</StatusBadge>
          )}
        </li>
      </ul>
      {problems.length ? (
        <ul className="mt-2 space-y-1 text-sm" data-testid="health-fixes">
          {problems.map((p) => (
            <li key={p.what} className="rounded bg-amber-50 px-3 py-1.5 text-amber-950 ring-1 ring-amber-600/20">
              <strong>{p.what}:</strong> {p.error ? `${p.error}. ` : ""}
              {p.fix}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
