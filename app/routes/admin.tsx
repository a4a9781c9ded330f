import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, NavLink, Outlet, useLoaderData } from "@remix-run/react";
import { useState } from "react";
import { requireAdmin } from "~/auth/request.server";
import { HealthPanel } from "~/components/health-panel";
import { cx } from "~/components/ui";
import { checkReadiness } from "~/services/health.server";

export async function loader({ request }: LoaderFunctionArgs) {
  const { actor, headers } = await requireAdmin(request);
  const readiness = await checkReadiness();
  return json({ actor: { name: actor.name, email: actor.email, role: actor.role }, readiness }, { headers });
}

const NAV = [
  { to: "/admin", label: "Overview", end: true },
  { to: "/admin/models", label: "Models" },
  { to: "/admin/organizations", label: "Organizations" },
  { to: "/admin/model-groups", label: "Model groups" },
  { to: "/admin/teams", label: "Teams" },
  { to: "/admin/usage", label: "Usage" },
  { to: "/admin/audit", label: "Audit log" },
  { to: "/admin/settings", label: "Settings" },
  { to: "/admin/webhooks", label: "Webhooks" },
];

export default function AdminLayout() {
  const { actor, readiness } = useLoaderData<typeof loader>();
  const [menuOpen, setMenuOpen] = useState(false);
  return (
    <div className="min-h-full md:flex">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2">
        Skip to content
      </a>
      <header className="flex items-center justify-between bg-indigo-950 px-4 py-3 text-white md:hidden">
        <span className="font-semibold">SaaS LiteLLM</span>
        <button type="button" aria-expanded={menuOpen} aria-controls="admin-nav" onClick={() => setMenuOpen((o) => !o)} className="rounded px-2 py-1 ring-1 ring-white/30">
          Menu
        </button>
      </header>
      <aside
        id="admin-nav"
        className={cx("w-full shrink-0 bg-indigo-950 text-indigo-100 md:flex md:min-h-screen md:w-60 md:flex-col", menuOpen ? "flex flex-col" : "hidden")}
      >
        <div className="hidden px-5 py-5 md:block">
          <span className="text-lg font-semibold text-white">SaaS LiteLLM</span>
        </div>
        <nav aria-label="Admin" className="flex-1 px-3 py-2">
          <ul className="space-y-1">
            {NAV.map((item) => (
              <li key={item.to}>
                <NavLink
                  to={item.to}
                  end={item.end}
                  onClick={() => setMenuOpen(false)}
                  className={({ isActive }) =>
                    cx("block rounded-md px-3 py-2 text-sm font-medium", isActive ? "bg-indigo-800 text-white" : "hover:bg-indigo-900 hover:text-white")
                  }
                >
                  {item.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="border-t border-indigo-900 px-5 py-4 text-sm">
          <p className="font-medium text-white">{actor.name}</p>
          <p className="text-indigo-300">
            {actor.email ?? "signed in with the master key"} · <span data-testid="role">{actor.role}</span>
          </p>
          <Form method="post" action="/signout" className="mt-3">
            <button type="submit" className="rounded-md px-2 py-1 text-indigo-100 ring-1 ring-indigo-700 hover:bg-indigo-900">
              Sign out
            </button>
          </Form>
        </div>
      </aside>
      <div className="flex-1">
        <HealthPanel readiness={readiness} />
        <main id="main" className="mx-auto max-w-6xl px-4 py-6 md:px-8">
          <Outlet context={{ role: actor.role }} />
        </main>
      </div>
    </div>
  );
}

export { RouteErrorBoundary as ErrorBoundary } from "~/components/route-error";
