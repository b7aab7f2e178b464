// `loco open`: which URL each target is, and how to hand a URL to the user's browser. Pure.

export const OPEN_TARGETS = ["app", "console", "dashboard", "logs", "docs"] as const;
export type OpenTarget = (typeof OPEN_TARGETS)[number];

/** loco's user documentation; LOCO_DOCS_URL points elsewhere (a mirror, an internal copy). */
export const DOCS_URL = "https://loco.dev/docs";

export interface OpenContext {
  env: Record<string, string | undefined>;
  tenant?: string;
  profile?: string;
  app?: string;
  /** The App's URL (status.url), for the app target. */
  appUrl?: string | null;
  /** Where the API serves the web console (GET /v1/platform), null when it serves none. */
  consoleUrl?: string | null;
}

/** Targets that are pages of the web console. */
export const CONSOLE_TARGETS: readonly OpenTarget[] = ["console", "dashboard", "logs"];

export type Resolved = { ok: true; url: string } | { ok: false; why: string; fix: string };

const trim = (url: string) => url.replace(/\/+$/, "");

export function urlFor(target: OpenTarget, context: OpenContext): Resolved {
  switch (target) {
    case "docs":
      return { ok: true, url: context.env.LOCO_DOCS_URL || DOCS_URL };
    case "app":
      return context.appUrl
        ? { ok: true, url: context.appUrl }
        : {
            ok: false,
            why: `${context.app} (${context.profile}) has no URL yet: it has no HTTP port, or its route is not ready.`,
            fix: "Check `loco status` for its conditions; an App needs an HTTP port to get a URL.",
          };
    case "console":
    case "dashboard":
    case "logs": {
      // The console the API serves, unless LOCO_DASHBOARD_URL names another address for it (a proxy, a CDN).
      const root = context.env.LOCO_DASHBOARD_URL || context.consoleUrl;
      if (!root) {
        return {
          ok: false,
          why: "The API serves no web console (it was started without a build of it).",
          fix: "Build it (`npm run build:console`) and restart the API, or set LOCO_DASHBOARD_URL to where your platform serves it.",
        };
      }
      const tenant = context.tenant ? `/tenants/${encodeURIComponent(context.tenant)}` : "";
      if (target === "dashboard" || !context.tenant) return { ok: true, url: tenant ? `${trim(root)}${tenant}` : root };
      const app = `${tenant}/apps/${encodeURIComponent(context.app ?? "")}`;
      const profile = `?profile=${encodeURIComponent(context.profile ?? "")}`;
      return { ok: true, url: `${trim(root)}${app}${target === "logs" ? "/logs" : ""}${profile}` };
    }
  }
}

/** The program that opens a URL: $BROWSER if set, else the platform's opener. */
export function browserCommand(
  url: string,
  platform: NodeJS.Platform,
  env: Record<string, string | undefined>,
): { command: string; args: string[] } {
  if (env.BROWSER) return { command: env.BROWSER, args: [url] };
  if (platform === "darwin") return { command: "open", args: [url] };
  if (platform === "win32") return { command: "cmd", args: ["/c", "start", '""', url] };
  return { command: "xdg-open", args: [url] };
}
