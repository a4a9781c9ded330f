import type { MetaFunction } from "@remix-run/node";
import { Link } from "@remix-run/react";
import { Card, PageHeader } from "~/components/ui";

export const meta: MetaFunction = () => [{ title: "Overview · SaaS LiteLLM" }];

const STEPS = [
  { title: "Configure models in LiteLLM", body: "Add provider credentials and models in LiteLLM's own UI first; model names here must match exactly.", to: null },
  { title: "Create an organization", body: "Organizations group the teams of one customer.", to: "/admin/organizations" },
  { title: "Create model groups", body: "Name sets of LiteLLM models (for example basic-models, premium-models).", to: "/admin/model-groups" },
  { title: "Create a team", body: "Each team gets a LiteLLM virtual key limited by budget, models and rate.", to: "/admin/teams" },
];

export default function Overview() {
  return (
    <>
      <PageHeader title="Overview" description="Resell LLM access through your LiteLLM proxy: set up, then watch usage." />
      <Card title="Getting started">
        <ol className="space-y-4">
          {STEPS.map((step, i) => (
            <li key={step.title} className="flex gap-3">
              <span className="flex h-7 w-7 shrink-0 items-center justify-center rounded-full bg-indigo-100 text-sm font-semibold text-indigo-800">{i + 1}</span>
              <div>
                <p className="font-medium">{step.to ? <Link className="text-indigo-700 underline" to={step.to}>{step.title}</Link> : step.title}</p>
                <p className="text-sm text-slate-600">{step.body}</p>
              </div>
            </li>
          ))}
        </ol>
      </Card>
    </>
  );
}
