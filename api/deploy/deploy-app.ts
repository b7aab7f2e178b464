// A deploy: the spec checked against the profile asked for, the ownership plan and dry run (deploy-preview.ts),
// nothing done when the App would not change, the capacity pre-flight, then the request recorded and the App
// applied as the deploy field manager with a fresh deployment id. Fields `loco env` and `loco scale` set stay theirs
// (reported as overrides) unless forced. It answers at once; the operator and the mirror report its progress.
import type { FastifyBaseLogger } from "fastify";
import { ulid } from "ulid";
import type { AppSpec } from "../../crds/app.ts";
import { DEPLOY_FIELD_MANAGER, ENV_FIELD_MANAGER, SCALE_FIELD_MANAGER } from "../../crds/field-managers.ts";
import { recordRequest } from "../../db/stores/deployments.ts";
import { isSubset } from "../../kube/semantic-equal.ts";
import { appNamespace } from "../app-namespace.ts";
import { actorOf, type Principal } from "../auth/principal.ts";
import { ApiError } from "../errors.ts";
import { recordAppRelease } from "../releases/record-release.ts";
import type { ApiServices } from "../server.ts";
import { applyAs, splitOwnership } from "./app-writers.ts";
import { capacityPreflight } from "./capacity-preflight.ts";
import { previewDeploy } from "./deploy-preview.ts";
import { hostnameCheck } from "./hostname-check.ts";
import { type Override, shareSpec } from "./ownership-plan.ts";

export interface DeployRequest {
  principal: Principal;
  tenant: string;
  profile: string;
  app: string;
  spec: AppSpec;
  log: FastifyBaseLogger;
  /** loco.toml's values replace those `loco env` and `loco scale` set (they hand the fields back). */
  forceConflicts?: boolean;
  /** The deployment this one deploys again, for a rollback. */
  rollbackOf?: string;
}

export interface DeployResult {
  deploymentId: string;
  /** The App would not change: `deploymentId` is the current deployment. */
  unchanged: boolean;
  /** Fields the spec declares that `loco env` or `loco scale` set too, and whose value is in effect. */
  overrides: Override[];
}

export function checkProfile(spec: AppSpec, profile: string): void {
  if (spec.profile !== profile) {
    throw new ApiError(
      "InvalidRequest",
      `spec.profile is "${spec.profile}" but the request is for profile "${profile}"; make them match.`,
      { errors: [{ field: "spec.profile", message: `must be ${profile}` }] },
    );
  }
}

export async function deployApp(services: ApiServices, request: DeployRequest): Promise<DeployResult> {
  const { db, kube, config } = services;
  const { principal, tenant, profile, app, spec } = request;
  checkProfile(spec, profile);
  const namespace = await appNamespace(services, tenant, profile);
  const { live, plan, split, proposed } = await previewDeploy(services, {
    namespace,
    app,
    spec,
    force: request.forceConflicts === true,
  });
  const current = (live?.status as { deploymentId?: string } | undefined)?.deploymentId;
  if (live && current && isSubset(proposed, live.spec) && isSubset(live.spec, proposed)) {
    return { deploymentId: current, unchanged: true, overrides: plan.overrides };
  }
  // Both checks only read, so they run together (each is a few round trips on the path of every deploy); when both
  // refuse, the hostname's answer wins, as when they ran one after the other.
  const [hostname, capacity] = await Promise.allSettled([
    hostnameCheck(services, { tenant, namespace, profile, app, spec: proposed }),
    capacityPreflight(services, { tenant, namespace, profile, app, spec: proposed, log: request.log }),
  ]);
  if (hostname.status === "rejected") throw hostname.reason;
  if (capacity.status === "rejected") throw capacity.reason;
  const id = ulid();
  const requestedBy = actorOf(principal);
  // The whole spec the App will run (the commands' fields too), so that a rollback to it restores all of it.
  await recordRequest(db, {
    id,
    tenant,
    namespace,
    app,
    spec: proposed,
    requestedBy,
    rollbackOf: request.rollbackOf,
  });
  const ref = { name: app, namespace };
  // An App still owned by a whole-spec manager: its fields go to the three managers first, unchanged.
  if (live && split) await splitOwnership(services, live, split);
  // Forced: the commands give up the fields loco.toml declares — after the deploy took their values, or before it
  // where both at once would break a rule (replicas beside autoscale, a plain and a secret variable of one name).
  const handBack = async (shares: NonNullable<typeof plan.handBack>) => {
    if (shares.env) await applyAs(kube, ENV_FIELD_MANAGER, ref, shareSpec(shares.env));
    if (shares.scale) await applyAs(kube, SCALE_FIELD_MANAGER, ref, shareSpec(shares.scale));
  };
  if (plan.handBackFirst) await handBack(plan.handBackFirst);
  await applyAs(kube, DEPLOY_FIELD_MANAGER, ref, plan.spec, {
    labels: config.objectLabels,
    requested: { deploymentId: id, by: requestedBy },
  });
  if (plan.handBack) await handBack(plan.handBack);
  await recordAppRelease(services, {
    tenant,
    namespace,
    app,
    kind: request.rollbackOf ? "rollback" : "deploy",
    by: principal,
    spec: proposed,
    before: live?.spec,
    deploymentId: id,
  });
  return { deploymentId: id, unchanged: false, overrides: plan.overrides };
}
