/**
 * The security headers of every response (docs/operations.md, "Security headers"):
 *
 * - `Content-Security-Policy`: scripts only from this origin or inline with this request's nonce
 *   (Remix's inline scripts get it through app/entry.server.tsx and app/root.tsx); styles from this
 *   origin plus inline style attributes, which recharts and React's `style` props write; nothing may
 *   frame the pages, post forms elsewhere or change the base URL.
 * - `X-Frame-Options: DENY`, `X-Content-Type-Options: nosniff`, `Referrer-Policy: same-origin`.
 * - `Strict-Transport-Security` in production.
 * - `Cache-Control: no-store` on every API response (/api/..., tRPC): many of them hold keys.
 */
import { randomBytes } from "node:crypto";
import type { NextFunction, Request, Response } from "express";

declare module "@remix-run/node" {
  interface AppLoadContext {
    /** This request's Content-Security-Policy nonce (scripts/serve.ts); app/entry.server.tsx puts it on Remix's inline scripts. */
    cspNonce?: string;
  }
}

export type SecurityHeaderOptions = {
  /** NODE_ENV=production: adds Strict-Transport-Security. */
  production: boolean;
  /** `remix dev`'s origin (REMIX_DEV_ORIGIN), which the page may connect to for live reload. */
  devOrigin?: string;
};

/** A fresh nonce: 128 random bits, base64. */
export function createCspNonce(): string {
  return randomBytes(16).toString("base64");
}

export function contentSecurityPolicy(nonce: string, options: Pick<SecurityHeaderOptions, "devOrigin"> = {}): string {
  const connect = ["'self'"];
  if (options.devOrigin) {
    const dev = new URL(options.devOrigin);
    connect.push(dev.origin, `${dev.protocol === "https:" ? "wss:" : "ws:"}//${dev.host}`);
  }
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}'`,
    // Inline style attributes (recharts' SVG, React style props) are allowed; <style> elements only from
    // this origin (style-src-elem; browsers without it fall back to style-src). Inline scripts are not.
    "style-src 'self' 'unsafe-inline'",
    "style-src-elem 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${connect.join(" ")}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** The headers for one response; `nonce` is the one the page's inline scripts carry. */
export function securityHeaders(nonce: string, path: string, options: SecurityHeaderOptions): Record<string, string> {
  const headers: Record<string, string> = {
    "Content-Security-Policy": contentSecurityPolicy(nonce, options),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
  };
  if (options.production) headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains";
  if (path === "/api" || path.startsWith("/api/")) headers["Cache-Control"] = "no-store";
  return headers;
}

/**
 * Express middleware: a nonce per request in `res.locals.cspNonce` (hand it to Remix's load context
 * with `cspNonce(res)`), and the headers above, added as the response's headers go out wherever the
 * route set none of its own (Remix appends a route's headers, so setting ours first would make lists
 * such as `Cache-Control: no-store, private, no-store`). A route's own Cache-Control or
 * Referrer-Policy (e.g. `no-referrer` on portal links) wins.
 */
export function securityHeadersMiddleware(options: SecurityHeaderOptions) {
  return (req: Request, res: Response, next: NextFunction) => {
    const nonce = createCspNonce();
    res.locals.cspNonce = nonce;
    const headers = securityHeaders(nonce, req.path, options);
    const writeHead = res.writeHead;
    // Node calls writeHead for every response, explicitly or from the first write/end.
    res.writeHead = function (this: Response, ...args: Parameters<Response["writeHead"]>) {
      for (const [name, value] of Object.entries(headers)) if (!this.hasHeader(name)) this.setHeader(name, value);
      return writeHead.apply(this, args);
    } as Response["writeHead"];
    next();
  };
}

/** The nonce the middleware made for this response. */
export function cspNonce(res: Response): string | undefined {
  const nonce: unknown = res.locals.cspNonce;
  return typeof nonce === "string" ? nonce : undefined;
}
