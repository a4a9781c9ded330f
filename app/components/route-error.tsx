import { isRouteErrorResponse, Link, useLocation, useRouteError } from "@remix-run/react";
import { Alert, PageHeader } from "./ui";

/** Where an admin page's "back" link leads: the section the URL is in (/admin/teams/x → Teams), else the overview. */
const SECTIONS: Array<[prefix: string, to: string, label: string]> = [
  ["/admin/models", "/admin/models", "Back to models"],
  ["/admin/organizations", "/admin/organizations", "Back to organizations"],
  ["/admin/model-groups", "/admin/model-groups", "Back to model groups"],
  ["/admin/teams", "/admin/teams", "Back to teams"],
  ["/admin/usage", "/admin/usage", "Back to usage"],
  ["/admin/audit", "/admin/audit", "Back to the audit log"],
  ["/admin/settings", "/admin/settings", "Back to settings"],
  ["/admin/webhooks", "/admin/webhooks", "Back to webhooks"],
];

function sectionOf(pathname: string): { to: string; label: string } {
  const found = SECTIONS.find(([prefix]) => pathname === prefix || pathname.startsWith(`${prefix}/`));
  // The section page itself failed (or the URL is in no section): the way back is the overview.
  if (!found || found[1] === pathname) return { to: "/admin", label: "Back to the overview" };
  return { to: found[1], label: found[2] };
}

/** An admin page's ErrorBoundary: the error inside the admin layout (nav stays), with the way back. */
export function AdminRouteError({ backTo, backLabel }: { backTo: string; backLabel: string }) {
  const error = useRouteError();
  let title = "Something went wrong";
  let message = "Something went wrong on our side. Try again; if it keeps happening, check the server logs.";
  if (isRouteErrorResponse(error)) {
    if (error.status === 404) title = "Not found";
    const data = error.data as unknown;
    if (data && typeof data === "object" && "message" in data && typeof data.message === "string") message = data.message;
    else if (typeof data === "string" && data) message = data;
    else if (error.status === 404) message = "There is nothing at this address.";
  }
  return (
    <>
      <PageHeader title={title} />
      <Alert>{message}</Alert>
      <p className="mt-4 text-sm">
        <Link to={backTo} className="text-indigo-700 underline">
          {backLabel}
        </Link>
      </p>
    </>
  );
}

/** The ErrorBoundary every admin route exports: `export { RouteErrorBoundary as ErrorBoundary } from "~/components/route-error";` */
export function RouteErrorBoundary() {
  const { pathname } = useLocation();
  const back = sectionOf(pathname);
  return <AdminRouteError backTo={back.to} backLabel={back.label} />;
}
