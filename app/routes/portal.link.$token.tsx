import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { Alert } from "~/components/ui";
import { requestContext } from "~/lib/context";
import { isAppError } from "~/lib/errors";
import { portalSessionCookie } from "~/auth/portal-session.server";
import { signInWithPortalLink } from "~/services/portal/sign-in.server";

export const meta: MetaFunction = () => [{ title: "Portal link · Customer portal" }];

/** A portal link an admin made: opens a session for its team and goes to the portal. */
export async function loader({ params, context }: LoaderFunctionArgs) {
  const headers = { "Cache-Control": "no-store", "Referrer-Policy": "no-referrer" };
  try {
    const signIn = await signInWithPortalLink(params.token ?? "", requestContext(context).clientAddress);
    return redirect("/portal", { headers: { ...headers, "Set-Cookie": await portalSessionCookie(signIn) } });
  } catch (error) {
    if (!isAppError(error)) throw error;
    return json({ message: error.userMessage }, { status: error.status, headers: { ...headers, ...(error.retryAfterSeconds ? { "Retry-After": String(error.retryAfterSeconds) } : {}) } });
  }
}

export default function PortalLink() {
  const { message } = useLoaderData<typeof loader>();
  return (
    <div className="mx-auto w-full max-w-md py-6">
      <h1 className="text-2xl font-semibold tracking-tight">This link does not open the portal</h1>
      <div className="mt-4">
        <Alert>{message}</Alert>
      </div>
      <p className="mt-4 text-sm">
        <Link to="/portal/signin" className="text-indigo-700 underline">
          Sign in with your virtual key
        </Link>
      </p>
    </div>
  );
}
