/**
 * Which Chromium the browser tests drive, shared by playwright.config.ts and scripts/test.ts.
 * Order: CHROMIUM_PATH, then the system package (/usr/bin/chromium), then Playwright's own download.
 */
import fs from "node:fs";
import { chromium } from "@playwright/test";

export const SYSTEM_CHROMIUM = "/usr/bin/chromium";

export type ChromiumLookup =
  | { found: true; path: string; source: "CHROMIUM_PATH" | "system" | "playwright" }
  | { found: false; problem: string };

export function findChromium(env: Record<string, string | undefined> = process.env): ChromiumLookup {
  const given = env.CHROMIUM_PATH?.trim();
  if (given) {
    // An explicit choice that is wrong is reported, not silently replaced by another browser.
    return fs.existsSync(given)
      ? { found: true, path: given, source: "CHROMIUM_PATH" }
      : { found: false, problem: `CHROMIUM_PATH is set to ${given}, but there is no file there.` };
  }
  if (fs.existsSync(SYSTEM_CHROMIUM)) return { found: true, path: SYSTEM_CHROMIUM, source: "system" };
  const own = chromium.executablePath();
  if (own && fs.existsSync(own)) return { found: true, path: own, source: "playwright" };
  return { found: false, problem: `No Chromium found (looked at CHROMIUM_PATH, ${SYSTEM_CHROMIUM} and ${own}).` };
}

export const HOW_TO_GET_CHROMIUM = [
  "The browser tests need Chromium. Any one of these works:",
  "  - Debian/Ubuntu: sudo apt-get install -y chromium",
  "  - point CHROMIUM_PATH at a Chromium or Chrome binary you already have, e.g. CHROMIUM_PATH=/opt/chrome/chrome npm test",
  "  - on a machine that can download it: npx playwright install chromium",
].join("\n");
