// A real browser for the console's tests: Debian's chromium-headless-shell driven by Playwright (no browser is
// downloaded), with every console error, uncaught page error and Content-Security-Policy violation recorded so
// a test can require that there were none.
import { existsSync } from "node:fs";
import { AxeBuilder } from "@axe-core/playwright";
import { type Browser, type BrowserContext, chromium, type Page } from "@playwright/test";

export const CHROMIUM = process.env.LOCO_CHROMIUM ?? "/usr/bin/chromium-headless-shell";

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `No Chromium at ${CHROMIUM}: install Debian's chromium-headless-shell (hack/lib.sh ensure_test_tools does), or set LOCO_CHROMIUM.`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM });
}

/** The fields of an axe-core result this suite reads. */
interface Violation {
  id: string;
  impact?: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

export interface TabProblems {
  /** Console errors, page errors and CSP violations, in order. */
  list: string[];
}

/** A fresh context (its own sessionStorage: a separate sign-in) and a page whose problems are recorded. */
export async function openTab(
  browser: Browser,
): Promise<{ context: BrowserContext; page: Page; problems: TabProblems }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems: TabProblems = { list: [] };
  page.on("console", (message) => {
    // A 401/403/404 the console expects is logged by Chromium as a failed resource load; the pages handle those
    // (sign-in again, the API's refusal shown, "not found").
    if (message.type() === "error" && !/the server responded with a status of (401|403|404)/.test(message.text())) {
      problems.list.push(`console: ${message.text()}`);
    }
  });
  page.on("pageerror", (error) => problems.list.push(`page error: ${error.message}`));
  return { context, page, problems };
}

/** axe-core on the page as it is: the serious and critical violations, as readable lines. */
export async function seriousViolations(page: Page): Promise<string[]> {
  // axe's types come from the top-level playwright-core (1.65.2), @playwright/test's from its own nested copy
  // (1.65.1): the same Page at run time, two types at compile time.
  const result: { violations: Violation[] } = await new AxeBuilder({ page: page as never })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
    .analyze();
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}
