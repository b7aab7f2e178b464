// /healthz (the process is alive) and /readyz (it can serve: database, apiserver and, when configured, the
// identity provider answer, and shutdown has not begun).
import { sql } from "kysely";
import { z } from "zod";
import { ApiError } from "../errors.ts";
import { defineRoute, type RouteDefinition } from "../route.ts";
import type { ApiServices } from "../server.ts";

const Health = z.object({ status: z.literal("ok") });
const Ready = z.object({ status: z.literal("ok"), checks: z.record(z.string(), z.literal("ok")) });

export function healthRoutes(services: ApiServices): RouteDefinition[] {
  return [
    defineRoute({
      method: "GET",
      url: "/healthz",
      operationId: "health",
      summary: "Liveness: the process answers.",
      tag: "health",
      auth: "public",
      responses: { 200: { description: "Alive.", schema: Health } },
      handler: async () => ({ body: { status: "ok" } }),
    }),
    defineRoute({
      method: "GET",
      url: "/readyz",
      operationId: "ready",
      summary: "Readiness: the database, the apiserver and the identity provider answer.",
      tag: "health",
      auth: "public",
      responses: { 200: { description: "Ready.", schema: Ready }, 503: { description: "Not ready." } },
      handler: async () => {
        if (!services.accepting())
          throw new ApiError("Unavailable", "The server is shutting down; use another replica.");
        const checks: [string, () => Promise<unknown>][] = [
          ["database", () => sql`SELECT 1`.execute(services.db)],
          [
            "kubernetes",
            async () => {
              const answer = await services.kube.text("/readyz", 5_000);
              if (answer.status !== 200) throw new Error(`apiserver /readyz answered ${answer.status}`);
            },
          ],
          ...(services.oidc ? [["oidc", () => services.oidc!.ready()] as [string, () => Promise<unknown>]] : []),
        ];
        const results = await Promise.allSettled(checks.map(([, check]) => check()));
        const failed = checks.filter((_, i) => results[i]?.status === "rejected").map(([name]) => name);
        if (failed.length > 0) {
          services.log.warn(
            {
              failed,
              causes: results.flatMap((r) => (r.status === "rejected" ? [String(r.reason)] : [])),
            },
            "Readiness check failed",
          );
          throw new ApiError(
            "Unavailable",
            `Not ready: ${failed.join(", ")} did not answer. The server keeps retrying; check those dependencies.`,
          );
        }
        return { body: { status: "ok", checks: Object.fromEntries(checks.map(([name]) => [name, "ok"])) } };
      },
    }),
  ];
}
