import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useNavigation, useSearchParams } from "@remix-run/react";
import { startSession } from "~/auth/lucia.server";
import { authenticate, safeRedirect } from "~/auth/request.server";
import { Alert, Button, Field, cx } from "~/components/ui";
import { requestContext } from "~/lib/context";
import { isAppError, type FieldErrors } from "~/lib/errors";
import { signInWithMasterKey, signInWithPassword } from "~/services/sign-in.server";

export const meta: MetaFunction = () => [{ title: "Sign in · SaaS LiteLLM" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { actor } = await authenticate(request, "web");
  if (actor) throw redirect(safeRedirect(new URL(request.url).searchParams.get("redirectTo")));
  return null;
}

type ActionData = { method: "master-key" | "password"; message: string; fieldErrors?: FieldErrors; email?: string };

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const method = form.get("method") === "password" ? "password" : "master-key";
  const { clientAddress } = requestContext(context);
  try {
    const { userId } =
      method === "password"
        ? await signInWithPassword({ email: form.get("email"), password: form.get("password") }, clientAddress)
        : await signInWithMasterKey({ masterKey: form.get("masterKey") }, clientAddress);
    return redirect(safeRedirect(form.get("redirectTo")), { headers: { "Set-Cookie": await startSession(userId) } });
  } catch (error) {
    if (!isAppError(error)) throw error;
    const headers: HeadersInit = error.retryAfterSeconds ? { "Retry-After": String(error.retryAfterSeconds) } : {};
    return json<ActionData>(
      { method, message: error.userMessage, fieldErrors: error.fieldErrors, email: String(form.get("email") ?? "") },
      { status: error.status, headers },
    );
  }
}

export default function SignIn() {
  const data = useActionData<typeof action>();
  const [params] = useSearchParams();
  // The method is in the URL (?method=password), so the tabs are plain links that work before scripts load.
  const method = data?.method ?? (params.get("method") === "password" ? "password" : "master-key");
  const tabHref = (value: string) => {
    const next = new URLSearchParams(params);
    next.set("method", value);
    return `?${next.toString()}`;
  };
  const busy = useNavigation().state !== "idle";
  const errors = data?.method === method ? data : undefined;
  return (
    <main className="flex min-h-full items-center justify-center px-4 py-12">
      <div className="w-full max-w-sm">
        <div className="mb-8 text-center">
          <img src="/favicon.svg" alt="" className="mx-auto h-10 w-10" />
          <h1 className="mt-4 text-2xl font-semibold tracking-tight">Sign in to SaaS LiteLLM</h1>
          <p className="mt-1 text-sm text-slate-600">The admin panel for your LiteLLM teams, budgets and usage.</p>
        </div>
        <div className="mb-4 grid grid-cols-2 rounded-md bg-slate-200 p-1 text-sm" role="tablist" aria-label="Sign-in method">
          {(
            [
              ["master-key", "Master key"],
              ["password", "Email and password"],
            ] as const
          ).map(([value, label]) => (
            <Link
              key={value}
              to={tabHref(value)}
              replace
              role="tab"
              aria-selected={method === value}
              className={cx("rounded px-3 py-1.5 text-center font-medium", method === value ? "bg-white shadow-sm" : "text-slate-700")}
            >
              {label}
            </Link>
          ))}
        </div>
        <Form method="post" className="space-y-4 rounded-lg bg-white p-6 shadow-sm ring-1 ring-slate-200">
          <input type="hidden" name="method" value={method} />
          <input type="hidden" name="redirectTo" value={params.get("redirectTo") ?? "/admin"} />
          {errors?.message ? <Alert>{errors.message}</Alert> : null}
          {method === "master-key" ? (
            <Field
              key="masterKey"
              label="Master key"
              name="masterKey"
              type="password"
              autoComplete="current-password"
              required
              autoFocus
              errors={errors?.fieldErrors?.masterKey}
              hint="The MASTER_KEY this server was started with (npm start prints where it is kept)."
            />
          ) : (
            <>
              <Field
                key="email"
                label="Email"
                name="email"
                type="email"
                autoComplete="username"
                required
                autoFocus
                defaultValue={errors?.email}
                errors={errors?.fieldErrors?.email}
              />
              <Field
                key="password"
                label="Password"
                name="password"
                type="password"
                autoComplete="current-password"
                required
                errors={errors?.fieldErrors?.password}
              />
            </>
          )}
          <Button type="submit" className="w-full" disabled={busy}>
            {busy ? "Signing in…" : "Sign in"}
          </Button>
        </Form>
      </div>
    </main>
  );
}
