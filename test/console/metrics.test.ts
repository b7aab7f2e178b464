// The console's metrics page in a real Chromium, against the real API, operator, Postgres, OIDC provider and a real
// Prometheus scraping a stand-in for the App's pods: reached from the App page by keyboard, its charts have data and
// the deploy marker, axe finds nothing serious, another tenant's member sees "not found", and an API without a
// metrics source shows the "not configured" state naming the setting.

import { fileURLToPath } from "node:url";
import type { Browser, Page } from "@playwright/test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureConsoleBuilt } from "../../hack/build-console.ts";
import { freePort } from "../../hack/control-plane/free-port.ts";
import { startTestApi } from "../support/api-server.ts";
import { type ApiWorld, AUDIENCE, startApiWorld } from "../support/api-world.ts";
import { eventually } from "../support/kube.ts";
import { type RunningPrometheus, startPrometheus } from "../support/prometheus-server.ts";
import { startTrafficExporter, type TrafficExporter } from "../support/traffic-exporter.ts";
import { launchBrowser, openTab, seriousViolations, type TabProblems } from "./browser.ts";

let world: ApiWorld;
let prometheus: RunningPrometheus;
let exporter: TrafficExporter;
let browser: Browser;
let page: Page;
let problems: TabProblems;
let tenant: string;
let tokenA: string;
let tokenB: string;
const APP = "shop";
const IMAGE = "registry.example.com/acme/shop:2.0.0";

async function mint(tenantName: string, subject: string): Promise<string> {
  const response = await world.api.call("POST", `/v1/tenants/${tenantName}/tokens`, {
    token: await world.token(subject),
    body: { name: "metrics-console", role: "viewer", expiresInDays: 1 },
  });
  if (response.status !== 201) throw new Error(`Minting a token failed: ${await response.text()}`);
  return ((await response.json()) as { secret: string }).secret;
}

async function signIn(target: Page, token: string) {
  await target.getByLabel("API token").fill(token);
  await target.getByRole("button", { name: "Sign in", exact: true }).click();
}

/** With LOCO_WRITE_SCREENSHOTS=1 the docs' picture of the page is taken again (docs/images/console-metrics.png). */
async function screenshot(target: Page) {
  if (process.env.LOCO_WRITE_SCREENSHOTS !== "1") return;
  await target.screenshot({
    path: fileURLToPath(new URL("../../docs/images/console-metrics.png", import.meta.url)),
    fullPage: true,
  });
}

beforeAll(async () => {
  await ensureConsoleBuilt();
  const port = await freePort();
  world = await startApiWorld("mcon", {
    operator: { health: { host: "127.0.0.1", port: 0 } },
    api: { args: ["--metrics-url", `http://127.0.0.1:${port}`, "--metrics-rate-window", "10s"] },
  });
  tenant = world.tenants[0].name;
  const namespace = `${tenant}-${world.profile}`;
  exporter = await startTrafficExporter([
    {
      path: "/shop/metrics",
      traffic: [
        {
          status: 200,
          perSecond: 19,
          buckets: [
            [0.1, 0.5],
            [0.25, 1],
          ],
        },
        { status: 500, perSecond: 1, buckets: [[0.1, 1]] },
      ],
    },
  ]);
  prometheus = await startPrometheus({
    port,
    targets: [
      {
        job: "pod-shop",
        address: exporter.address,
        path: "/shop/metrics",
        labels: { loco_tenant: tenant, namespace, loco_app: APP },
      },
      { job: "loco-operator", address: `127.0.0.1:${world.operator.healthPort}` },
    ],
  });
  const developer = await world.token(world.tenants[0].members.developer);
  const put = await world.api.call("PUT", `/v1/tenants/${tenant}/apps/${APP}?profile=${world.profile}`, {
    token: developer,
    body: { spec: world.appSpec(IMAGE) },
  });
  if (put.status !== 200) throw new Error(`Applying ${APP} failed: ${await put.text()}`);
  await eventually("the App's deployment", async () => {
    const response = await world.api.call(
      "GET",
      `/v1/tenants/${tenant}/apps/${APP}/deployments?profile=${world.profile}`,
      {
        token: developer,
      },
    );
    return ((await response.json()) as { items: unknown[] }).items.length > 0 ? true : undefined;
  });
  await prometheus.waitForTargets(["pod-shop", "loco-operator"]);
  tokenA = await mint(tenant, world.tenants[0].members.admin);
  tokenB = await mint(world.tenants[1].name, world.tenants[1].members.admin);
  browser = await launchBrowser();
  ({ page, problems } = await openTab(browser));
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await prometheus?.stop();
  await exporter?.stop();
  await world?.stop();
});

