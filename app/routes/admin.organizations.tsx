import type { MetaFunction } from "@remix-run/node";
import { EmptySectionPage } from "~/components/section-page";

export const meta: MetaFunction = () => [{ title: "Organizations · SaaS LiteLLM" }];

export default function Page() {
  return (
    <EmptySectionPage title="Organizations" description="Each organization groups the teams of one customer." emptyTitle="No organizations yet">
      Organizations you create appear here, with their teams and spend.
    </EmptySectionPage>
  );
}
