import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_MASTER_KEY } from "./setup-db.ts";
import { startWeb, type WebProcess } from "./web-process.ts";

/**
 * The security headers (docs/operations.md, "Security headers") on what the real web process
 * (scripts/serve.ts, serving the Remix build) answers: HTML pages carry a CSP whose nonce is on every
 * inline script, no framing, nosniff, same-origin referrers, HSTS only in production; API answers
 * (REST and tRPC) are never cached; session cookies are httpOnly, SameSite=Lax, and Secure in production.
 */

const root = path.resolve(import.meta.dirname, "..");

/** The newest modification time under `dir`, in ms. */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) latest = Math.max(latest, fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return latest;
}

/** scripts/serve.ts serves build/: build it when it is missing or older than app/ (a fresh clone, an edit). */
function ensureBuild() {
  const built = path.join(root, "build/index.js");
  if (fs.existsSync(built) && fs.statSync(built).mtimeMs >= newest(path.join(root, "app"))) return;
  const result = spawnSync(process.execPath, [path.join(root, "node_modules/@remix-run/dev/dist/cli.js"), "build"], {
    cwd: root,
    encoding: "utf8",
    // As `npm run build` does: this process runs with NODE_ENV=test, which would make a development build.
    env: { ...process.env, NODE_ENV: "production" },
  });
  if (result.status !== 0) throw new Error(`remix build failed:\n${result.stdout}\n${result.stderr}`);
}

/** The real web process (scripts/serve.ts, serving the Remix build) with this file's settings. */
const serve = (env: Record<string, string>) => startWeb({ LOG_LEVEL: "warn", ...env }, { script: "scripts/serve.ts" });

/** Signs in with the master key; answers the sign-in response and its session cookie (Set-Cookie form). */
async function signInWithMasterKey(web: WebProcess) {
  const signIn = await fetch(`${web.url}/signin`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: web.url },
    body: new URLSearchParams({ method: "master-key", masterKey: TEST_MASTER_KEY, redirectTo: "/admin" }),
  });
  return { signIn, session: signIn.headers.getSetCookie().find((c) => c.startsWith("saas_session=")) };
}

/** The CSP's directives by name. */
function directives(csp: string | null): Map<string, string[]> {
  expect(csp, "Content-Security-Policy header").toBeTruthy();
  return new Map(
    csp!
      .split(";")
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...values]) => [name!, values]),
  );
}

