import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { customerActor, readPortalSession } from "~/auth/portal-session.server";
import { StatementsTable } from "~/components/statements-table";
import { Card } from "~/components/ui";
import { throwAsResponse } from "~/lib/forms.server";
import { listStatements } from "~/services/statements.server";

export const meta: MetaFunction = () => [{ title: "Statements · Customer portal" }];

/**
 * `/portal/statements`: the signed-in customer's own team's statements, newest first, each as PDF
 * and CSV. The team comes from the session alone; the list holds billed amounts only.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const { session, clearCookie } = await readPortalSession(request.headers.get("cookie"));
  if (!session) throw redirect(clearCookie ? "/portal/signin?reason=ended" : "/portal/signin", clearCookie ? { headers: { "Set-Cookie": clearCookie } } : undefined);
  const statements = await listStatements(customerActor(session), { team_id: session.teamId }).catch(throwAsResponse);
  return json({ statements }, { headers: { "Cache-Control": "private, no-store" } });
}

export default function PortalStatements() {
  const { statements } = useLoaderData<typeof loader>();
  const team = statements[0]?.team?.name;
  return (
    <>
      <p className="mb-2 text-sm">
        <Link to="/portal" className="text-indigo-700 underline">
          ← Your usage
        </Link>
      </p>
      <h1 className="mb-1 text-2xl font-semibold tracking-tight [overflow-wrap:anywhere]">Statements{team ? ` of ${team}` : ""}</h1>
      <p className="mb-6 text-sm text-slate-600">
        What you were billed each period: usage by model, credits and adjustments, and your balance. The current period&apos;s statement is open and
        changes until the period closes.
      </p>
      <Card title="Your statements">
        <StatementsTable statements={statements} caption="Your statements" downloadBase="/portal/statements" />
      </Card>
    </>
  );
}
