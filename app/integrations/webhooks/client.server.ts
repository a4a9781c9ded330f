import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from "node:dns";
import { lookup as dnsLookupAsync } from "node:dns/promises";
import http from "node:http";
import https from "node:https";
import { literalAddress, refusedAddress, refusedHostname } from "./address.ts";

/**
 * The only code that sends webhooks over the network (docs/webhooks.md, "Targets"). Unless the
 * operator allows private targets, the host is resolved by our own lookup, every address it gives
 * is checked, and the connection goes to the address that was checked (so a DNS answer that
 * changes between the check and the connection, DNS rebinding, cannot move it inside). Redirects
 * are never followed.
 */

export type TargetRefusal = { reason: string; kind: "refused" | "unresolved" | "lookup-failed" };

/** A connection the address check stopped before it was made. */
class RefusedTargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RefusedTargetError";
  }
}

/** Why the addresses a name resolved to are refused, or null. All must pass: any could be the one connected to. */
function refusedAddresses(hostname: string, addresses: LookupAddress[], refuse: (address: string) => string | null = refusedAddress): string | null {
  for (const { address } of addresses) {
    const what = refuse(address);
    if (what) return `${hostname} resolves to ${address}, ${what}`;
  }
  return null;
}

/** The refusal that needs no DNS: a literal address, or a name that is the machine itself or a metadata service. */
function refusedWithoutLookup(hostname: string): { reason: string | null; literal: boolean } {
  const literal = literalAddress(hostname);
  if (literal) {
    const what = refusedAddress(literal);
    return { reason: what ? `${literal} is ${what}` : null, literal: true };
  }
  const what = refusedHostname(hostname);
  return { reason: what ? `${hostname} is ${what}` : null, literal: false };
}

/**
 * Checks where a webhook URL leads, as a delivery would see it now: null when it may be sent
 * there, else why not. Used when an endpoint is registered; deliveries check again at connect time.
 */
export async function checkWebhookTarget(url: string, options: { allowPrivate: boolean }): Promise<TargetRefusal | null> {
  if (options.allowPrivate) return null;
  const { hostname } = new URL(url);
  const early = refusedWithoutLookup(hostname);
  if (early.reason) return { reason: early.reason, kind: "refused" };
  if (early.literal) return null;
  let addresses: LookupAddress[];
  try {
    addresses = await dnsLookupAsync(hostname, { all: true, verbatim: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    return code === "ENOTFOUND" || code === "ENODATA"
      ? { reason: `${hostname} does not resolve (${code})`, kind: "unresolved" }
      : { reason: `${hostname} could not be looked up just now (${code})`, kind: "lookup-failed" };
  }
  const reason = refusedAddresses(hostname, addresses);
  return reason ? { reason, kind: "refused" } : null;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for node:net that resolves the name once, refuses it when `refuse` objects to any
 * address, and hands the connection exactly the addresses it checked (one, or all of them when
 * net asks for all to try them in turn).
 */
export function checkedLookup(refuse: (address: string) => string | null) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, "");
      const reason = refusedAddresses(hostname, addresses, refuse);
      if (reason) return callback(new RefusedTargetError(reason), "");
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

export type PostResult = {
  /** The HTTP status, or null when there was no answer (refused, connection error, timeout). */
  status: number | null;
  /** What to show in the delivery log: the start of the body, or why there was no answer. */
  response: string;
  /** True when the address check stopped it: trying again will not help until the target or the setting changes. */
  refused: boolean;
};

/** One POST to a webhook target: checked, pinned, never redirected, within `timeoutMs` from lookup to the end of the body. */
export function postWebhook(
  url: string,
  headers: Record<string, string>,
  body: string,
  options: { allowPrivate: boolean; timeoutMs: number; responseLimit: number },
): Promise<PostResult> {
  const target = new URL(url);
  const limit = options.responseLimit;
  if (!options.allowPrivate) {
    // node:net connects to a literal address without calling `lookup`: check it here. Names,
    // localhost included, are checked by checkedLookup on the addresses the connection then uses.
    const literal = literalAddress(target.hostname);
    const what = literal ? refusedAddress(literal) : null;
    if (what) return Promise.resolve({ status: null, response: refusalMessage(`${literal} is ${what}`), refused: true });
  }
  const send = target.protocol === "https:" ? https.request : http.request;
  return new Promise((resolve) => {
    let settled = false;
    // Once the status line came, a body cut short (timeout, reset) keeps the status and what arrived.
    let status: number | null = null;
    let text = "";
    const settle = (result: PostResult) => {
      if (settled) return;
      settled = true;
      resolve({ ...result, response: result.response.slice(0, limit) });
    };
    const failed = (error: Error & { code?: string }) => {
      if (error instanceof RefusedTargetError) return settle({ status: null, response: refusalMessage(error.message), refused: true });
      if (status !== null) return settle({ status, response: text, refused: false });
      const timedOut = error.name === "AbortError" || error.name === "TimeoutError";
      settle({ status: null, response: timedOut ? `No response within ${options.timeoutMs / 1000} s` : `${error.message}${error.code && !error.message.includes(error.code) ? ` (${error.code})` : ""}`, refused: false });
    };
    const request = send(
      target,
      {
        method: "POST",
        headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
        // A fresh connection every time: a pooled one could have been opened to another address.
        agent: false,
        lookup: options.allowPrivate ? undefined : checkedLookup(refusedAddress),
        signal: AbortSignal.timeout(options.timeoutMs),
      },
      (response) => {
        status = response.statusCode ?? null;
        if (status !== null && status >= 300 && status < 400) {
          const location = response.headers.location;
          response.resume();
          return settle({
            status,
            response: `Answered ${status} with a redirect${location ? ` to ${location}` : ""}; webhooks do not follow redirects: register the final URL instead.`,
            refused: false,
          });
        }
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          text += chunk;
          if (text.length >= limit) {
            settle({ status, response: text, refused: false });
            response.destroy();
          }
        });
        response.on("end", () => settle({ status, response: text, refused: false }));
        response.on("error", () => settle({ status, response: text, refused: false }));
        response.on("close", () => settle({ status, response: text, refused: false }));
      },
    );
    request.on("error", failed);
    request.end(body);
  });
}

function refusalMessage(reason: string): string {
  return `Not sent: ${reason}, inside the operator's network. Webhooks go to public addresses only; set WEBHOOK_ALLOW_PRIVATE=true to allow private targets.`;
}
