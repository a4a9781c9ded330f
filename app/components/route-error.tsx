import { isRouteErrorResponse, Link, useRouteError } from "@remix-run/react";
import { Alert, PageHeader } from "./ui";

/** An admin page's ErrorBoundary: the error inside the admin layout, with the way back. */
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
