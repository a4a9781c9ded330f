import type { MetaFunction } from "@remix-run/node";
import { EmptySectionPage } from "~/components/section-page";

export const meta: MetaFunction = () => [{ title: "Teams · SaaS LiteLLM" }];

export default function Page() {
  return (
    <EmptySectionPage title="Teams" description="Teams, their virtual keys, budgets and rate limits." emptyTitle="No teams yet">
      Teams you create appear here, each with its LiteLLM virtual key and sync state.
    </EmptySectionPage>
  );
}