describe("the console's metrics page", () => {
  it("is reached from the App page by keyboard and charts the App's traffic with its deploy marker", async () => {
    await page.goto(
      `${world.api.url}/sign-in?next=${encodeURIComponent(`/tenants/${tenant}/apps/${APP}?profile=${world.profile}`)}`,
    );
    await signIn(page, tokenA);
    await page.getByRole("link", { name: "Metrics", exact: true }).focus();
    await page.keyboard.press("Enter");
    await page.waitForURL(new RegExp(`/tenants/${tenant}/apps/${APP}/metrics\\?`));
    await page.getByRole("heading", { name: `Metrics of ${APP} in ${world.profile}` }).waitFor();
    // The range by keyboard: the select, then the option.
    await page.getByLabel("Range").focus();
    await page.getByLabel("Range").selectOption("15m");
    await page.waitForURL(/range=15m/);
    const rate = page.getByRole("img", { name: /^Request rate/ });
    // The page refreshes every 30 s; Refresh asks now. A whole rate window (10 s of scrapes) gives 20/s.
    await eventually(
      "the request rate near 20/s",
      async () => {
        await page.getByRole("button", { name: "Refresh" }).click();
        const label = (await rate.getAttribute("aria-label")) ?? "";
        const value = Number(/latest requests ([\d.]+)\/s/.exec(label)?.[1]);
        return Math.abs(value - 20) < 0.5 ? label : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 2000 },
    );
    expect(Number(await rate.getAttribute("data-points"))).toBeGreaterThan(0);
    expect(await page.getByRole("img", { name: /^Error ratio/ }).getAttribute("aria-label")).toMatch(
      /latest 5xx 5\.00%/,
    );
    const latency = (await page.getByRole("img", { name: /^Latency/ }).getAttribute("aria-label")) ?? "";
    expect(latency).toMatch(/p50 [\d.]+ ms, p95 [\d.]+ ms, p99 [\d.]+ ms/);
    // The deployment: a marker line on each chart and a line of words below them.
    expect(await rate.locator("line.marker").count()).toBe(1);
    expect(await page.getByRole("list", { name: "Deployments marked on the charts" }).textContent()).toContain(IMAGE);
    expect(await seriousViolations(page)).toEqual([]);
    expect(problems.list).toEqual([]);
    await screenshot(page);
  });

  it("shows another tenant's member nothing of the App", async () => {
    const tab = await openTab(browser);
    try {
      await tab.page.goto(`${world.api.url}/sign-in`);
      await signIn(tab.page, tokenB);
      await tab.page.waitForURL(/\/tenants\//);
      await tab.page.goto(`${world.api.url}/tenants/${tenant}/apps/${APP}/metrics?profile=${world.profile}&range=15m`);
      await tab.page.getByRole("heading", { name: "Not found" }).waitFor();
      expect(await tab.page.getByRole("img").count()).toBe(0);
      expect(await tab.page.locator("main").textContent()).not.toContain(IMAGE);
    } finally {
      await tab.context.close();
    }
  });

  it("says when the API has no metrics source, naming the setting", async () => {
    const bare = await startTestApi({
      databaseUrl: world.databaseUrl,
      oidc: { issuer: world.idp.issuer, audience: AUDIENCE },
    });
    const tab = await openTab(browser);
    try {
      await tab.page.goto(`${bare.url}/sign-in`);
      await signIn(tab.page, tokenA);
      await tab.page.waitForURL(/\/tenants\//);
      await tab.page.goto(`${bare.url}/tenants/${tenant}/apps/${APP}/metrics?profile=${world.profile}`);
      const alert = tab.page.getByRole("alert");
      await tab.page.getByRole("heading", { name: "Metrics are not configured" }).waitFor();
      expect(await alert.textContent()).toContain("--metrics-url");
      expect(await seriousViolations(tab.page)).toEqual([]);
      // Chromium logs the 503 as a failed load; nothing else may go wrong.
      expect(tab.problems.list.filter((p) => !/status of 503/.test(p))).toEqual([]);
    } finally {
      await tab.context.close();
      await bare.stop();
    }
  });
});
