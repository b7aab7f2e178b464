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

  it("builds dashboard and logs URLs from LOCO_DASHBOARD_URL, and refuses without it", () => {
    const env = { LOCO_DASHBOARD_URL: "https://loco.example.com/ui/" };
    expect(urlFor("dashboard", { env, ...base })).toEqual({
      ok: true,
      url: "https://loco.example.com/ui/tenants/acme",
    });
    expect(urlFor("logs", { env, ...base })).toEqual({
      ok: true,
      url: "https://loco.example.com/ui/tenants/acme/apps/shop-api/logs?profile=prod",
    });
    expect(urlFor("logs", { env: {}, ...base })).toMatchObject({
      ok: false,
      fix: expect.stringContaining("LOCO_DASHBOARD_URL"),
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
