// An App's pods, live from the cluster: each pod's phase, readiness, restarts, the deployment it runs and when it
// started. The App is looked up in the tenant's own namespace first (api/app-replicas.ts), so another tenant's App
// answers like a missing one and its pods are never listed.
import { z } from "zod";
import { appPods } from "../app-pods.ts";
import { appReplicas } from "../app-replicas.ts";
import { defineRoute, type RouteDefinition } from "../route.ts";
import type { ApiServices } from "../server.ts";
import { ItemParams, ProfileQuery } from "./apps.ts";

export const AppPodView = z.object({
  name: z.string(),
  phase: z.string().describe("Pending, Running, Succeeded, Failed or Unknown."),
  ready: z.boolean(),
  restarts: z.number().int().describe("Restarts of its containers, summed."),
  reason: z
    .string()
    .optional()
    .describe("Why it is not ready, such as Unschedulable, ImagePullBackOff or CrashLoopBackOff."),
  deploymentId: z.string().nullable().describe("The deployment whose pod template made it."),
  startedAt: z.string().nullable().describe("When it started on its node; null while it waits to be scheduled."),
  createdAt: z.string().nullable(),
});

export function appPodRoutes(services: ApiServices): RouteDefinition[] {
  return [
    defineRoute({
      method: "GET",
      url: "/v1/tenants/:tenant/apps/:app/pods",
      operationId: "listAppPods",
      summary: "An App's pods, live from the cluster: phase, readiness, restarts, deployment and start time.",
      tag: "apps",
      auth: "required",
      params: ItemParams,
      query: ProfileQuery,
      responses: {
        200: { description: "The App's pods, by name.", schema: z.object({ items: z.array(AppPodView) }) },
        404: { description: "No such App." },
      },
      handler: async ({ authorize, params, query, objectFound }) => {
        await authorize({ tenant: params.tenant, resource: "apps", action: "read" });
        const { pods } = await appReplicas(
          services,
          { tenant: params.tenant, profile: query.profile, app: params.app },
          objectFound,
        );
        return { body: { items: appPods(pods) } };
      },
    }),
  ];
}
