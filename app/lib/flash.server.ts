import { createCookie } from "@remix-run/node";
import { env } from "./env.server.ts";

/** One-shot messages shown as a toast on the next page (after a redirect). */
export type Flash = { kind: "success" | "error"; message: string };

let cookie: ReturnType<typeof createCookie> | undefined;
function flashCookie() {
  cookie ??= createCookie("saas_flash", {
    httpOnly: true,
    sameSite: "lax",
    path: "/",
    maxAge: 60,
    secure: env().NODE_ENV === "production",
    secrets: [env().APP_SECRET],
  });
  return cookie;
}

export async function setFlash(flash: Flash): Promise<string> {
  return flashCookie().serialize(flash);
}

/** Reads the flash (if any) and returns the header that clears it. */
export async function takeFlash(request: Request): Promise<{ flash: Flash | null; clear?: string }> {
  const value = (await flashCookie().parse(request.headers.get("cookie"))) as Flash | null;
  if (!value) return { flash: null };
  return { flash: value, clear: await flashCookie().serialize("", { maxAge: 0 }) };
}
