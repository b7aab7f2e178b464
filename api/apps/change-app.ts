// Changing a running App without its whole spec (scale, env), as that command's own field manager
// (crds/field-managers.ts): read the App from the cluster, work out the manager's new share of the spec (only the
// fields it owns), validate the App it would make like a full spec, and apply the share with the read
// resourceVersion as a precondition. A concurrent write (the operator's status updates move it too) re-reads and
// retries, a few times, after a short random wait. An App still owned by a whole-spec manager (written before field ownership) is split among
// the managers first, so the change removes nothing another writer set.
import { ulid } from "ulid";
import { z } from "zod";
import { AppSpec } from "../../crds/app.ts";
import { ANNOTATION_REQUESTED_DEPLOYMENT_ID } from "../../crds/app-names.ts";
import { APP } from "../../crds/kinds.ts";
import type { ReleaseKind } from "../../db/schema.ts";
import { recordRequest } from "../../db/stores/deployments.ts";
import { KubeApiError } from "../../kube/kube-client.ts";
import type { KubeObject } from "../../kube/types.ts";
import { actorOf, type Principal } from "../auth/principal.ts";
import {
  applyAs,
  CONFLICT_ATTEMPTS,
  conflictBackoff,
  ownersOf,
  plannedSplit,
  splitOwnership,
} from "../deploy/app-writers.ts";
import { notFound } from "../errors.ts";
import { recordAppRelease } from "../releases/record-release.ts";
import { parsePart } from "../route.ts";
import type { ApiServices } from "../server.ts";
import { findTenantNamespace } from "../tenant-namespaces.ts";

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

/** A manager's fields before and after the change, and the whole spec the App would then have. */
export interface ShareChange {
  before: Partial<AppSpec> | undefined;
  after: Partial<AppSpec> | undefined;
  merged: AppSpec;
}

export interface AppChange {
  tenant: string;
  profile: string;
  app: string;
  /** The field manager of the command (ENV_FIELD_MANAGER, SCALE_FIELD_MANAGER). */
  manager: string;
  change(live: LiveApp, owners: ReturnType<typeof ownersOf>): Promise<ShareChange> | ShareChange;
  /**
   * A change of the spec is also a deployment the API requested: it gets its id here and its spec is recorded, like
   * POST …/deployments, so that `rollback` can return to it.
   */
  deployment?: { principal: Principal };
  /** The release the change makes (api/releases/record-release.ts). */
  release: { kind: ReleaseKind; by: Principal };
  /**
   * Whether the change wrote something outside the spec that changes what runs (a secret's value): the App is then
   * applied, and a release recorded, even when the manager's share of the spec stays the same.
   */
  changedOutside?: () => boolean;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? {}) === JSON.stringify(b ?? {});

export async function changeApp(
  services: ApiServices,
  request: AppChange,
): Promise<{ namespace: string; applied: KubeObject }> {
  const { db, kube } = services;
  const { tenant, profile, app, change, deployment } = request;
  for (let attempt = 1; ; attempt++) {
    const live = await liveApp(services, tenant, profile, app);
    const split = plannedSplit(live.object, undefined);
    if (split) {
      await splitOwnership(services, live.object, split);
      continue;
    }
    const { before, after, merged } = await change(live, ownersOf(live.object));
    const parsed = parsePart(z.strictObject({ spec: AppSpec }), { spec: JSON.parse(JSON.stringify(merged)) }, "body");
    if (same(before, after) && !request.changedOutside?.()) return { namespace: live.namespace, applied: live.object };
    const requested = deployment ? { id: ulid(), by: actorOf(deployment.principal) } : undefined;
    try {
      const applied = await applyAs(kube, request.manager, { name: app, namespace: live.namespace }, after, {
        requested: requested && { deploymentId: requested.id, by: requested.by },
        resourceVersion: live.object.metadata.resourceVersion,
      });
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
      await recordAppRelease(services, {
        tenant,
        namespace: live.namespace,
        app,
        kind: request.release.kind,
        by: request.release.by,
        spec: parsed.spec,
        before: live.object.spec,
        // Before the operator has reported on a fresh deploy, the App runs as the deployment last requested.
        deploymentId:
          requested?.id ??
          (applied.status as { deploymentId?: string } | undefined)?.deploymentId ??
          applied.metadata.annotations?.[ANNOTATION_REQUESTED_DEPLOYMENT_ID] ??
          null,
      });
      return { namespace: live.namespace, applied };
    } catch (error) {
      if (!(error instanceof KubeApiError && error.isConflict) || attempt >= CONFLICT_ATTEMPTS) throw error;
      // The operator's status writes move the resourceVersion while an App rolls out, and concurrent changes race
      // each other: the same random, growing wait as the deploy path's writes, so retries spread out.
      await conflictBackoff(attempt);
    }
  }
}
