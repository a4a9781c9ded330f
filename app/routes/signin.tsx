import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { getFormProps } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import { Form, Link, useActionData, useNavigation, useSearchParams } from "@remix-run/react";
import { startSession } from "~/auth/lucia.server";
import { authenticate, safeRedirect } from "~/auth/request.server";
import { Button, Field, FormErrors, cx } from "~/components/ui";
import { requestContext } from "~/lib/context";
import { fieldProps, lastResultFor, useSchemaForm } from "~/lib/forms";
import { replyInvalid, replyWithAppError } from "~/lib/forms.server";
import { masterKeySignInSchema, passwordSignInSchema } from "~/services/sign-in.schema";
import { signInWithMasterKey, signInWithPassword } from "~/services/sign-in.server";

export const meta: MetaFunction = () => [{ title: "Sign in · SaaS LiteLLM" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { actor } = await authenticate(request, "web");
  if (actor) throw redirect(safeRedirect(new URL(request.url).searchParams.get("redirectTo")));
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const method = form.get("method") === "password" ? "password" : "master-key";
  const { clientAddress } = requestContext(context);
  // Secrets never come back to the page; the email does, to fix a typo.
  const hideFields = ["password", "masterKey"];
  const submission =
    method === "password" ? parseWithZod(form, { schema: passwordSignInSchema }) : parseWithZod(form, { schema: masterKeySignInSchema });
  if (submission.status !== "success") return replyInvalid(submission, { intent: method, hideFields });
  try {
    const { userId } =
      "password" in submission.value
        ? await signInWithPassword(submission.value, clientAddress)
        : await signInWithMasterKey(submission.value, clientAddress);
    return redirect(safeRedirect(form.get("redirectTo")), { headers: { "Set-Cookie": await startSession(userId) } });
  } catch (error) {
    return replyWithAppError(submission, error, { intent: method, hideFields });
  }
}

export default function SignIn() {
  const data = useActionData<typeof action>();
  const [params] = useSearchParams();
  // The method is in the URL (?method=password), so the tabs are plain links that work before scripts load.
  const method = data?.intent === "password" || (!data && params.get("method") === "password") ? "password" : "master-key";
  const tabHref = (value: string) => {
    const next = new URLSearchParams(params);
    next.set("method", value);
    return `?${next.toString()}`;
  };
  const busy = useNavigation().state !== "idle";
  const [masterKeyForm, masterKeyFields] = useSchemaForm(masterKeySignInSchema, { id: "sign-in-master-key", lastResult: lastResultFor(data, "master-key") });
  const [passwordForm, passwordFields] = useSchemaForm(passwordSignInSchema, { id: "sign-in-password", lastResult: lastResultFor(data, "password") });
  const form = method === "password" ? passwordForm : masterKeyForm;
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
        <Form key={method} method="post" className="space-y-4 rounded-lg bg-white p-6 shadow-sm ring-1 ring-slate-200" {...(method === "password" ? getFormProps(passwordForm) : getFormProps(masterKeyForm))}>
          <input type="hidden" name="method" value={method} />
          <input type="hidden" name="redirectTo" value={params.get("redirectTo") ?? "/admin"} />
          <FormErrors id={form.errorId} errors={form.errors} />
          {method === "master-key" ? (
            <Field
              key="masterKey"
              label="Master key"
              type="password"
              autoComplete="current-password"
              required
              autoFocus
              {...fieldProps(masterKeyFields.masterKey)}
              hint="The MASTER_KEY this server was started with (npm start prints where it is kept)."
            />
          ) : (
            <>
              <Field
                key="email"
                label="Email"
                type="email"
                autoComplete="username"
                required
                autoFocus
                {...fieldProps(passwordFields.email)}
              />
              <Field
                key="password"
                label="Password"
                type="password"
                autoComplete="current-password"
                required
                {...fieldProps(passwordFields.password)}
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
