import type { MetaFunction } from "@remix-run/node";
import { EmptySectionPage } from "~/components/section-page";

export const meta: MetaFunction = () => [{ title: "Model groups · SaaS LiteLLM" }];

export default function Page() {
  return (
    <EmptySectionPage title="Model groups" description="Named sets of LiteLLM models that teams may call." emptyTitle="No model groups yet">
      Model groups you create appear here. Their model names must match LiteLLM's exactly.
    </EmptySectionPage>
  );
}
