import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, useActionData, useNavigation, useSearchParams } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { Alert, Button, Field } from "~/components/ui";
import { requestContext } from "~/lib/context";
import { isAppError, type FieldErrors } from "~/lib/errors";
import { portalSessionCookie, readPortalSession } from "~/auth/portal-session.server";
import { signInWithVirtualKey } from "~/services/portal/sign-in.server";

export const meta: MetaFunction = () => [{ title: "Sign in · Customer portal" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { session, clearCookie } = await readPortalSession(request.headers.get("cookie"));
  if (session) throw redirect("/portal");
  return json(null, clearCookie ? { headers: { "Set-Cookie": clearCookie } } : undefined);
}

type ActionData = { message: string; fieldErrors?: FieldErrors };

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  try {
    const signIn = await signInWithVirtualKey({ key: form.get("key") }, requestContext(context).clientAddress);
    return redirect("/portal", { headers: { "Set-Cookie": await portalSessionCookie(signIn) } });
  } catch (error) {
    if (!isAppError(error)) throw error;
    const headers: HeadersInit = { "Cache-Control": "no-store", ...(error.retryAfterSeconds ? { "Retry-After": String(error.retryAfterSeconds) } : {}) };
    // The key typed is never sent back: the field starts empty again.
    return json<ActionData>({ message: error.userMessage, fieldErrors: error.fieldErrors }, { status: error.status, headers });
  }
}

const ENDED: Record<string, string> = {
  ended: "Your portal session has ended: the key or link you signed in with no longer works, or your team is paused. Sign in again, or ask your provider.",
  signed_out: "You are signed out.",
};

export default function PortalSignIn() {
  const data = useActionData<typeof action>();
  const [params] = useSearchParams();
  const busy = useNavigation().state !== "idle";
  const notice = ENDED[params.get("reason") ?? ""];
  const form = useRef<HTMLFormElement>(null);
  // After a refusal the field starts empty again: the key typed is neither sent back nor kept.
  useEffect(() => {
    if (!data) return;
    form.current?.reset();
    form.current?.querySelector<HTMLInputElement>("input[name=key]")?.focus();
  }, [data]);
  return (
    <div className="mx-auto w-full max-w-md py-6">
      <h1 className="text-2xl font-semibold tracking-tight">Sign in to your usage portal</h1>
      <p className="mt-2 text-sm text-slate-600">
        See your team&apos;s remaining budget, usage, models and how to call the API. Sign in with your team&apos;s virtual key, or open the portal link your
        provider sent you.
      </p>
      <Form ref={form} method="post" className="mt-6 space-y-4 rounded-lg bg-white p-6 shadow-sm ring-1 ring-slate-200">
        {data?.message ? <Alert>{data.message}</Alert> : notice ? <Alert tone="warn">{notice}</Alert> : null}
        <Field
          label="Virtual key"
          name="key"
          type="password"
          autoComplete="off"
          spellCheck={false}
          required
          autoFocus
          errors={data?.fieldErrors?.key}
          hint="The key your application sends to the API (it starts with sk-). It is checked, never shown."
        />
        <Button type="submit" className="w-full" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </Button>
      </Form>
    </div>
  );
}
