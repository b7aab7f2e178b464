// The console's budgets, measured in a real Chromium against a real API world: the JavaScript of the first load
// (≤ 250 kB gzipped), the Overview of a tenant with 200 Apps on screen (≤ 1 s from navigation, warm API), and the
// logs view keeping up with 1,000 lines a second (none dropped, no main-thread task long enough to freeze input).
// In the suite it checks what does not depend on the machine's speed — the bundle's size, all 202 Apps on screen,
// not one log line dropped — and prints the times. The time budgets are judged only as a benchmark, on a quiet
// machine: with LOCO_WRITE_BENCH=1 (`npm run bench:console`) they are asserted and the figures go to
// bench/results/console.json. (A loaded CI machine measured 1.9 s and a 1 s task: a timed test there would only
// measure the load.)
import { readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import type { Browser, Page } from "@playwright/test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureConsoleBuilt } from "../../hack/build-console.ts";
import { type ApiWorld, startApiWorld } from "../support/api-world.ts";
import { type CannedLogs, cannedLogs } from "../support/canned-logs.ts";
import { mapLimit } from "../support/fleet.ts";
import { eventually } from "../support/kube.ts";
import { launchBrowser, openTab } from "./browser.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const benchmark = process.env.LOCO_WRITE_BENCH === "1";
const APPS = 200;
const figures: Record<string, number | string> = {};
let world: ApiWorld;
let browser: Browser;
let page: Page;
let logs: CannedLogs;
let tenant: string;
let token: string;

beforeAll(async () => {
  await ensureConsoleBuilt();
  world = await startApiWorld("conb");
  tenant = world.tenants[0].name;
  const developer = await world.token(world.tenants[0].members.developer);
  logs = await cannedLogs({
    namespace: `${tenant}-${world.profile}`,
    containers: { "*": [{ time: new Date(Date.now() - 60_000), line: "started" }] },
    follow: true,
  });
  // No replicas: 200 Apps with their Services and routes, but no pods to schedule on two cores.
  await mapLimit(
    Array.from({ length: APPS }, (_, i) => `app${String(i).padStart(3, "0")}`),
    8,
    async (name) => {
      const put = await world.api.call("PUT", `/v1/tenants/${tenant}/apps/${name}?profile=${world.profile}`, {
        token: developer,
        body: { spec: { ...world.appSpec(), replicas: 0 } },
      });
      if (put.status !== 200) throw new Error(`PUT ${name}: ${put.status} ${await put.text()}`);
    },
  );
  const logged = await world.api.call(
    "POST",
    `/v1/tenants/${tenant}/apps/talker/deployments?profile=${world.profile}`,
    {
      token: developer,
      body: { spec: { ...world.appSpec(), replicas: 1 } },
    },
  );
  expect(logged.status).toBe(202);
  const events = (await logged.json()) as { events: string };
  // The talker's pod must run before its log can be followed.
  expect(await (await world.api.call("GET", events.events, { token: developer })).text()).toContain(
    '"outcome":"Available"',
  );
  await eventually(
    `${APPS + 2} Apps in the mirror`,
    async () => {
      const page = (await (
        await world.api.call("GET", `/v1/tenants/${tenant}/apps?limit=500`, { token: developer })
      ).json()) as { items: unknown[] };
      return page.items.length >= APPS + 2 ? true : undefined;
    },
    { timeoutMs: 150_000, intervalMs: 1_000 },
  );
  const minted = await world.api.call("POST", `/v1/tenants/${tenant}/tokens`, {
    token: developer,
    body: { name: "budgets", role: "developer", expiresInDays: 1 },
  });
  token = ((await minted.json()) as { secret: string }).secret;
  browser = await launchBrowser();
  ({ page } = await openTab(browser));
  await page.goto(`${world.api.url}/sign-in`);
  await page.getByLabel("API token").fill(token);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.waitForURL(`${world.api.url}/tenants/${tenant}`);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await logs?.remove();
  await world?.stop();
  if (benchmark) {
    const result = { ...figures, loadAverage1m: Math.round(loadavg()[0]! * 10) / 10 };
    writeFileSync(join(root, "bench", "results", "console.json"), `${JSON.stringify(result, null, 2)}\n`);
  }
});

describe("the console's budgets", () => {
  it("loads at most 250 kB of JavaScript, gzipped, before the first page", () => {
    const dir = join(root, "dist", "console");
    const manifest = JSON.parse(readFileSync(join(dir, ".vite", "manifest.json"), "utf8")) as Record<
      string,
      { file: string; isEntry?: boolean; imports?: string[]; css?: string[] }
    >;
    const entry = Object.values(manifest).find((chunk) => chunk.isEntry)!;
    const initial = [entry.file, ...(entry.imports ?? []).map((key) => manifest[key]!.file)];
    const gz = (file: string) => gzipSync(readFileSync(join(dir, file))).length;
    const jsKb = initial.reduce((sum, file) => sum + gz(file), 0) / 1024;
    const cssKb = (entry.css ?? []).reduce((sum, file) => sum + gz(file), 0) / 1024;
    const graph = Object.values(manifest).find((chunk) => chunk.file.includes("run-graph"));
    figures.initialJsGzipKb = Math.round(jsKb * 10) / 10;
    figures.initialCssGzipKb = Math.round(cssKb * 10) / 10;
    if (graph) figures.runGraphJsGzipKb = Math.round((gz(graph.file) / 1024) * 10) / 10;
    expect(jsKb).toBeLessThanOrEqual(250);
  });

  it(`shows the Overview with all ${APPS} Apps (within 1 s of navigating to it, as a benchmark)`, async () => {
    // Measured by the page itself, from the start of navigation to the frame after the last App's row entered
    // the document (when it is painted), so the test driver's own overhead is not counted.
    await page.addInitScript(`
      new MutationObserver((_, observer) => {
        if (![...document.querySelectorAll("th a")].some((a) => a.textContent === "app199")) return;
        observer.disconnect();
        requestAnimationFrame(() => setTimeout(() => { window.overviewShownMs = performance.now(); }));
      }).observe(document, { childList: true, subtree: true });
    `);
    const samples: number[] = [];
    for (let round = 0; round < 5; round++) {
      await page.goto(`${world.api.url}/tenants/${tenant}`);
      await page.getByRole("row", { name: /^app199 / }).waitFor();
      await page.waitForFunction("window.overviewShownMs !== undefined");
      samples.push(Math.round(await page.evaluate<number>("window.overviewShownMs")));
    }
    // Where the last load's time went, as the browser saw it: the document, the scripts, the API's answers.
    const timing = await page.evaluate<{ name: string; start: number; end: number }[]>(
      `performance.getEntries().filter((e) => e.entryType === "navigation" || e.entryType === "resource").map((e) => ({ name: e.name.replace(location.origin, ""), start: Math.round(e.startTime), end: Math.round(e.responseEnd) }))`,
    );
    process.stdout.write(`console overview timing: ${JSON.stringify(timing)}\n`);
    const apps = timing.find((t) => t.name.includes("/apps?"));
    if (apps) figures.overviewAppsRequestMs = apps.end - apps.start;
    const sorted = samples.toSorted((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    figures.overviewApps = APPS + 2;
    figures.overviewMedianMs = median;
    figures.overviewMaxMs = sorted.at(-1)!;
    process.stdout.write(`console overview with ${APPS + 2} Apps: ${samples.join(", ")} ms\n`);
    expect(await page.getByRole("row").count()).toBeGreaterThanOrEqual(APPS + 2);
    if (benchmark) expect(median).toBeLessThanOrEqual(1_000);
  });

  it("takes 1,000 log lines a second without dropping one (nor freezing the page, as a benchmark)", async () => {
    await page.goto(`${world.api.url}/tenants/${tenant}/apps/talker/logs?profile=${world.profile}`);
    const list = page.getByRole("list", { name: "Log lines" });
    await list.getByText("started").first().waitFor({ timeout: 60_000 });
    // Long main-thread tasks, as the browser reports them, while the lines pour in.
    // (Browser code as text: this file is type-checked for Node, without the DOM's types.)
    await page.evaluate(`
      window.longTasks = [];
      new PerformanceObserver((entries) => {
        for (const entry of entries.getEntries()) window.longTasks.push(entry.duration);
      }).observe({ type: "longtask" });
    `);
    const seconds = 3;
    const perSecond = 1_000;
    const started = Date.now();
    for (let n = 0; n < seconds * 10; n++) {
      logs.append(
        "*",
        Array.from({ length: perSecond / 10 }, (_, i) => ({
          time: new Date(),
          line: `burst ${n * (perSecond / 10) + i}`,
        })),
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await list.getByText(`burst ${seconds * perSecond - 1}`, { exact: true }).waitFor({ timeout: 30_000 });
    const lagMs = Math.max(0, Date.now() - started - seconds * 1_000);
    const received = await page.evaluate<number>(
      `[...document.querySelectorAll('[aria-label="Log lines"] .line')].filter((el) => el.textContent.startsWith("burst ")).length`,
    );
    const longTasks = await page.evaluate<number[]>("window.longTasks");
    figures.logsLinesPerSecond = perSecond;
    figures.logsLinesReceived = received;
    figures.logsCaughtUpAfterMs = lagMs;
    figures.logsLongestTaskMs = Math.round(Math.max(0, ...longTasks));
    process.stdout.write(
      `console logs: ${received}/${seconds * perSecond} lines at ${perSecond}/s; caught up ${lagMs} ms after the last; longest task ${figures.logsLongestTaskMs} ms\n`,
    );
    expect(received).toBe(seconds * perSecond);
    if (benchmark) expect(Math.max(0, ...longTasks)).toBeLessThan(500);
  });
});
