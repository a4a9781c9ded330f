/**
 * The seed's Phase 3 from a Node script, through the typed tRPC client:
 * creates an organization, a model group and a team, and prints the team's virtual key.
 *
 *   SAAS_URL=http://localhost:3000 MASTER_KEY=sk-admin-… node --import tsx examples/provision-team.ts
 *
 * MODELS (comma-separated) picks the LiteLLM models of the group; default gpt-3.5-turbo.
 */
import { createTRPCClient, httpBatchLink, TRPCClientError } from "@trpc/client";
import type { AppRouter } from "../app/trpc/router.ts";

const baseUrl = process.env.SAAS_URL ?? "http://localhost:3000";
const masterKey = process.env.MASTER_KEY;
if (!masterKey) {
  console.error("Set MASTER_KEY to the admin key of the SaaS LiteLLM server (npm start prints where it is kept).");
  process.exit(2);
}
const models = (process.env.MODELS ?? "gpt-3.5-turbo").split(",").map((m) => m.trim()).filter(Boolean);
const run = Date.now().toString(36);

const api = createTRPCClient<AppRouter>({
  links: [httpBatchLink({ url: `${baseUrl}/api/trpc`, headers: { "X-Admin-Key": masterKey } })],
});

try {
  const org = await api.organizations.create.mutate({ name: `Acme Corporation ${run}`, litellm_organization_id: `acme-${run}`, description: "Created by examples/provision-team.ts" });
  const group = await api.modelGroups.create.mutate({ name: `basic-models-${run}`, models, description: "Fast, cost-effective models" });
  const team = await api.teams.create.mutate({
    name: "Acme Dev Team",
    organization_id: org.organization_id,
    model_groups: [group.name],
    max_budget: 100,
    budget_duration: "30d",
    rpm_limit: 100,
    tpm_limit: 50000,
  });
  console.log(`organization ${org.organization_id}`);
  console.log(`model group  ${group.name} (${group.models.join(", ")}, ${group.verification})`);
  console.log(`team         ${team.team_id} (${team.provisioning ? "provisioning: the key appears when the worker is done" : "ready"})`);
  if (team.virtual_key) console.log(`virtual_key  ${team.virtual_key}`);
} catch (error) {
  if (error instanceof TRPCClientError) {
    console.error(`${error.message}`);
    const fields = (error.data as { fieldErrors?: Record<string, string[]> } | undefined)?.fieldErrors;
    for (const [field, messages] of Object.entries(fields ?? {})) console.error(`  ${field}: ${messages.join("; ")}`);
    process.exit(1);
  }
  throw error;
}
