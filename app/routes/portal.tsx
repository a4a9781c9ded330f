import type { MetaFunction } from "@remix-run/node";
import { Outlet } from "@remix-run/react";
import { AdminRouteError } from "~/components/route-error";

/** The customers' portal layout (docs/portal.md): its own header, not the admin shell. */

export const meta: MetaFunction = () => [{ title: "Customer portal · SaaS LiteLLM" }, { name: "referrer", content: "no-referrer" }];

function Frame({ children }: { children: React.ReactNode }) {
  return (
    <div className="flex min-h-full flex-col">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2">
        Skip to content
      </a>
      <header className="bg-indigo-950 text-white">
        <div className="mx-auto flex max-w-6xl items-center gap-3 px-4 py-3">
          <img src="/favicon.svg" alt="" className="h-7 w-7" />
          <span className="font-semibold">LLM usage portal</span>
        </div>
      </header>
      <main id="main" className="mx-auto w-full max-w-6xl flex-1 px-4 py-6 sm:py-8">
        {children}
      </main>
      <footer className="mx-auto w-full max-w-6xl px-4 pb-6 text-xs text-slate-600">
        Your team&apos;s own usage, budget and API details. Questions about your budget or models? Ask your provider.
      </footer>
    </div>
  );
}

export default function PortalLayout() {
  return (
    <Frame>
      <Outlet />
    </Frame>
  );
}

export function ErrorBoundary() {
  return (
    <Frame>
      <AdminRouteError backTo="/portal" backLabel="Back to the portal" />
    </Frame>
  );
}
