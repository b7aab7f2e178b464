// Signing in to the web console with OpenID Connect in a real Chromium: authorization code flow with PKCE
// against the local OpenID Provider that `npm start` runs (hack/local/oidc-provider.ts), with the API's URL as
// its audience — the same issuer and public client as the CLI's device flow. The browser leaves for the
// provider's sign-in page, comes back to /auth/callback, trades the code for a JWT and lands on the page it
// started from, signed in as the provider's user.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "@playwright/test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureConsoleBuilt } from "../../hack/build-console.ts";
import { freePort } from "../../hack/control-plane/free-port.ts";
import { type LocalOidcProvider, startLocalOidcProvider } from "../../hack/local/oidc-provider.ts";
import { silentLogger } from "../../kube/logger.ts";
import { startTestApi, type TestApi } from "../support/api-server.ts";
import { createTestDatabase } from "../support/database.ts";
import { launchBrowser, openTab, seriousViolations } from "./browser.ts";

const USER = "developer";
const CLIENT = "loco-cli";
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let api: TestApi;
let provider: LocalOidcProvider;
let browser: Browser;
let dir: string;
let tenant: string;

beforeAll(async () => {
  await ensureConsoleBuilt();
  database = await createTestDatabase("console_oidc");
  dir = mkdtempSync(join(tmpdir(), "loco-console-oidc-"));
  // The API names the issuer and the provider names the API (its audience): both ports are chosen first.
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const apiPort = await freePort();
  const audience = `http://127.0.0.1:${apiPort}`;
  api = await startTestApi({
    databaseUrl: database.url,
    oidc: { issuer, audience, clientId: CLIENT },
    listenPort: apiPort,
  });
  provider = await startLocalOidcProvider({
    dir,
    port,
    audience,
    clientId: CLIENT,
    user: { id: USER, name: "Dev Eloper", email: "dev@example.com", groups: [] },
    log: silentLogger,
  });
  tenant = `oidc${Math.random().toString(36).slice(2, 8)}`;
  const created = await api.call("POST", "/v1/tenants", { token: api.bootstrap, body: { name: tenant, owner: USER } });
  expect(created.status).toBe(201);
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await provider?.stop();
  await api?.stop();
  await database?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("OpenID Connect sign-in", () => {
  it("goes through the provider with PKCE and returns signed in to the page it started from", async () => {
    const { context, page, problems } = await openTab(browser);
    try {
      await page.goto(`${api.url}/tenants/${tenant}/pipelines`);
      await page.waitForURL(/\/sign-in\?next=/);
      await page.getByRole("button", { name: "Sign in with OpenID Connect" }).click();
      await page.waitForURL(new RegExp(`^${provider.issuer}/interaction/`));
      await page.getByRole("button", { name: `Sign in as ${USER}` }).click();
      await page.waitForURL(`${api.url}/tenants/${tenant}/pipelines`, { timeout: 30_000 });
      await page.getByText(`Signed in as ${USER}`).waitFor();
      await page.getByText("No Pipelines yet.").waitFor();
      const session = JSON.parse((await page.evaluate(() => sessionStorage.getItem("loco.session"))) ?? "{}") as {
        via?: string;
        token?: string;
      };
      expect(session.via).toBe("oidc");
      expect(session.token?.split(".")).toHaveLength(3);
      expect(await page.evaluate(() => localStorage.length)).toBe(0);
      expect(await seriousViolations(page)).toEqual([]);
      expect(problems.list).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
