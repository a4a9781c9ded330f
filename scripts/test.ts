/**
 * `npm test`: the unit and integration tests (vitest), then the build, then the browser tests
 * (Playwright), ending with one plain line summed over both runners: `N passed, N failed`.
 * The totals also go to test-results/summary.json.
 *
 *   npm test                              everything
 *   npm run test:e2e                      build + browser tests only (--e2e-only)
 *   npm run test:e2e -- e2e/sign-in.spec.ts   arguments after --e2e-only go to `playwright test`
 *
 * Ctrl-C and SIGTERM stop the running step cleanly (the test server and its database included).
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { findChromium, HOW_TO_GET_CHROMIUM } from "../e2e/chromium.ts";
import {
  formatCounts,
  PLAYWRIGHT_JSON_REPORT,
  readCounts,
  sumCounts,
  VITEST_JSON_REPORT,
  writeSummary,
  type Counts,
  type Runner,
} from "./test-summary.ts";

const root = path.resolve(import.meta.dirname, "..");
process.chdir(root);

const args = process.argv.slice(2);
const e2eOnly = args.includes("--e2e-only");
const playwrightArgs = args.filter((a) => a !== "--e2e-only");
if (!e2eOnly && playwrightArgs.length) {
  process.stderr.write(`Unknown arguments: ${playwrightArgs.join(" ")}\nTo pass arguments to Playwright, use: npm run test:e2e -- <args>\n`);
  process.exit(2);
}

const say = (line: string) => process.stdout.write(`[test] ${line}\n`);
const PLAYWRIGHT_CLI = path.join(root, "node_modules/@playwright/test/cli.js");
const VITEST_CLI = path.join(root, "node_modules/vitest/vitest.mjs");
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";

// ── running the steps, and passing signals on ──────────────────────────────────────────────────

let interrupted: NodeJS.Signals | undefined;
let stopCurrent: (() => void) | undefined;

for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    if (interrupted) return;
    interrupted = sig;
    say(`${sig}: stopping…`);
    stopCurrent?.();
  });
}

/** Runs one step with our stdio; resolves with its exit code (128 + n when a signal ended it). */
function run(label: string, command: string, argv: string[], env: Record<string, string> = {}): Promise<number> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command, argv, { stdio: "inherit", env: { ...process.env, ...env } });
    // Every step gets SIGINT, whichever signal we received: Playwright stops its web server
    // (and so the embedded PostgreSQL) on SIGINT, but on SIGTERM it exits at once and leaves them running.
    stopCurrent = () => child.kill("SIGINT");
    let settled = false;
    const done = (code: number) => {
      if (settled) return;
      settled = true;
      stopCurrent = undefined;
      say(`${label}: ${code === 0 ? "done" : `exit code ${code}`} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      resolve(code);
    };
    child.on("error", (error) => {
      say(`could not run ${label}: ${error.message}`);
      done(127);
    });
    child.on("exit", (code, signal) => done(code ?? 128 + (signal ? os.constants.signals[signal] : 0)));
  });
}

// ── counting ─────────────────────────────────────────────────────────────────────────────────────

const runners: Partial<Record<Runner, Counts>> = {};
const problems: string[] = [];
/** Failures no runner reported: a failed build, no browser. */
let stepFailures = 0;

/** Reads a runner's report; a runner that failed without any failed test (crash, load error) counts as one failure. */
function record(runner: Runner, exitCode: number) {
  const counts = readCounts(runner) ?? { passed: 0, failed: 0, skipped: 0 };
  if (exitCode !== 0 && counts.failed === 0 && !interrupted) {
    counts.failed = 1;
    problems.push(`${runner} failed (exit code ${exitCode}) without reporting a failed test; see its output above. Counted as 1 failure.`);
  }
  runners[runner] = counts;
}

function failStep(problem: string) {
  problems.push(problem);
  stepFailures += 1;
}

function finish(): never {
  const counted = sumCounts(...Object.values(runners));
  const total = { ...counted, failed: counted.failed + stepFailures };
  if (interrupted) problems.push(`Stopped by ${interrupted}; the counts cover only what ran.`);
  writeSummary({ ...total, runners, problems });
  process.stdout.write("\n");
  for (const p of problems) say(p);
  process.stdout.write(`${formatCounts(total)}\n`);
  process.exit(interrupted === "SIGINT" ? 130 : interrupted === "SIGTERM" ? 143 : total.failed > 0 ? 1 : 0);
}

// ── the steps ────────────────────────────────────────────────────────────────────────────────────

for (const file of [VITEST_JSON_REPORT, PLAYWRIGHT_JSON_REPORT]) fs.rmSync(file, { force: true });

if (!e2eOnly) {
  say("unit and integration tests (vitest)");
  const code = await run("vitest", process.execPath, [
    VITEST_CLI,
    "run",
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${VITEST_JSON_REPORT}`,
  ]);
  record("vitest", code);
}
if (interrupted) finish();

say("build (npm run build)");
const buildCode = await run("build", NPM, ["run", "build", "--silent"]);
if (interrupted) finish();
if (buildCode !== 0) {
  failStep("The build failed, so the browser tests did not run.");
  finish();
}

let browser = findChromium();
if (!browser.found && !process.env.CHROMIUM_PATH) {
  say(`${browser.problem} Downloading Playwright's Chromium (npx playwright install chromium)…`);
  await run("playwright install chromium", process.execPath, [PLAYWRIGHT_CLI, "install", "chromium"]);
  if (interrupted) finish();
  browser = findChromium();
}
if (!browser.found) {
  failStep(`${browser.problem} The browser tests did not run.\n${HOW_TO_GET_CHROMIUM}`);
  finish();
}
say(`browser tests (Playwright, Chromium at ${browser.path})`);
const code = await run("playwright", process.execPath, [PLAYWRIGHT_CLI, "test", ...playwrightArgs], { CHROMIUM_PATH: browser.path });
record("playwright", code);
finish();
