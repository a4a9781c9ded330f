import type { LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import {
  Links,
  Meta,
  Outlet,
  Scripts,
  ScrollRestoration,
  isRouteErrorResponse,
  useLoaderData,
  useRouteError,
} from "@remix-run/react";
import { Toast } from "~/components/ui";
import { takeFlash } from "~/lib/flash.server";
import { useNonce } from "~/lib/nonce";
import styles from "./tailwind.css";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: styles },
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
];

export async function loader({ request }: LoaderFunctionArgs) {
  const { flash, clear } = await takeFlash(request);
  return json({ flash }, clear ? { headers: { "Set-Cookie": clear } } : undefined);
}

function Document({ children, title }: { children: React.ReactNode; title?: string }) {
  // The Content-Security-Policy admits inline scripts only with this request's nonce (app/lib/security-headers.server.ts).
  const nonce = useNonce();
  return (
    <html lang="en" className="h-full bg-slate-50">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {title ? <title>{title}</title> : null}
        <Meta />
        <Links />
      </head>
      <body className="h-full font-sans text-slate-900 antialiased">
        {children}
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

export default function App() {
  const { flash } = useLoaderData<typeof loader>();
  return (
    <Document>
      <Outlet />
      {flash ? <Toast kind={flash.kind} message={flash.message} /> : null}
    </Document>
  );
}

export function ErrorBoundary() {
  const error = useRouteError();
  const status = isRouteErrorResponse(error) ? error.status : 500;
  const message = isRouteErrorResponse(error)
    ? status === 404
      ? "There is no page at this address."
      : typeof error.data === "string"
        ? error.data
        : error.statusText
    : "Something went wrong on our side. Try again; if it keeps happening, check the server logs.";
  return (
    <Document title={`${status} · SaaS LiteLLM`}>
      <main className="mx-auto max-w-lg p-8">
        <h1 className="text-2xl font-semibold">{status === 404 ? "Page not found" : "Something went wrong"}</h1>
        <p className="mt-2 text-slate-600">{message}</p>
        <a className="mt-6 inline-block text-indigo-700 underline" href="/admin">
          Back to the admin panel
        </a>
      </main>
    </Document>
  );
}
