// `loco open`: which URL each target is, and how to hand a URL to the user's browser. Pure.

export const OPEN_TARGETS = ["app", "dashboard", "logs", "docs"] as const;
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
}

export type Resolved = { ok: true; url: string } | { ok: false; why: string; fix: string };

const trim = (url: string) => url.replace(/\/+$/, "");

export function urlFor(target: OpenTarget, context: OpenContext): Resolved {
  const dashboard = context.env.LOCO_DASHBOARD_URL;
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
    case "dashboard":
    case "logs": {
      if (!dashboard) {
        return {
          ok: false,
          why: "No dashboard URL is configured.",
          fix: "Set LOCO_DASHBOARD_URL to your platform's loco dashboard (ask your platform team for it).",
        };
      }
      if (target === "dashboard") {
        return {
          ok: true,
          url: context.tenant ? `${trim(dashboard)}/tenants/${encodeURIComponent(context.tenant)}` : dashboard,
        };
      }
      const path = [context.tenant, "apps", context.app].map((s) => encodeURIComponent(s ?? ""));
      return {
        ok: true,
        url: `${trim(dashboard)}/tenants/${path.join("/")}/logs?profile=${encodeURIComponent(context.profile ?? "")}`,
      };
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
