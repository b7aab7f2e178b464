// The App page's canary rollout in a real Chromium, against the real API, operator, control plane and Postgres: a
// canary App paused at a step shows its phase, step (n of m) and the weights the operator wrote to its HTTPRoute;
// a developer's Promote, confirmed in the dialog, moves it on to Completed with all traffic on stable; a viewer sees
// the same rollout without the buttons; axe finds nothing serious and the browser logs no error.

import type { Browser, Page } from "@playwright/test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureConsoleBuilt } from "../../hack/build-console.ts";
import { HTTP_ROUTE } from "../../kube/resources.ts";
import { type ApiWorld, startApiWorld } from "../support/api-world.ts";
import { eventually } from "../support/kube.ts";
import { launchBrowser, openTab, seriousViolations, type TabProblems } from "./browser.ts";

let world: ApiWorld;
let browser: Browser;
let page: Page;
let problems: TabProblems;
let tenant: string;
let developer: string;
let developerToken: string;
let viewerToken: string;
const APP = "shop";
// A pause without a duration holds the canary until it is promoted.
const STEPS = [{ setWeight: 20 }, { pause: {} }, { setWeight: 60 }, { pause: {} }];
const image = (tag: string) => `registry.example.com/acme/shop:${tag}`;

type RolloutView = { inFlight: boolean; rollout: { phase: string; step: number; weight: number } | null };

async function mint(subject: string, role: string): Promise<string> {
  const response = await world.api.call("POST", `/v1/tenants/${tenant}/tokens`, {
    token: await world.token(subject),
    body: { name: `rollout-console-${role}`, role, expiresInDays: 1 },
  });
  if (response.status !== 201) throw new Error(`Minting a token failed: ${await response.text()}`);
  return ((await response.json()) as { secret: string }).secret;
}

async function putApp(tag: string) {
  const response = await world.api.call("PUT", `/v1/tenants/${tenant}/apps/${APP}?profile=${world.profile}`, {
    token: developer,
    body: { spec: { ...world.appSpec(image(tag)), replicas: 2, rollout: { strategy: "canary", steps: STEPS } } },
  });
  if (response.status !== 200) throw new Error(`Applying ${APP} failed: ${await response.text()}`);
}

async function rollout(): Promise<RolloutView> {
  const response = await world.api.call("GET", `/v1/tenants/${tenant}/apps/${APP}/rollout?profile=${world.profile}`, {
    token: developer,
  });
  return (await response.json()) as RolloutView;
}

/** The weights of loco's rule in the App's HTTPRoute, as the operator wrote them: `service=weight` pairs. */
async function routeWeights(): Promise<string> {
  const route = await world.api.kube.get(HTTP_ROUTE, `${tenant}-${world.profile}`, APP);
  const rules = (route.spec as { rules: { backendRefs?: { name: string; weight?: number }[] }[] }).rules;
  return (rules[0]?.backendRefs ?? []).map((r) => `${r.name}=${r.weight}`).join(",");
}

async function signIn(target: Page, token: string) {
  await target.getByLabel("API token").fill(token);
  await target.getByRole("button", { name: "Sign in", exact: true }).click();
}

const appPage = () => `/tenants/${tenant}/apps/${APP}?profile=${world.profile}`;

beforeAll(async () => {
  await ensureConsoleBuilt();
  world = await startApiWorld("rcon");
  tenant = world.tenants[0].name;
  developer = await world.token(world.tenants[0].members.developer);
  // The first release becomes the stable version; the second starts the canary, which stops at the pause.
  await putApp("1");
  await eventually(
    "the stable version Ready",
    async () => {
      const response = await world.api.call("GET", `/v1/tenants/${tenant}/apps/${APP}?profile=${world.profile}`, {
        token: developer,
      });
      return ((await response.json()) as { ready: string }).ready === "True" ? true : undefined;
    },
    { timeoutMs: 90_000 },
  );
  await putApp("2");
  await eventually(
    "the canary paused at step 2",
    async () => {
      const view = await rollout();
      return view.inFlight && view.rollout?.phase === "Paused" && view.rollout.step === 1 ? view : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 250 },
  );
  developerToken = await mint(world.tenants[0].members.developer, "developer");
  viewerToken = await mint(world.tenants[0].members.developer, "viewer");
  browser = await launchBrowser();
  ({ page, problems } = await openTab(browser));
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await world?.stop();
});

describe("the App page's rollout", () => {
  it("shows a viewer the paused canary's step and weights, without Promote or Abort", async () => {
    const tab = await openTab(browser);
    try {
      await tab.page.goto(`${world.api.url}/sign-in?next=${encodeURIComponent(appPage())}`);
      await signIn(tab.page, viewerToken);
      await tab.page.getByRole("heading", { name: "Rollout" }).waitFor();
      await tab.page.getByText("stable 80% · canary 20%").waitFor();
      // The page waits for the caller's role before it offers anything; then it says why there is nothing to press.
      await tab.page.getByText(/Your role \(viewer\) may not promote or abort/).waitFor();
      expect(await tab.page.getByRole("button", { name: "Promote" }).count()).toBe(0);
      expect(await tab.page.getByRole("button", { name: "Abort" }).count()).toBe(0);
      expect(tab.problems.list).toEqual([]);
    } finally {
      await tab.context.close();
    }
  });

  it("shows a developer the paused canary as the route has it, and Promote (confirmed) moves it on", async () => {
    expect(await routeWeights()).toBe(`${APP}=80,${APP}-canary=20`);
    await page.goto(`${world.api.url}/sign-in?next=${encodeURIComponent(appPage())}`);
    await signIn(page, developerToken);
    const panel = page.locator("h2#rollout-title + .panel");
    await panel.getByText("Paused", { exact: true }).waitFor();
    const facts = async () => (await panel.locator("dl").textContent()) ?? "";
    expect(await facts()).toContain("2 of 4");
    expect(await facts()).toContain("stable 80% · canary 20%");
    expect(await seriousViolations(page)).toEqual([]);

    // Cancel first: nothing is asked of the operator.
    await page.getByRole("button", { name: "Promote", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: "Promote the canary now?" });
    await dialog.waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "hidden" });
    expect((await rollout()).rollout).toMatchObject({ phase: "Paused", step: 1, weight: 20 });

    await page.getByRole("button", { name: "Promote", exact: true }).click();
    await dialog.getByRole("button", { name: "Promote", exact: true }).click();
    await page.getByRole("status").filter({ hasText: "Asked to promote deployment" }).waitFor();
    // The operator promotes: the stable version takes the template, then all traffic goes to it.
    await panel.getByText("Completed", { exact: true }).waitFor({ timeout: 60_000 });
    expect(await facts()).toContain("stable 100% · canary 0%");
    expect(await panel.getByRole("button", { name: "Promote" }).count()).toBe(0);
    expect((await rollout()).rollout).toMatchObject({ phase: "Completed", weight: 0 });
    expect(await routeWeights()).toBe(`${APP}=100,${APP}-canary=0`);
    expect(problems.list).toEqual([]);
  });
});
