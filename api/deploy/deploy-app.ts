// A deploy: the spec checked against the profile asked for, nothing done when it is already deployed, the capacity
// pre-flight, then the request recorded and the App applied (server-side apply) with a fresh deployment id. It
// answers at once; the operator and the mirror report its progress.
import type { FastifyBaseLogger } from "fastify";
import { ulid } from "ulid";
import type { AppSpec } from "../../crds/app.ts";
import { APP } from "../../crds/kinds.ts";
import { recordRequest } from "../../db/stores/deployments.ts";
import { isSubset } from "../../kube/semantic-equal.ts";
import type { KubeObject } from "../../kube/types.ts";
import { appNamespace } from "../app-namespace.ts";
import { actorOf, type Principal } from "../auth/principal.ts";
import { ApiError } from "../errors.ts";
import type { ApiServices } from "../server.ts";
import { FIELD_MANAGER } from "../tenant-namespaces.ts";
import { appObject } from "./app-object.ts";
import { capacityPreflight } from "./capacity-preflight.ts";
import { hostnameCheck } from "./hostname-check.ts";

export interface DeployRequest {
  principal: Principal;
  tenant: string;
  profile: string;
  app: string;
  spec: AppSpec;
  log: FastifyBaseLogger;
  /** The deployment this one deploys again, for a rollback. */
  rollbackOf?: string;
}

export interface DeployResult {
  deploymentId: string;
  /** The spec was already deployed: `deploymentId` is the current deployment. */
  unchanged: boolean;
}

export async function deployApp(services: ApiServices, request: DeployRequest): Promise<DeployResult> {
  const { db, kube, config } = services;
  const { principal, tenant, profile, app, spec } = request;
  if (spec.profile !== profile) {
    throw new ApiError(
      "InvalidRequest",
      `spec.profile is "${spec.profile}" but the request is for profile "${profile}"; make them match.`,
      { errors: [{ field: "spec.profile", message: `must be ${profile}` }] },
    );
  }
  const namespace = await appNamespace(services, tenant, profile);
  const existing = await kube.find<KubeObject>(APP, namespace, app);
  const current = (existing?.status as { deploymentId?: string } | undefined)?.deploymentId;
  if (existing && current && isSubset(spec, existing.spec) && isSubset(existing.spec, spec)) {
    return { deploymentId: current, unchanged: true };
  }
  await hostnameCheck(services, { tenant, namespace, profile, app, spec });
  await capacityPreflight(services, { tenant, namespace, profile, app, spec, log: request.log });
  const id = ulid();
  const requestedBy = actorOf(principal);
  await recordRequest(db, { id, tenant, namespace, app, spec, requestedBy, rollbackOf: request.rollbackOf });
  await kube.apply(
    APP,
    appObject({
      name: app,
      namespace,
      labels: config.objectLabels,
      requested: { deploymentId: id, by: requestedBy },
      spec,
    }),
    FIELD_MANAGER,
  );
  return { deploymentId: id, unchanged: false };
}
