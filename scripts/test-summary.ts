/**
 * Test counts from the runners' JSON reports, summed into the one line CI reads:
 * `N passed, N failed` (then `, N skipped` when any were skipped).
 * Used by scripts/test.ts; .ci/run can import it too, or read test-results/summary.json.
 */
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";

export const VITEST_JSON_REPORT = "test-results/vitest.json";
export const PLAYWRIGHT_JSON_REPORT = "test-results/playwright.json";
export const SUMMARY_FILE = "test-results/summary.json";

export type Counts = { passed: number; failed: number; skipped: number };
export type Runner = "vitest" | "playwright";

const count = z.number().int().nonnegative().catch(0);

/** Vitest's `json` reporter (Jest's format). Todo tests count as skipped. */
const vitestReport = z.object({
  numPassedTests: count,
  numFailedTests: count,
  numPendingTests: count,
  numTodoTests: count,
});

/** Playwright's `json` reporter. A flaky test failed, then passed on retry: it counts as passed. */
const playwrightReport = z.object({
  stats: z.object({ expected: count, unexpected: count, flaky: count, skipped: count }),
});

export function countsFromReport(runner: Runner, report: unknown): Counts {
  if (runner === "vitest") {
    const r = vitestReport.parse(report);
    return { passed: r.numPassedTests, failed: r.numFailedTests, skipped: r.numPendingTests + r.numTodoTests };
  }
  const { stats } = playwrightReport.parse(report);
  return { passed: stats.expected + stats.flaky, failed: stats.unexpected, skipped: stats.skipped };
}

/** The counts in a runner's report file, or undefined when the file is missing or not a report. */
export function readCounts(runner: Runner, file = runner === "vitest" ? VITEST_JSON_REPORT : PLAYWRIGHT_JSON_REPORT): Counts | undefined {
  try {
    return countsFromReport(runner, JSON.parse(fs.readFileSync(file, "utf8")));
  } catch {
    return undefined;
  }
}

export function sumCounts(...all: Array<Counts | undefined>): Counts {
  return all.reduce<Counts>(
    (sum, c) => (c ? { passed: sum.passed + c.passed, failed: sum.failed + c.failed, skipped: sum.skipped + c.skipped } : sum),
    { passed: 0, failed: 0, skipped: 0 },
  );
}

export function formatCounts(c: Counts): string {
  return `${c.passed} passed, ${c.failed} failed${c.skipped ? `, ${c.skipped} skipped` : ""}`;
}

export function writeSummary(summary: Counts & { runners: Partial<Record<Runner, Counts>>; problems: string[] }, file = SUMMARY_FILE): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(summary, null, 2)}\n`);
}