/** Checks a page's headers and that every inline and external script carries the header's nonce; returns the nonce. */
function expectSafePage(response: Response, html: string): string {
  expect(response.headers.get("content-type")).toMatch(/^text\/html/);
  const csp = directives(response.headers.get("content-security-policy"));
  const scriptSrc = csp.get("script-src") ?? csp.get("default-src")!;
  expect(scriptSrc).not.toContain("'unsafe-inline'");
  expect(scriptSrc).not.toContain("'unsafe-eval'");
  const nonces = scriptSrc.filter((v) => v.startsWith("'nonce-")).map((v) => v.slice(7, -1));
  expect(nonces).toHaveLength(1);
  const nonce = nonces[0]!;
  expect(nonce.length).toBeGreaterThanOrEqual(16);
  expect(csp.get("frame-ancestors")).toEqual(["'none'"]);
  expect(csp.get("object-src")).toEqual(["'none'"]);
  expect(csp.get("base-uri")).toEqual(["'self'"]);
  expect(response.headers.get("x-frame-options")).toBe("DENY");
  expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  expect(response.headers.get("referrer-policy")).toBe("same-origin");

  const scripts = [...html.matchAll(/<script\b([^>]*)>/g)].map((m) => m[1]!);
  expect(scripts.length, "the page has Remix's scripts").toBeGreaterThan(0);
  for (const attributes of scripts) expect(attributes, `<script${attributes}>`).toContain(`nonce="${nonce}"`);
  // No inline event handlers or javascript: URLs, which no nonce can allow.
  expect(html).not.toMatch(/\son[a-z]+\s*=\s*["']/i);
  expect(html).not.toMatch(/javascript:/i);
  return nonce;
}

beforeAll(() => ensureBuild(), 180_000);

describe("the web process in development", () => {
  let web: WebProcess;
  let cookie = "";
  beforeAll(async () => {
    web = await serve({ NODE_ENV: "development" });
  });
  afterAll(() => web?.stop());

  it("sends every page with a CSP whose nonce is on every script, fresh for each request, and no HSTS outside production", async () => {
    const first = await fetch(`${web.url}/signin`);
    expect(first.status).toBe(200);
    const nonce = expectSafePage(first, await first.text());
    expect(first.headers.get("strict-transport-security")).toBeNull();

    const second = await fetch(`${web.url}/signin`);
    expect(expectSafePage(second, await second.text())).not.toBe(nonce);

    // The portal's sign-in page, and a page that does not exist (the error page renders scripts too).
    for (const page of ["/portal/signin", "/no-such-page"]) {
      const response = await fetch(`${web.url}${page}`);
      expectSafePage(response, await response.text());
    }
  });

  it("signs in with an httpOnly, SameSite=Lax session cookie, and the admin panel carries the same headers", async () => {
    const { signIn, session } = await signInWithMasterKey(web);
    expect(signIn.status).toBe(302);
    expect(session).toBeDefined();
    expect(session).toMatch(/;\s*HttpOnly/i);
    expect(session).toMatch(/;\s*SameSite=Lax/i);
    expect(session).not.toMatch(/;\s*Secure/i);
    cookie = session!.split(";")[0]!;

    const admin = await fetch(`${web.url}/admin`, { headers: { cookie } });
    expect(admin.status).toBe(200);
    expectSafePage(admin, await admin.text());
  });

  it("answers REST and tRPC with Cache-Control: no-store, nosniff and no framing, errors included", async () => {
    const asAdmin = { "X-Admin-Key": TEST_MASTER_KEY };
    const answers = [
      await fetch(`${web.url}/api/me`, { headers: asAdmin }),
      await fetch(`${web.url}/api/organizations`, { headers: asAdmin }),
      await fetch(`${web.url}/api/openapi.json`),
      await fetch(`${web.url}/api/trpc/system.me`, { headers: asAdmin }),
      await fetch(`${web.url}/api/trpc/system.me`, { headers: { cookie } }),
      await fetch(`${web.url}/api/trpc/system.me`),
      await fetch(`${web.url}/api/me`),
      await fetch(`${web.url}/api/no-such-endpoint`, { headers: asAdmin }),
    ];
    for (const answer of answers) {
      const what = `${answer.url} (${answer.status})`;
      expect(answer.headers.get("content-type"), what).toMatch(/json/);
      expect(answer.headers.get("cache-control"), what).toBe("no-store");
      expect(answer.headers.get("x-content-type-options"), what).toBe("nosniff");
      expect(answer.headers.get("x-frame-options"), what).toBe("DENY");
      await answer.arrayBuffer();
    }
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 401, 401, 404]);
  });
});

describe("the web process in production", () => {
  let web: WebProcess;
  beforeAll(async () => {
    web = await serve({ NODE_ENV: "production" });
  });
  afterAll(() => web?.stop());

  it("adds Strict-Transport-Security to pages and API answers, and marks the session cookie Secure", async () => {
    const page = await fetch(`${web.url}/signin`);
    expectSafePage(page, await page.text());
    expect(page.headers.get("strict-transport-security")).toMatch(/^max-age=\d{8,}; includeSubDomains$/);
    const api = await fetch(`${web.url}/api/me`, { headers: { "X-Admin-Key": TEST_MASTER_KEY } });
    expect(api.headers.get("strict-transport-security")).toMatch(/^max-age=\d{8,}/);
    expect(api.headers.get("cache-control")).toBe("no-store");
    await api.arrayBuffer();

    const { signIn, session } = await signInWithMasterKey(web);
    expect(signIn.status).toBe(302);
    expect(session).toMatch(/;\s*HttpOnly/i);
    expect(session).toMatch(/;\s*SameSite=Lax/i);
    expect(session).toMatch(/;\s*Secure/i);
  });
});
