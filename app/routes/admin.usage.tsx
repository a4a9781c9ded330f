import type { MetaFunction } from "@remix-run/node";
import { EmptySectionPage } from "~/components/section-page";

export const meta: MetaFunction = () => [{ title: "Usage · SaaS LiteLLM" }];

export default function Page() {
  return (
    <EmptySectionPage title="Usage" description="Spend and requests by organization, team and model." emptyTitle="No usage yet">
      Usage appears here once teams make requests through LiteLLM and the worker pulls them in.
    </EmptySectionPage>
  );
}
