// An App's canary rollout (ADR 0010): where it stands, and the two requests a person can make of it — promote now,
// or abort (traffic back to the stable version). The API never moves traffic itself: it sets an App annotation naming
// the rollout's deployment id, and the operator acts on it for that rollout only. The App is looked up in the
// tenant's own namespace first, so another tenant's App answers like a missing one.
import { z } from "zod";
import type { AppSpec } from "../../crds/app.ts";
import { ANNOTATION_ROLLOUT_ABORT, ANNOTATION_ROLLOUT_PROMOTE } from "../../crds/app-names.ts";
import { RolloutStatus, rolloutSteps } from "../../crds/app-rollout.ts";
import { ROLLOUT_FIELD_MANAGER } from "../../crds/field-managers.ts";
import { APP } from "../../crds/kinds.ts";
import { getTenantResource } from "../../db/stores/resources.ts";
import type { KubeObject } from "../../kube/types.ts";
import { ApiError, notFound } from "../errors.ts";
import { defineRoute, type RouteDefinition } from "../route.ts";
import type { ApiServices } from "../server.ts";
import { tenantNamespace } from "../tenant-namespaces.ts";
import { ItemParams, ProfileQuery } from "./apps.ts";

const IN_FLIGHT = new Set(["Progressing", "Paused", "Analysing", "Promoting"]);

export const RolloutView = z.object({
  app: z.string(),
  profile: z.string(),
  strategy: z.enum(["rolling", "canary", "blueGreen"]),
  steps: z.number().int().describe("Number of steps the rollout walks (a blue-green rollout's are implied)."),
  inFlight: z.boolean().describe("A canary rollout is moving through its steps now."),
  rollout: RolloutStatus.nullable().describe("The current (or last) canary rollout; null before the first."),
  condition: z
    .object({ status: z.string(), reason: z.string(), message: z.string() })
    .nullable()
    .describe("The App's Rollout condition."),
});

function viewOf(live: KubeObject, profile: string): z.output<typeof RolloutView> {
  const spec = live.spec as AppSpec;
  const status = (live.status ?? {}) as {
    rollout?: z.output<typeof RolloutStatus>;
    conditions?: { type: string; status: string; reason: string; message: string }[];
  };
  const condition = status.conditions?.find((c) => c.type === "Rollout");
  return {
    app: live.metadata.name ?? "",
    profile,
    strategy: spec.rollout?.strategy ?? "rolling",
    steps: rolloutSteps(spec.rollout).length,
    inFlight: status.rollout !== undefined && IN_FLIGHT.has(status.rollout.phase),
    rollout: status.rollout ?? null,
    condition: condition ? { status: condition.status, reason: condition.reason, message: condition.message } : null,
  };
}

export function rolloutRoutes(services: ApiServices): RouteDefinition[] {
  const { db, kube } = services;

  /** The live App of the tenant (404 for another tenant's or a missing one). */
  async function liveApp(tenant: string, profile: string, app: string): Promise<KubeObject> {
    const namespace = tenantNamespace(tenant, profile);
    const row = await getTenantResource(db, { tenant, kind: "App", namespace, name: app });
    const live = row ? await kube.find<KubeObject>(APP, namespace, app) : undefined;
    if (!live) throw notFound("App", app);
    return live;
  }

  const request = (verb: "promote" | "abort", annotation: string) =>
    defineRoute({
      method: "POST",
      url: `/v1/tenants/:tenant/apps/:app/rollout/${verb}`,
      operationId: verb === "promote" ? "promoteRollout" : "abortRollout",
      summary:
        verb === "promote"
          ? "Promote the App's canary now: the stable version takes its template, skipping the remaining steps."
          : "Abort the App's canary: traffic goes back to the stable version and the canary scales to zero.",
      tag: "apps",
      auth: "required",
      clusterWrite: true,
      audit: `apps.rollout.${verb}`,
      params: ItemParams,
      query: ProfileQuery,
      responses: {
        202: { description: "Asked; the operator acts on it at its next reconcile.", schema: RolloutView },
        404: { description: "No such App." },
        409: { description: "The App has no canary rollout in flight." },
      },
      handler: async ({ authorize, params, query, auditTarget, objectFound }) => {
        await authorize({ tenant: params.tenant, resource: "apps", action: "write" });
        auditTarget(`App/${query.profile}/${params.app}`);
        const live = await liveApp(params.tenant, query.profile, params.app);
        objectFound();
        const view = viewOf(live, query.profile);
        if (!view.inFlight || !view.rollout) {
          throw new ApiError(
            "Conflict",
            `App ${params.app} (${query.profile}) has no canary rollout in flight, so there is nothing to ${verb}; \`loco rollout status ${params.app}\` shows its last one.`,
          );
        }
        auditTarget(`App/${query.profile}/${params.app}`, { deploymentId: view.rollout.deploymentId });
        // The request names this rollout, so it can never act on the next one.
        await kube.apply(
          APP,
          {
            apiVersion: live.apiVersion,
            kind: "App",
            metadata: {
              name: params.app,
              namespace: live.metadata.namespace,
              annotations: { [annotation]: view.rollout.deploymentId },
            },
          },
          ROLLOUT_FIELD_MANAGER,
        );
        return { status: 202, body: view };
      },
    });

  return [
    defineRoute({
      method: "GET",
      url: "/v1/tenants/:tenant/apps/:app/rollout",
      operationId: "getRollout",
      summary: "An App's canary rollout, live from the cluster: step, weight, phase, analysis counts and condition.",
      tag: "apps",
      auth: "required",
      params: ItemParams,
      query: ProfileQuery,
      responses: {
        200: { description: "The App's rollout.", schema: RolloutView },
        404: { description: "No such App." },
      },
      handler: async ({ authorize, params, query, objectFound }) => {
        await authorize({ tenant: params.tenant, resource: "apps", action: "read" });
        const live = await liveApp(params.tenant, query.profile, params.app);
        objectFound();
        return { body: viewOf(live, query.profile) };
      },
    }),
    request("promote", ANNOTATION_ROLLOUT_PROMOTE),
    request("abort", ANNOTATION_ROLLOUT_ABORT),
  ];
}
