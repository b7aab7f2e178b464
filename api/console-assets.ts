// The web console's static files (built by `npm run build:console` into dist/console), served by the API on its
// own origin. Hashed files under /assets/ are cached for a year; index.html is answered for the console's
// client-side routes with no-cache, so a new build is picked up on the next load. Every answer carries a strict
// Content-Security-Policy: scripts and styles only from this origin's files, requests only to this API (and the
// OpenID issuer, for the sign-in's token request). Paths the API owns are never touched.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply } from "fastify";

/** The console's client-side routes (console/src/router.tsx): each is answered with index.html. */
export const CONSOLE_ROUTES = ["/", "/sign-in", "/auth/callback", "/tenants", "/tenants/*"] as const;

/**
 * Where a build is, if any: dist/console next to the sources (running from a checkout), or the console folder
 * next to dist/api (running the compiled API). A folder counts only with Vite's manifest, so the console's
 * sources (console/index.html) are never mistaken for a build.
 */
export function findConsoleBuild(
  candidates: string[] = [
    fileURLToPath(new URL("../dist/console/", import.meta.url)),
    fileURLToPath(new URL("../console/", import.meta.url)),
  ],
): string | undefined {
  return candidates.find(
    (dir) => existsSync(join(dir, "index.html")) && existsSync(join(dir, ".vite", "manifest.json")),
  );
}

/** The build to serve: the one given ("" for none), else the one found next to the API. */
export const resolveConsoleDir = (given: string | undefined): string | undefined =>
  given === undefined ? findConsoleBuild() : given || undefined;

/** The policy of every console answer; connect-src names the issuer's origin only when there is one. */
export function consoleContentSecurityPolicy(oidcIssuer: string | undefined): string {
  const issuer = oidcIssuer ? URL.parse(oidcIssuer)?.origin : undefined;
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self'${issuer ? ` ${issuer}` : ""}`,
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

const YEAR_SECONDS = 365 * 24 * 3600;

export async function registerConsole(
  app: FastifyInstance,
  options: { dir: string; oidcIssuer: string | undefined },
): Promise<void> {
  const policy = consoleContentSecurityPolicy(options.oidcIssuer);
  const secure = (reply: FastifyReply) =>
    reply
      .header("content-security-policy", policy)
      .header("x-content-type-options", "nosniff")
      .header("referrer-policy", "no-referrer")
      .header("x-frame-options", "DENY");
  await app.register(fastifyStatic, {
    root: join(options.dir, "assets"),
    prefix: "/assets/",
    decorateReply: false,
    index: false,
    // Content-hashed names: a file never changes under its name.
    cacheControl: false,
    setHeaders: (reply) => {
      secure(reply).header("cache-control", `public, max-age=${YEAR_SECONDS}, immutable`);
    },
  });
  const index = join(options.dir, "index.html");
  for (const url of CONSOLE_ROUTES) {
    app.get(url, async (_request, reply) =>
      // Read per request (it is 1 kB): a rebuild while the API runs serves the new asset names at once.
      secure(reply)
        .header("cache-control", "no-cache")
        .type("text/html; charset=utf-8")
        .send(await readFile(index)),
    );
  }
}
