// The web console in a real Chromium, against the real API, operator, control plane, Postgres and OIDC provider:
// sign in with an API token, the overview with a deployed App and its latest releases, an App deployed by the real
// CLI going Ready on the page `loco open console` names, its pods, a rollback through the confirm dialog with its
// spec diff, scale, env edits (secret values write-only), live log lines as they are written, a Run started with
// parameters reaching Succeeded and a task's captured log, a Run cancelled, a failed task's exit code and last log
// lines, members and API tokens as an owner, an expired session that returns to the page after signing in again,
// axe on every page, no browser error, and a member of another tenant finding "not found" and no data at every
// route the console's router declares.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "@playwright/test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureConsoleBuilt } from "../../hack/build-console.ts";
import { startTestApi } from "../support/api-server.ts";
import { type ApiWorld, startApiWorld } from "../support/api-world.ts";
import { type CannedLogs, cannedLogs } from "../support/canned-logs.ts";
import { Loco, type LocoResult, shown } from "../support/e2e-cli.ts";
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
let ownerToken: string;
let loco: Loco;
let cliHome: string;
let cliRepo: string;
const APP = "shop";
const CLI_APP = "cart";
const FAILED_TASK_LINE = "FAIL cart.test.ts: expected 3 items, got 2";
const PACKAGE_TASK_LINE = "packaged release 1.2.3 (4 files)";
const SECRET_VALUE = "s3cr3t-from-the-console";
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

function cli(args: string[], stdin?: string): Promise<LocoResult> {
  return loco.run(args, {
    home: cliHome,
    cwd: cliRepo,
    env: { LOCO_TENANT: tenant, LOCO_PROFILE: world.profile },
    timeoutMs: 60_000,
    ...(stdin !== undefined ? { stdin } : {}),
  });
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
    containers: {
      "*": [{ time: new Date(Date.now() - 60_000), line: "listening on :8080" }],
      // The task container is named after the task: its last lines are what the failed task shows.
      test: [
        { time: new Date(Date.now() - 30_000), line: "running 12 tests" },
        { time: new Date(Date.now() - 29_000), line: FAILED_TASK_LINE },
      ],
      package: [{ time: new Date(Date.now() - 20_000), line: PACKAGE_TASK_LINE }],
    },
    follow: true,
  });
  // Three independent set-ups at once: the App's two deployments, the Pipelines and a failed Run, the
  // credentials, the CLI and the browser.
  await Promise.all([deployments(developer), pipelinesAndFailedRun(developer), credentialsCliAndBrowser()]);
}, 240_000);

async function deployments(developer: string) {
  await deploy(developer, "1");
  await deploy(developer, "2");
}

