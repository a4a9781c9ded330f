import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { requireAdmin } from "~/auth/request.server";

/**
 * Any /admin/… address no page answers: a 404 inside the admin layout (its navigation stays), once
 * the visitor is signed in (signed-out visitors go to the sign-in page first, as on every admin page).
 */
export const meta: MetaFunction = () => [{ title: "Not found · SaaS LiteLLM" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireAdmin(request);
  throw json({ message: `There is no admin page at /admin/${params["*"] ?? ""}. Use the navigation to find what you were looking for.` }, { status: 404 });
}

export default function AdminNotFound() {
  return null;
}

export { RouteErrorBoundary as ErrorBoundary } from "~/components/route-error";
