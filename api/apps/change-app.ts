// Changing a running App without its whole spec (scale, env): read it from the cluster, change the named fields,
// validate the result like a full spec and apply it as loco-api with the read resourceVersion as a precondition. A
// concurrent write (the operator's status updates move it too) re-reads and retries, a few times.
import { ulid } from "ulid";
import { z } from "zod";
import { AppSpec } from "../../crds/app.ts";
import { APP } from "../../crds/kinds.ts";
import { recordRequest } from "../../db/stores/deployments.ts";
import { KubeApiError } from "../../kube/kube-client.ts";
import { isSubset } from "../../kube/semantic-equal.ts";
import type { KubeObject } from "../../kube/types.ts";
import { actorOf, type Principal } from "../auth/principal.ts";
import { appObject } from "../deploy/app-object.ts";
import { notFound } from "../errors.ts";
import { parsePart } from "../route.ts";
import type { ApiServices } from "../server.ts";
import { FIELD_MANAGER, findTenantNamespace } from "../tenant-namespaces.ts";

export interface LiveApp {
  namespace: string;
  object: KubeObject;
}

/** The App as the cluster has it now; 404 when the tenant has no such namespace or App. */
export async function liveApp(services: ApiServices, tenant: string, profile: string, app: string): Promise<LiveApp> {
  const namespace = await findTenantNamespace(services.kube, tenant, profile);
  const object = namespace ? await services.kube.find<KubeObject>(APP, namespace, app) : undefined;
  if (!namespace || !object) throw notFound("App", app);
  return { namespace, object };
}

export interface AppChange {
  tenant: string;
  profile: string;
  app: string;
  change(spec: AppSpec, live: LiveApp): Promise<AppSpec> | AppSpec;
  /**
   * A change of the spec is also a deployment the API requested: it gets its id here and its spec is recorded, like
   * POST …/deployments, so that `rollback` can return to it.
   */
  deployment?: { principal: Principal };
}

export async function changeApp(
  services: ApiServices,
  request: AppChange,
): Promise<{ namespace: string; applied: KubeObject }> {
  const { db, kube, config } = services;
  const { tenant, profile, app, change, deployment } = request;
  for (let attempt = 1; ; attempt++) {
    const live = await liveApp(services, tenant, profile, app);
    const spec = await change(structuredClone(live.object.spec as AppSpec), live);
    const parsed = parsePart(z.strictObject({ spec: AppSpec }), { spec: JSON.parse(JSON.stringify(spec)) }, "body");
    const changed = !(isSubset(parsed.spec, live.object.spec) && isSubset(live.object.spec, parsed.spec));
    const requested = deployment && changed ? { id: ulid(), by: actorOf(deployment.principal) } : undefined;
    try {
      const applied = await kube.apply<KubeObject>(
        APP,
        appObject({
          name: app,
          namespace: live.namespace,
          labels: config.objectLabels,
          requested: requested && { deploymentId: requested.id, by: requested.by },
          resourceVersion: live.object.metadata.resourceVersion,
          spec: parsed.spec,
        }),
        FIELD_MANAGER,
      );
      if (requested) {
        await recordRequest(db, {
          id: requested.id,
          tenant,
          namespace: live.namespace,
          app,
          spec: parsed.spec,
          requestedBy: requested.by,
        });
      }
      return { namespace: live.namespace, applied };
    } catch (error) {
      if (!(error instanceof KubeApiError && error.isConflict) || attempt >= 5) throw error;
    }
  }
}
