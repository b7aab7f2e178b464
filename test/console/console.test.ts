// The web console in a real Chromium, against the real API, operator, control plane, Postgres and OIDC provider:
// sign in with an API token, the overview with a deployed App, the App page, a rollback through the confirm
// dialog, live log lines as they are written, a Run's task graph naming the failed task, an expired session that
// returns to the page after signing in again, axe on every page, and a token of another tenant seeing nothing.
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "@playwright/test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureConsoleBuilt } from "../../hack/build-console.ts";
import { startTestApi } from "../support/api-server.ts";
import { type ApiWorld, startApiWorld } from "../support/api-world.ts";
import { type CannedLogs, cannedLogs } from "../support/canned-logs.ts";
import { eventually } from "../support/kube.ts";
import { launchBrowser, openTab, seriousViolations, type TabProblems } from "./browser.ts";

let world: ApiWorld;
let browser: Browser;
let page: Page;
let problems: TabProblems;
let logs: CannedLogs;
let tenant: string;
let other: string;
let tokenA: { id: string; secret: string };
let tokenB: string;
let failedRun: string;
const APP = "shop";
const image = (tag: string) => `registry.example.com/acme/shop:${tag}`;

async function call<T>(method: string, path: string, token: string, body?: unknown, expected = [200, 201, 202]) {
  const response = await world.api.call(method, path, { token, body });
  if (!expected.includes(response.status))
    throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (response.status === 204 ? undefined : await response.json()) as T;
}

async function mint(tenantName: string, subject: string, name: string) {
  const minted = await call<{ token: { id: string }; secret: string }>(
    "POST",
    `/v1/tenants/${tenantName}/tokens`,
    await world.token(subject),
    { name, role: "developer", expiresInDays: 1 },
  );
  return { id: minted.token.id, secret: minted.secret };
}

/** Deploys through the API and waits for the deployment's end event. */
async function deploy(developer: string, tag: string): Promise<string> {
  const accepted = await call<{ deploymentId: string; events: string }>(
    "POST",
    `/v1/tenants/${tenant}/apps/${APP}/deployments?profile=${world.profile}`,
    developer,
    { spec: { profile: world.profile, image: image(tag), resources: { cpu: "10m", memory: "16Mi" }, replicas: 1 } },
  );
  const events = await (await world.api.call("GET", accepted.events, { token: developer })).text();
  expect(events).toContain('"outcome":"Available"');
  return accepted.deploymentId;
}

async function signIn(target: Page, token: string) {
  await target.getByLabel("API token").fill(token);
  await target.getByRole("button", { name: "Sign in", exact: true }).click();
}

async function expectAccessible(target: Page, what: string) {
  expect(await seriousViolations(target), what).toEqual([]);
}

/** With LOCO_WRITE_SCREENSHOTS=1 the docs' pictures of the main pages are taken again (docs/images/console-*.png). */
async function screenshot(target: Page, name: string) {
  if (process.env.LOCO_WRITE_SCREENSHOTS !== "1") return;
  await target.screenshot({ path: fileURLToPath(new URL(`../../docs/images/console-${name}.png`, import.meta.url)) });
}

beforeAll(async () => {
  await ensureConsoleBuilt();
  world = await startApiWorld("con");
  [tenant, other] = [world.tenants[0].name, world.tenants[1].name];
  const developer = await world.token(world.tenants[0].members.developer);
  logs = await cannedLogs({
    namespace: `${tenant}-${world.profile}`,
    containers: { "*": [{ time: new Date(Date.now() - 60_000), line: "listening on :8080" }] },
    follow: true,
  });
  await deploy(developer, "1");
  await deploy(developer, "2");
  await call("PUT", `/v1/tenants/${tenant}/pipelines/ci?profile=${world.profile}`, developer, {
    spec: {
      tasks: [
        { name: "build", image: "registry.example.com/ci/build:1", resources: { cpu: "10m", memory: "16Mi" } },
        {
          name: "test",
          image: "registry.example.com/ci/test:1",
          resources: { cpu: "10m", memory: "16Mi" },
          dependsOn: { build: "Success" },
          podAnnotations: { "loco.dev/test-exit-code": "3" },
        },
        {
          name: "ship",
          image: "registry.example.com/ci/ship:1",
          resources: { cpu: "10m", memory: "16Mi" },
          dependsOn: { test: "Success" },
        },
      ],
    },
  });
  const started = await eventually("the Pipeline Ready to start a Run", async () => {
    const response = await world.api.call("POST", `/v1/tenants/${tenant}/pipelines/ci/runs?profile=${world.profile}`, {
      token: developer,
      body: {},
    });
    return response.status === 201 ? ((await response.json()) as { name: string }) : undefined;
  });
  failedRun = started.name;
  await eventually(
    "the Run Failed",
    async () => {
      const run = await call<{ phase: string }>(
        "GET",
        `/v1/tenants/${tenant}/runs/${failedRun}?profile=${world.profile}`,
        developer,
      );
      return run.phase === "Failed" ? run : undefined;
    },
    { timeoutMs: 90_000 },
  );
  tokenA = await mint(tenant, world.tenants[0].members.developer, "console-a");
  tokenB = (await mint(other, world.tenants[1].members.developer, "console-b")).secret;
  browser = await launchBrowser();
  ({ page, problems } = await openTab(browser));
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await logs?.remove();
  await world?.stop();
});

