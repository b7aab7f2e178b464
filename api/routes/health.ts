// /healthz (the process is alive; it touches no dependency) and /readyz (it can serve: database, apiserver and, when
// configured, the identity provider answer, and shutdown has not begun). Both are public and exempt from rate limits;
// /readyz probes its dependencies at most once per READINESS_TTL_MS however many callers ask (api/readiness.ts).
import { sql } from "kysely";
import { z } from "zod";
import { ApiError } from "../errors.ts";
import { cachedReadiness, type Readiness } from "../readiness.ts";
import { defineRoute, type RouteDefinition } from "../route.ts";
import type { ApiServices } from "../server.ts";

const Health = z.object({ status: z.literal("ok") });
const Ready = z.object({ status: z.literal("ok"), checks: z.record(z.string(), z.literal("ok")) });

/** How long one probe of the dependencies answers /readyz (kubelets and load balancers probe every few seconds). */
export const READINESS_TTL_MS = 1000;

/** One readiness cache per server: /readyz and /v1/platform share its probes. */
const readinessByServices = new WeakMap<ApiServices, Readiness>();

export function readinessOf(services: ApiServices): Readiness {
  const existing = readinessByServices.get(services);
  if (existing) return existing;
  const readiness = cachedReadiness(
    [
      { name: "database", probe: () => sql`SELECT 1`.execute(services.db) },
      {
        name: "kubernetes",
        probe: async () => {
          const answer = await services.kube.text("/readyz", 5_000);
          if (answer.status !== 200) throw new Error(`apiserver /readyz answered ${answer.status}`);
        },
      },
      ...(services.oidc ? [{ name: "oidc", probe: () => services.oidc!.ready() }] : []),
    ],
    { ttlMs: READINESS_TTL_MS },
  );
  readinessByServices.set(services, readiness);
  return readiness;
}

export function healthRoutes(services: ApiServices): RouteDefinition[] {
  const readiness = readinessOf(services);
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
        const { failed, causes, checks } = await readiness.check();
        if (failed.length > 0) {
          services.log.warn({ failed, causes }, "Readiness check failed");
          throw new ApiError(
            "Unavailable",
            `Not ready: ${failed.join(", ")} did not answer. The server keeps retrying; check those dependencies.`,
          );
        }
        return { body: { status: "ok", checks: Object.fromEntries(checks.map((name) => [name, "ok"])) } };
      },
    }),
  ];
}
