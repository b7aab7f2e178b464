import { describe, expect, it } from "vitest";
import { browserCommand, DOCS_URL, urlFor } from "./open-target.ts";

describe("loco open targets", () => {
  const base = { tenant: "acme", profile: "prod", app: "shop-api" };

  it("opens the App's URL, or says why there is none", () => {
    expect(urlFor("app", { env: {}, ...base, appUrl: "https://shop-api-acme.example.com" })).toEqual({
      ok: true,
      url: "https://shop-api-acme.example.com",
    });
    const none = urlFor("app", { env: {}, ...base, appUrl: null });
    expect(none).toMatchObject({ ok: false, why: expect.stringContaining("shop-api (prod) has no URL yet") });
  });

  it("opens pages of the console the API serves: the App's, its logs, the tenant's overview", () => {
    const consoleUrl = "http://127.0.0.1:8800/";
    expect(urlFor("console", { env: {}, ...base, consoleUrl })).toEqual({
      ok: true,
      url: "http://127.0.0.1:8800/tenants/acme/apps/shop-api?profile=prod",
    });
    expect(urlFor("logs", { env: {}, ...base, consoleUrl })).toEqual({
      ok: true,
      url: "http://127.0.0.1:8800/tenants/acme/apps/shop-api/logs?profile=prod",
    });
    expect(urlFor("dashboard", { env: {}, ...base, consoleUrl })).toEqual({
      ok: true,
      url: "http://127.0.0.1:8800/tenants/acme",
    });
  });

  it("takes the console's address from LOCO_DASHBOARD_URL when set, and refuses when there is no console", () => {
    const env = { LOCO_DASHBOARD_URL: "https://loco.example.com/ui/" };
    expect(urlFor("dashboard", { env, ...base, consoleUrl: "http://127.0.0.1:8800/" })).toEqual({
      ok: true,
      url: "https://loco.example.com/ui/tenants/acme",
    });
    expect(urlFor("console", { env, ...base })).toEqual({
      ok: true,
      url: "https://loco.example.com/ui/tenants/acme/apps/shop-api?profile=prod",
    });
    expect(urlFor("console", { env: {}, ...base, consoleUrl: null })).toMatchObject({
      ok: false,
      why: expect.stringContaining("serves no web console"),
      fix: expect.stringContaining("npm run build:console"),
    });
  });

  it("opens the docs, or the mirror LOCO_DOCS_URL names", () => {
    expect(urlFor("docs", { env: {} })).toEqual({ ok: true, url: DOCS_URL });
    expect(urlFor("docs", { env: { LOCO_DOCS_URL: "https://docs.internal/loco" } })).toEqual({
      ok: true,
      url: "https://docs.internal/loco",
    });
  });

  it("uses $BROWSER, else the platform's opener", () => {
    const url = "https://x.example.com";
    expect(browserCommand(url, "linux", { BROWSER: "firefox" })).toEqual({ command: "firefox", args: [url] });
    expect(browserCommand(url, "linux", {})).toEqual({ command: "xdg-open", args: [url] });
    expect(browserCommand(url, "darwin", {})).toEqual({ command: "open", args: [url] });
    expect(browserCommand(url, "win32", {})).toEqual({ command: "cmd", args: ["/c", "start", '""', url] });
  });
});