describe("the web console", () => {
  it("sends a visitor without a session to sign in, then to the overview with the deployed App", async () => {
    await page.goto(`${world.api.url}/tenants/${tenant}`);
    await page.waitForURL(/\/sign-in\?next=/);
    await expectAccessible(page, "sign-in page");
    await signIn(page, "loco_not_a_real_token");
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("did not accept this token");
    await signIn(page, tokenA.secret);
    await page.waitForURL(`${world.api.url}/tenants/${tenant}`);
    const row = page.getByRole("row", { name: new RegExp(`^${APP} `) });
    await row.getByText("Ready", { exact: true }).waitFor();
    expect(await row.textContent()).toContain("1/1");
    await expectAccessible(page, "overview");
    await screenshot(page, "overview");
  });

  it("opens the App by keyboard and rolls back to the first deployment after confirming", async () => {
    await page.getByRole("link", { name: APP, exact: true }).focus();
    await page.keyboard.press("Enter");
    await page.waitForURL(new RegExp(`/tenants/${tenant}/apps/${APP}\\?profile=${world.profile}$`));
    await page.getByText("Ready: it runs and passes its checks.").waitFor();
    const older = page.getByRole("row").filter({ hasText: image("1") });
    await older.getByRole("button", { name: "Roll back to this" }).click();
    const dialog = page.getByRole("dialog", { name: "Roll back?" });
    await dialog.waitFor();
    await expectAccessible(page, "App page with the confirm dialog");
    // Escape cancels: nothing is deployed.
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });
    await older.getByRole("button", { name: "Roll back to this" }).click();
    await dialog.getByRole("button", { name: "Roll back" }).click();
    await page.getByText("Rollback requested").waitFor();
    await screenshot(page, "app");
    const developer = await world.token(world.tenants[0].members.developer);
    // The rollback is a new deployment of the first one's spec, newest first.
    await eventually("the rollback's deployment", async () => {
      const deployments = await call<{ items: { image: string }[] }>(
        "GET",
        `/v1/tenants/${tenant}/apps/${APP}/deployments?profile=${world.profile}`,
        developer,
      );
      const images = deployments.items.map((d) => d.image);
      return images.length === 3 ? images : undefined;
    }).then((images) => expect(images).toEqual([image("1"), image("2"), image("1")]));
  });

  it("shows live log lines of the App as they are written", async () => {
    await page.getByRole("link", { name: "Live logs" }).click();
    const lines = page.getByRole("list", { name: "Log lines" });
    await lines.getByText("listening on :8080").first().waitFor();
    logs.append("*", [{ time: new Date(), line: "GET /healthz 200 in 1ms" }]);
    await lines.getByText("GET /healthz 200 in 1ms").first().waitFor({ timeout: 30_000 });
    await expectAccessible(page, "logs page");
    await screenshot(page, "logs");
  });

  it("shows a failed Run's task graph with the failed task named, its exit code and the task skipped after it", async () => {
    await page.getByRole("link", { name: "Pipelines and Runs" }).click();
    await page.getByRole("link", { name: failedRun }).click();
    await page.waitForURL(new RegExp(`/tenants/${tenant}/runs/${failedRun}\\?profile=`));
    await page.getByRole("heading", { name: "Task test failed" }).waitFor();
    expect(await page.getByRole("region", { name: "Task test failed" }).textContent()).toContain("Exit code 3");
    const graph = page.getByRole("figure", { name: "Task graph" });
    await graph.getByRole("group", { name: "Task test: Failed, exit code 3" }).waitFor();
    await graph.getByRole("group", { name: /^Task build: Succeeded/ }).waitFor();
    await graph.getByRole("group", { name: /^Task ship: (Skipped|Pending)/ }).waitFor();
    await expectAccessible(page, "Run page");
    await screenshot(page, "run");
    await page.getByRole("link", { name: "All Runs" }).click();
    await page.getByRole("heading", { name: /Pipelines and Runs/ }).waitFor();
    await expectAccessible(page, "Pipelines page");
  });

  it("returns to sign-in when the session ends, and back to the page after signing in again", async () => {
    const here = `/tenants/${tenant}/apps/${APP}?profile=${world.profile}`;
    await page.goto(`${world.api.url}${here}`);
    await page.getByText("Ready: it runs and passes its checks.").waitFor();
    await call(
      "DELETE",
      `/v1/tenants/${tenant}/tokens/${tokenA.id}`,
      await world.token(world.tenants[0].members.developer),
      undefined,
      [204],
    );
    // The App page polls: its next request is refused, and the console asks to sign in again.
    await page.waitForURL(/\/sign-in\?next=/, { timeout: 30_000 });
    expect(decodeURIComponent(new URL(page.url()).searchParams.get("next") ?? "")).toBe(here);
    await signIn(page, (await mint(tenant, world.tenants[0].members.developer, "console-a2")).secret);
    await page.waitForURL(`${world.api.url}${here}`);
    await page.getByText("Ready: it runs and passes its checks.").waitFor();
  });

  it("signs out: the credential is gone from the tab", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/sign-in/);
    expect(await page.evaluate(() => sessionStorage.getItem("loco.session"))).toBeNull();
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
  });

  it("shows a member of another tenant nothing of this one, whatever URL they open", async () => {
    const tab = await openTab(browser);
    try {
      await tab.page.goto(`${world.api.url}/sign-in`);
      await signIn(tab.page, tokenB);
      await tab.page.waitForURL(`${world.api.url}/tenants/${other}`);
      for (const path of [
        `/tenants/${tenant}`,
        `/tenants/${tenant}/apps/${APP}?profile=${world.profile}`,
        `/tenants/${tenant}/apps/${APP}/logs?profile=${world.profile}`,
        `/tenants/${tenant}/runs/${failedRun}?profile=${world.profile}`,
        `/tenants/${tenant}/pipelines`,
        `/tenants/${tenant}/audit`,
      ]) {
        await tab.page.goto(`${world.api.url}${path}`);
        await tab.page.getByRole("heading", { name: "Not found" }).first().waitFor();
        const text = (await tab.page.locator("main").textContent()) ?? "";
        for (const secret of [image("1"), "listening on :8080", "Exit code", world.tenants[0].members.developer]) {
          expect(text, `${path} shows ${secret}`).not.toContain(secret);
        }
        if (path.endsWith("/pipelines")) expect(text).not.toContain(failedRun);
      }
      expect(tab.problems.list).toEqual([]);
    } finally {
      await tab.context.close();
    }
  });

  it("is where GET /v1/platform says; an API without a build serves a page that says how to build it", async () => {
    const info = (await (await fetch(`${world.api.url}/v1/platform`)).json()) as { console: unknown };
    expect(info.console).toEqual({ available: true, url: `${world.api.url}/` });
    const served = await fetch(`${world.api.url}/tenants/${tenant}`);
    expect(served.headers.get("content-security-policy")).toMatch(/script-src 'self'; style-src 'self';/);
    expect((await fetch(`${world.api.url}/healthz`)).headers.get("content-type")).toMatch(/^application\/json/);
    const bare = await startTestApi({ databaseUrl: world.databaseUrl, consoleDir: "" });
    try {
      expect(await (await fetch(`${bare.url}/`)).text()).toContain("npm run build:console");
      const bareInfo = (await (await fetch(`${bare.url}/v1/platform`)).json()) as { console: unknown };
      expect(bareInfo.console).toEqual({ available: false, url: null });
      expect((await fetch(`${bare.url}/tenants/${tenant}`)).status).toBe(404);
    } finally {
      await bare.stop();
    }
  });

  it("logged no error, uncaught exception or CSP violation in the browser", () => {
    expect(problems.list).toEqual([]);
  });
});
