// What a client shows about the API it talks to: its version, whether its dependencies answer (the same probes as
// /readyz), whether pods run on simulated nodes (so no App URL answers) and where the console is. Public, like
// /readyz: it names no tenant's object.
import { z } from "zod";
import { resolveConsoleDir } from "../console-assets.ts";
import { defineRoute, type RouteDefinition } from "../route.ts";
import { API_VERSION, type ApiServices } from "../server.ts";
import { readinessOf } from "./health.ts";

export const PlatformInfo = z.object({
  version: z.string(),
  ready: z.boolean().describe("Every dependency answered its last probe."),
  checks: z
    .record(z.string(), z.enum(["ok", "failing"]))
    .describe("Each dependency the API needs (database, kubernetes, oidc when configured)."),
  simulatedNodes: z.boolean().describe("Pods run on simulated nodes: they become Ready, but nothing answers."),
  console: z.object({ available: z.boolean(), url: z.string().nullable() }),
});

export function platformRoutes(services: ApiServices): RouteDefinition[] {
  const readiness = readinessOf(services);
  const consoleBuilt = resolveConsoleDir(services.consoleDir) !== undefined;
  return [
    defineRoute({
      method: "GET",
      url: "/v1/platform",
      operationId: "getPlatform",
      summary: "The API's version, the health of its dependencies and whether pods run on simulated nodes.",
      tag: "health",
      auth: "public",
      responses: { 200: { description: "About this API.", schema: PlatformInfo } },
      handler: async ({ request }) => {
        const { failed, checks } = await readiness.check();
        return {
          body: {
            version: API_VERSION,
            ready: failed.length === 0 && services.accepting(),
            checks: Object.fromEntries(checks.map((name) => [name, failed.includes(name) ? "failing" : "ok"])),
            simulatedNodes: services.config.simulatedNodes ?? false,
            // The console is served at this API's root, on the address the caller used.
            console: consoleBuilt
              ? { available: true, url: `${request.protocol}://${request.host}/` }
              : { available: false, url: null },
          },
        };
      },
    }),
  ];
}