async function pipelinesAndFailedRun(developer: string) {
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
  // Started from the console: one with parameters that succeeds, one that holds until cancelled.
  await call("PUT", `/v1/tenants/${tenant}/pipelines/release?profile=${world.profile}`, developer, {
    spec: {
      parameters: [
        { name: "version", description: "The version to release." },
        { name: "channel", default: "stable" },
      ],
      tasks: [
        { name: "package", image: "registry.example.com/ci/package:1", resources: { cpu: "10m", memory: "16Mi" } },
        {
          name: "publish",
          image: "registry.example.com/ci/publish:1",
          resources: { cpu: "10m", memory: "16Mi" },
          dependsOn: { package: "Success" },
        },
      ],
    },
  });
  await call("PUT", `/v1/tenants/${tenant}/pipelines/soak?profile=${world.profile}`, developer, {
    spec: {
      tasks: [
        {
          name: "soak",
          image: "registry.example.com/ci/soak:1",
          resources: { cpu: "10m", memory: "16Mi" },
          podAnnotations: { "loco.dev/test-hold": "true" },
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
}

async function credentialsCliAndBrowser() {
  tokenA = await mint(tenant, world.tenants[0].members.developer, "console-a");
  tokenB = (await mint(other, world.tenants[1].members.developer, "console-b")).secret;
  ownerToken = (
    await call<{ secret: string }>(
      "POST",
      `/v1/tenants/${tenant}/tokens`,
      await world.token(world.tenants[0].members.owner),
      {
        name: "console-owner",
        role: "owner",
        expiresInDays: 1,
      },
    )
  ).secret;
  // The real CLI, logged in with a developer token, in a folder with a loco.toml.
  loco = new Loco(fileURLToPath(new URL("../../cli/main.ts", import.meta.url)));
  cliHome = mkdtempSync(join(tmpdir(), "loco-console-home-"));
  cliRepo = mkdtempSync(join(tmpdir(), "loco-console-repo-"));
  writeFileSync(
    join(cliRepo, "loco.toml"),
    `name = "${CLI_APP}"\nimage = "${image("cli")}"\n\n[resources]\ncpu = "10m"\nmemory = "16Mi"\n`,
  );
  const login = await cli(
    ["login", world.api.url, "--token-stdin"],
    (await mint(tenant, world.tenants[0].members.developer, "console-cli")).secret,
  );
  expect(login.code, shown(login)).toBe(0);
  browser = await launchBrowser();
  ({ page, problems } = await openTab(browser));
}

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

  it("shows the App `loco deploy` deployed going Ready, on the page `loco open console` names", async () => {
    const deployed = await cli(["deploy"]);
    expect(deployed.code, shown(deployed)).toBe(0);
    const opened = await cli(["open", "console", "--print"]);
    expect(opened.code, shown(opened)).toBe(0);
    const url = opened.stdout.trim();
    expect(url).toBe(`${world.api.url}/tenants/${tenant}/apps/${CLI_APP}?profile=${world.profile}`);
    await page.goto(url);
    await page.getByRole("heading", { name: `App ${CLI_APP} in ${world.profile}` }).waitFor();
    await page.getByText("Ready: it runs and passes its checks.").waitFor({ timeout: 60_000 });
    expect(await page.locator("main").textContent()).toContain(image("cli"));
    await page.goto(`${world.api.url}/tenants/${tenant}`);
    await page
      .getByRole("row", { name: new RegExp(`^${CLI_APP} `) })
      .getByText("Ready", { exact: true })
      .waitFor();
    // The deploy is the tenant's newest release, linked to its App's page.
    const release = page
      .getByRole("table", { name: "The tenant's newest releases across its Apps, newest first" })
      .getByRole("link", { name: `Release 1 of ${CLI_APP}` });
    await release.waitFor();
    expect(await release.getAttribute("href")).toBe(`/tenants/${tenant}/apps/${CLI_APP}?profile=${world.profile}`);
  });

  it("opens the App by keyboard and rolls back to the first release after confirming, shown its spec diff", async () => {
    await page.getByRole("link", { name: APP, exact: true }).focus();
    await page.keyboard.press("Enter");
    await page.waitForURL(new RegExp(`/tenants/${tenant}/apps/${APP}\\?profile=${world.profile}$`));
    await page.getByText("Ready: it runs and passes its checks.").waitFor();
    // The deployed App's pod, running the current deployment.
    await page
      .getByRole("table", { name: "The App's pods now, by name" })
      .getByRole("row", { name: new RegExp(`^${APP}-\\S+\\s+Running\\s+Ready\\s+\\d+\\s+\\S+\\s+\\(current\\)`) })
      .first()
      .waitFor({ timeout: 30_000 });
    const first = page.getByRole("row", { name: /^Release 1 / });
    expect(await first.textContent()).toContain(`image none → ${image("1")}`);
    expect(await page.getByRole("row", { name: /^Release 2 / }).textContent()).toContain(
      `image ${image("1")} → ${image("2")}`,
    );
    await first.getByRole("button", { name: "Roll back to release 1" }).click();
    const dialog = page.getByRole("dialog", { name: "Roll back to release 1?" });
    await dialog.waitFor();
    // The API's dry run of the release's spec against the live App: the image goes back.
    await dialog.getByText(`~ spec.image: "${image("2")}" → "${image("1")}"`).waitFor();
    await expectAccessible(page, "App page with the rollback dialog");
    // Escape cancels: nothing is deployed.
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });
    await first.getByRole("button", { name: "Roll back to release 1" }).click();
    await dialog.getByRole("button", { name: "Roll back" }).click();
    await page.getByText("Rollback to release 1 requested").waitFor();
    await page.getByRole("row", { name: /^Release 3 .*rollback of release 1/ }).waitFor();
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
    await page.getByText("Ready: it runs and passes its checks.").waitFor({ timeout: 30_000 });
    await screenshot(page, "app");
  });

  it("scales the App: the API applies the replicas, the page shows them ready and a new release", async () => {
    await page.getByLabel("Replicas", { exact: true }).fill("2");
    await page.getByRole("button", { name: "Scale", exact: true }).click();
    await page.getByText("Scaling to 2 replicas.").waitFor();
    await page.getByText("2 ready of 2").waitFor({ timeout: 30_000 });
    await page.getByRole("row", { name: /^Release \d+ (\(current\) )?scale .*replicas 1 → 2/ }).waitFor();
    const app = await call<{ spec: { replicas?: number } }>(
      "GET",
      `/v1/tenants/${tenant}/apps/${APP}?profile=${world.profile}`,
      await world.token(world.tenants[0].members.developer),
    );
    expect(app.spec.replicas).toBe(2);
    // The App's timeline lists what happened to it.
    expect(await page.locator("ol.timeline li").count()).toBeGreaterThan(0);
  });

  it("sets and unsets variables; a secret's value is written, never shown", async () => {
    const env = page.locator("form", { has: page.getByRole("heading", { name: "Set a variable" }) });
    await env.getByLabel("Name").fill("LOG_LEVEL");
    await env.getByLabel("Value").fill("debug");
    await env.getByRole("button", { name: "Set variable" }).click();
    await page.getByRole("row", { name: /^LOG_LEVEL debug/ }).waitFor();
    await env.getByLabel("Name").fill("DB_PASSWORD");
    await env.getByLabel("Secret (stored encrypted; never shown again)").check();
    expect(await env.getByLabel("Value").getAttribute("type")).toBe("password");
    await env.getByLabel("Value").fill(SECRET_VALUE);
    await env.getByRole("button", { name: "Set variable" }).click();
    await page.getByText("Set DB_PASSWORD (secret)").waitFor();
    await page.getByRole("row", { name: /^DB_PASSWORD secret: value never shown/ }).waitFor();
    expect(await env.getByLabel("Value").inputValue()).toBe("");
    expect(await page.content()).not.toContain(SECRET_VALUE);
    await page.getByRole("button", { name: "Unset LOG_LEVEL" }).click();
    await page.getByText("Unset LOG_LEVEL;").waitFor();
    await page.getByRole("row", { name: /^LOG_LEVEL / }).waitFor({ state: "detached" });
    const now = await call<{ env: { name: string }[]; secrets: { name: string }[] }>(
      "GET",
      `/v1/tenants/${tenant}/apps/${APP}/env?profile=${world.profile}`,
      await world.token(world.tenants[0].members.developer),
    );
    expect(now.env.map((e) => e.name)).not.toContain("LOG_LEVEL");
    expect(now.secrets.map((e) => e.name)).toContain("DB_PASSWORD");
    await page.getByRole("row", { name: /^Release \d+ secrets .*secrets added: DB_PASSWORD/ }).waitFor();
    await expectAccessible(page, "App page after scale and env edits");
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

  it("starts a Run with parameters from the Pipeline's form and watches its graph reach Succeeded", async () => {
    await page.getByRole("link", { name: "Pipelines and Runs" }).click();
    await page.getByRole("heading", { name: /Pipelines and Runs/ }).waitFor();
    await page.getByRole("link", { name: failedRun }).first().waitFor();
    await expectAccessible(page, "Pipelines page");
    await screenshot(page, "pipelines");
    await page.getByRole("button", { name: `Start a Run of release in ${world.profile}` }).click();
    const dialog = page.getByRole("dialog", { name: "Start a Run of release" });
    await dialog.waitFor();
    // The defaults are filled in the render after the dialog opens (seen empty under load when read at once).
    await expect.poll(() => dialog.getByLabel("channel").inputValue()).toBe("stable");
    await expectAccessible(page, "the start-a-Run dialog");
    // version has no default: the form asks for it before anything is sent.
    await dialog.getByRole("button", { name: "Start Run" }).click();
    expect(
      await dialog
        .getByLabel(/^version/)
        .evaluate((input) => (input as unknown as { validity: { valueMissing: boolean } }).validity.valueMissing),
    ).toBe(true);
    await dialog.getByLabel(/^version/).fill("1.2.3");
    await dialog.getByRole("button", { name: "Start Run" }).click();
    await page.waitForURL(new RegExp(`/tenants/${tenant}/runs/release-[^?]+\\?profile=${world.profile}$`));
    const graph = page.getByRole("figure", { name: "Task graph" });
    await graph.getByRole("group", { name: /^Task publish: Succeeded/ }).waitFor({ timeout: 60_000 });
    await graph.getByRole("group", { name: /^Task package: Succeeded/ }).waitFor();
    await page.locator(".panel .lead").getByText("Succeeded", { exact: true }).waitFor();
    const facts = (await page.locator(".facts").textContent()) ?? "";
    expect(facts).toContain("version = 1.2.3");
    expect(facts).toContain("channel = stable"); // the default, as the Run resolved it
    await page.getByRole("list", { name: "Run timeline" }).getByRole("listitem").first().waitFor();
    await expectAccessible(page, "a succeeded Run");
  });

  it("opens a succeeded task's log on the Run page, captured after the task ended", async () => {
    await page.getByRole("button", { name: "Show the log of package" }).click();
    const log = page.getByRole("log", { name: "Log lines of package" });
    await log.getByText(PACKAGE_TASK_LINE).waitFor({ timeout: 30_000 });
    await expectAccessible(page, "a task's log");
    await page.getByRole("button", { name: "Close the log of package" }).click();
    await log.waitFor({ state: "detached" });
  });

  it("cancels a running Run after confirming", async () => {
    await page.getByRole("link", { name: "All Runs" }).click();
    await page.getByRole("button", { name: `Start a Run of soak in ${world.profile}` }).click();
    const start = page.getByRole("dialog", { name: "Start a Run of soak" });
    await start.getByText("This Pipeline declares no parameters.").waitFor();
    await start.getByRole("button", { name: "Start Run" }).click();
    await page.waitForURL(new RegExp(`/tenants/${tenant}/runs/soak-`));
    await page.getByRole("button", { name: "Cancel Run" }).click();
    const dialog = page.getByRole("dialog", { name: "Cancel this Run?" });
    await dialog.waitFor();
    await expectAccessible(page, "the cancel dialog");
    await dialog.getByRole("button", { name: "Keep running" }).click();
    await dialog.waitFor({ state: "hidden" });
    expect(await page.locator(".panel .lead").textContent()).not.toContain("Failed");
    await page.getByRole("button", { name: "Cancel Run" }).click();
    await dialog.getByRole("button", { name: "Cancel Run" }).click();
    // The note shows until the Run has ended; a quick cancellation may end it before the note is seen.
    await page
      .getByText("Cancellation requested")
      .or(page.locator(".panel .lead").getByText(/UserCancelled/))
      .first()
      .waitFor();
    await page
      .locator(".panel .lead")
      .getByText(/UserCancelled/)
      .waitFor({ timeout: 60_000 });
    expect(await page.locator(".panel .lead").textContent()).toContain("Failed");
    await page.getByRole("list", { name: "Run timeline" }).getByRole("listitem").first().waitFor();
  });

  it("shows a failed Run's graph with the failed task named, its exit code and last log lines, and the task skipped after it", async () => {
    await page.getByRole("link", { name: "All Runs" }).click();
    await page.getByRole("link", { name: failedRun }).first().click();
    await page.waitForURL(new RegExp(`/tenants/${tenant}/runs/${failedRun}\\?profile=`));
    await page.getByRole("heading", { name: "Task test failed" }).waitFor();
    const failed = page.getByRole("region", { name: "Task test failed" });
    expect(await failed.textContent()).toContain("Exit code 3");
    await failed.getByText(FAILED_TASK_LINE).waitFor();
    const graph = page.getByRole("figure", { name: "Task graph" });
    await graph.getByRole("group", { name: "Task test: Failed, exit code 3" }).waitFor();
    await graph.getByRole("group", { name: /^Task build: Succeeded/ }).waitFor();
    await graph.getByRole("group", { name: /^Task ship: (Skipped|Pending)/ }).waitFor();
    expect(await page.getByRole("button", { name: "Cancel Run" }).count()).toBe(0);
    await expectAccessible(page, "Run page");
    await screenshot(page, "run");
  });

  it("lets a developer see the members but not change them: the API refuses, and the page says why", async () => {
    await page.getByRole("link", { name: "Members" }).click();
    await page.getByRole("row", { name: new RegExp(`^${world.tenants[0].members.owner} `) }).waitFor();
    const add = page.locator("form", { has: page.getByRole("heading", { name: "Add a member" }) });
    await add.getByLabel("Subject").fill("intruder");
    await add.getByRole("button", { name: "Add member" }).click();
    await page
      .getByRole("alert")
      .getByText(/Could not change the membership/)
      .waitFor();
    expect(await page.getByRole("row", { name: /^intruder / }).count()).toBe(0);
    await expectAccessible(page, "Members page with a refusal");
  });

  it("manages members and API tokens as an owner: add, change a role, remove; create (secret shown once), revoke; all in the audit log", async () => {
    const tab = await openTab(browser);
    try {
      const owner = tab.page;
      await owner.goto(`${world.api.url}/tenants/${tenant}/members`);
      await owner.waitForURL(/\/sign-in\?next=/);
      await signIn(owner, ownerToken);
      await owner.waitForURL(`${world.api.url}/tenants/${tenant}/members`);
      for (const subject of Object.values(world.tenants[0].members))
        await owner.getByRole("row", { name: new RegExp(`^${subject} `) }).waitFor();
      const add = owner.locator("form", { has: owner.getByRole("heading", { name: "Add a member" }) });
      await add.getByLabel("Subject").fill("newcomer");
      await add.getByLabel("Role").selectOption("viewer");
      await add.getByRole("button", { name: "Add member" }).click();
      await owner.getByText("newcomer is now viewer.").waitFor();
      await owner.getByLabel("Role of newcomer", { exact: true }).selectOption("developer");
      await owner.getByRole("button", { name: "Save the role of newcomer" }).click();
      await owner.getByText("newcomer is now developer.").waitFor();
      await expectAccessible(owner, "Members page");
      await screenshot(owner, "members");
      const members = async () =>
        (await call<{ items: { subject: string; role: string }[] }>("GET", `/v1/tenants/${tenant}/members`, ownerToken))
          .items;
      expect((await members()).find((m) => m.subject === "newcomer")?.role).toBe("developer");
      await owner.getByRole("button", { name: "Remove newcomer" }).click();
      await owner.getByRole("dialog", { name: "Remove member?" }).getByRole("button", { name: "Remove" }).click();
      await owner.getByText("newcomer was removed").waitFor();
      await owner.getByRole("row", { name: /^newcomer / }).waitFor({ state: "detached" });
      expect((await members()).map((m) => m.subject)).not.toContain("newcomer");

      await owner.getByRole("link", { name: "API tokens" }).click();
      const create = owner.locator("form", { has: owner.getByRole("heading", { name: "Create a token" }) });
      await create.getByLabel("Name").fill("ci-deploy");
      await create.getByLabel("Role").selectOption("developer");
      await create.getByLabel("Expires in days").fill("7");
      await create.getByRole("button", { name: "Create token" }).click();
      const secret = await owner.getByLabel("Secret", { exact: true }).inputValue();
      expect(secret).toMatch(/^loco_/);
      await expectAccessible(owner, "API tokens page with a new secret");
      expect((await world.api.call("GET", "/v1/whoami", { token: secret })).status).toBe(200);
      await owner.getByRole("button", { name: "Done" }).click();
      expect(await owner.content()).not.toContain(secret);
      const row = owner.getByRole("row", { name: /^ci-deploy developer Active/ });
      await row.waitFor();
      await screenshot(owner, "tokens");
      await row.getByRole("button", { name: "Revoke ci-deploy" }).click();
      await owner.getByRole("dialog", { name: "Revoke token?" }).getByRole("button", { name: "Revoke" }).click();
      await owner.getByText("Token ci-deploy was revoked").waitFor();
      await owner.getByRole("row", { name: /^ci-deploy developer Revoked/ }).waitFor();
      expect((await world.api.call("GET", "/v1/whoami", { token: secret })).status).toBe(401);
      // The audit log (admins and owners read it) names each of these changes.
      await owner.getByRole("link", { name: "Audit log" }).click();
      await owner.getByRole("row").filter({ hasText: "tokens.revoke" }).first().waitFor();
      await owner.getByRole("row").filter({ hasText: "Member/newcomer" }).first().waitFor();
      await expectAccessible(owner, "Audit log");
      expect(tab.problems.list).toEqual([]);
    } finally {
      await tab.context.close();
    }
  });

  it("returns to sign-in when the session is revoked or expires, and back to the page after signing in again", async () => {
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
    const again = (await mint(tenant, world.tenants[0].members.developer, "console-a2")).secret;
    await signIn(page, again);
    await page.waitForURL(`${world.api.url}${here}`);
    await page.getByText("Ready: it runs and passes its checks.").waitFor();
    // A session that expires (an OIDC access token past its expiry) ends the same way, without any refusal first.
    await page.evaluate(() => {
      const session = JSON.parse(sessionStorage.getItem("loco.session") ?? "{}") as Record<string, unknown>;
      sessionStorage.setItem(
        "loco.session",
        JSON.stringify({ ...session, via: "oidc", expiresAt: Date.now() + 1_000 }),
      );
    });
    await page.waitForURL(/\/sign-in\?next=/, { timeout: 30_000 });
    expect(decodeURIComponent(new URL(page.url()).searchParams.get("next") ?? "")).toBe(here);
    await signIn(page, again);
    await page.waitForURL(`${world.api.url}${here}`);
    await page.getByText("Ready: it runs and passes its checks.").waitFor();
  });

  it("signs out: the credential is gone from the tab", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/sign-in/);
    expect(await page.evaluate(() => sessionStorage.getItem("loco.session"))).toBeNull();
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
  });

  it("shows a member of another tenant nothing of this one at every route the console's router declares", async () => {
    const router = readFileSync(fileURLToPath(new URL("../../console/src/router.tsx", import.meta.url)), "utf8");
    const routes = [...router.matchAll(/\bpath: "([^"]+)"/g)].map((m) => m[1] ?? "");
    // Pages outside a tenant hold no tenant's data; every page of a tenant is opened as B with A's names.
    expect(routes.filter((r) => !r.startsWith("/tenants/$tenant")).sort()).toEqual(["/", "/auth/callback", "/sign-in"]);
    const values: Record<string, string> = { tenant, app: APP, run: failedRun, pipeline: "ci" };
    const urls = routes
      .filter((r) => r.startsWith("/tenants/$tenant"))
      .map((r) => {
        const path = r.replace(/\$(\w+)/g, (_, name: string) => {
          if (!(name in values)) throw new Error(`Route ${r}: this test has no value for $${name}; add one.`);
          return encodeURIComponent(values[name] ?? "");
        });
        return `${path}?profile=${world.profile}`;
      });
    expect(urls.length).toBeGreaterThanOrEqual(8);
    const tab = await openTab(browser);
    try {
      await tab.page.goto(`${world.api.url}/sign-in`);
      await signIn(tab.page, tokenB);
      await tab.page.waitForURL(`${world.api.url}/tenants/${other}`);
      const secrets = [
        image("1"),
        image("cli"),
        "listening on :8080",
        FAILED_TASK_LINE,
        "Exit code",
        failedRun,
        "DB_PASSWORD",
        "console-a",
        "soak",
        ...Object.values(world.tenants[0].members),
      ];
      for (const url of urls) {
        await tab.page.goto(`${world.api.url}${url}`);
        await tab.page.getByRole("heading", { name: "Not found" }).first().waitFor();
        // Whatever else the page asked for has answered before it is read.
        await tab.page.waitForLoadState("networkidle");
        const text = (await tab.page.locator("main").textContent()) ?? "";
        // The names in the URL itself (the page's heading repeats them) are what B typed, not A's data.
        for (const secret of secrets.filter((name) => !decodeURIComponent(url).includes(name)))
          expect(text, `${url} shows ${secret}`).not.toContain(secret);
        expect(await tab.page.locator("main tbody tr").count(), `${url} shows rows`).toBe(0);
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
