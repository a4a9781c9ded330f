/**
 * rpm / tpm / max_parallel_requests limits per key and per team (CONTRACT §2, row (d)), in the style
 * of `parallel_request_limiter_v3`: a fixed 60 s window per descriptor that starts with its first
 * request. Counters change at once (not in the spend batch): requests when admitted, tokens when the
 * response is produced.
 */
import { proxyException } from "./errors.ts";

export const WINDOW_MS = 60_000;

export type LimitDescriptor = { descriptor: string; value: string; rpm: number | null; tpm: number | null; parallel: number | null };

type Window = { startMs: number; requests: number; tokens: number };

/** "2025-11-25 10:01:00 UTC" */
export function formatResetAt(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

export class RateLimiter {
  private windows = new Map<string, Window>();
  private inflight = new Map<string, number>();

  private window(id: string, nowMs: number): Window {
    let w = this.windows.get(id);
    if (!w || nowMs >= w.startMs + WINDOW_MS) {
      w = { startMs: nowMs, requests: 0, tokens: 0 };
      this.windows.set(id, w);
    }
    return w;
  }

  /**
   * Admits the request or throws the 429. Checks run per descriptor in the order given, each as
   * requests → tokens → max_parallel_requests. Returns `release(tokens)` to call when the response is done.
   */
  acquire(descriptors: LimitDescriptor[], nowMs: number): (tokens: number) => void {
    const active = descriptors.filter((d) => d.rpm !== null || d.tpm !== null || d.parallel !== null);
    for (const d of active) {
      const id = `${d.descriptor}:${d.value}`;
      const w = this.window(id, nowMs);
      const checks: Array<[string, number | null, number]> = [
        ["requests", d.rpm, w.requests],
        ["tokens", d.tpm, w.tokens],
        ["max_parallel_requests", d.parallel, this.inflight.get(id) ?? 0],
      ];
      for (const [type, limit, used] of checks) {
        if (limit === null || used < limit) continue;
        const resetAt = formatResetAt(w.startMs + WINDOW_MS);
        throw proxyException(
          429,
          `Rate limit exceeded for ${d.descriptor}: ${d.value}. Limit type: ${type}. Current limit: ${limit}, Remaining: 0. Limit resets at: ${resetAt}`,
          "None",
          "None",
          { "retry-after": String(WINDOW_MS / 1000), rate_limit_type: type, reset_at: resetAt },
        );
      }
    }
    const ids = active.map((d) => `${d.descriptor}:${d.value}`);
    for (const id of ids) {
      this.window(id, nowMs).requests += 1;
      this.inflight.set(id, (this.inflight.get(id) ?? 0) + 1);
    }
    let released = false;
    return (tokens: number) => {
      if (released) return;
      released = true;
      for (const id of ids) {
        const w = this.windows.get(id);
        if (w) w.tokens += tokens;
        this.inflight.set(id, Math.max(0, (this.inflight.get(id) ?? 1) - 1));
      }
    };
  }
}
