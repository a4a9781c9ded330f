import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { requireAdmin } from "~/auth/request.server";
import { Alert, Card, EmptyState, PageHeader, StatusBadge } from "~/components/ui";
import { isAppError } from "~/lib/errors";
import { listServedModels, type ServedModel } from "~/services/models.server";
import { unpricedModels, type UnpricedModel } from "~/services/price-lists.server";

export const meta: MetaFunction = () => [{ title: "Models · SaaS LiteLLM" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { actor, headers } = await requireAdmin(request);
  try {
    const models = await listServedModels(actor);
    // Models a per-model price list in force neither prices nor covers with a fallback: billed at cost.
    const atCost = await unpricedModels(
      actor,
      models.map((m) => m.name),
    );
    return json({ models, atCost, problem: null }, { headers });
  } catch (error) {
    if (!isAppError(error) || error.code !== "UNAVAILABLE") throw error;
    return json({ models: [] as ServedModel[], atCost: [] as UnpricedModel[], problem: error.userMessage }, { headers });
  }
}

/** "Acme (v3)", or "Acme, a team's list (v2)" for a team's own list. */
const listLabel = (l: UnpricedModel["price_lists"][number]) => `${l.organization_name}${l.team_id ? ", a team's list" : ""} (v${l.version})`;

const price = (value: number | null) => (value == null ? "—" : `$${value.toLocaleString("en-US", { maximumFractionDigits: 6 })}`);

export default function Models() {
  const { models, atCost, problem } = useLoaderData<typeof loader>();
  const atCostOf = new Map(atCost.map((m) => [m.model, m.price_lists]));
  return (
    <>
      <PageHeader
        title="Models"
        description="What LiteLLM serves. Model groups must use these names exactly (case-sensitive); a name that does not match is the usual cause of “Model not found”."
      />
      {problem ? (
        <Alert>{problem}</Alert>
      ) : models.length === 0 ? (
        <EmptyState title="LiteLLM serves no models yet">Add provider credentials and models in LiteLLM's own UI (Models tab), then reload this page.</EmptyState>
      ) : (
        <Card>
          <div className="overflow-x-auto">
            <table className="min-w-full text-left text-sm">
              <caption className="sr-only">Models served by LiteLLM, with prices per million tokens</caption>
              <thead className="text-slate-600">
                <tr>
                  <th scope="col" className="py-2 pr-4 font-medium">Model name</th>
                  <th scope="col" className="py-2 pr-4 font-medium">Provider model</th>
                  <th scope="col" className="py-2 pr-4 text-right font-medium">Input / 1M tokens</th>
                  <th scope="col" className="py-2 text-right font-medium">Output / 1M tokens</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {models.map((m) => (
                  <tr key={m.name}>
                    <td className="py-2 pr-4">
                      <span className="font-mono">{m.name}</span>
                      {(atCostOf.get(m.name) ?? []).map((l) => (
                        <span key={`${l.organization_id}-${l.team_id ?? ""}-${l.version}`} className="mt-1 block">
                          <StatusBadge tone="warn">billed at cost for {listLabel(l)}</StatusBadge>
                        </span>
                      ))}
                    </td>
                    <td className="py-2 pr-4 font-mono text-slate-600">{m.provider_model ?? "—"}</td>
                    <td className="py-2 pr-4 text-right tabular-nums">{price(m.input_price_per_million)}</td>
                    <td className="py-2 text-right tabular-nums">{price(m.output_price_per_million)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </Card>
      )}
    </>
  );
}

export { RouteErrorBoundary as ErrorBoundary } from "~/components/route-error";
