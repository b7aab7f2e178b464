// A rollback to an existing App: the whole spec an earlier deployment ran, set in one write (so the pod template
// changes once and the operator adopts the requested id), then each writer — deploy, `loco env`, `loco scale` —
// applies its share of it again, which changes no value but keeps field ownership as it was
// (ownership-plan.ts rollbackPlan). The write's own manager, `loco-rollback`, then lets go. A rollback to a release
// also asks the operator to restore that release's secret versions (annotation loco.dev/restore-secrets), which it
// does even when the spec is the same, and is recorded as a new release. A promotion (api/releases/promote-release.ts)
// takes the same path, restoring another profile's secret versions, and may create the App: it is recorded as a
// `promote` release naming the release it came from.
import { ulid } from "ulid";
import type { AppSpec } from "../../crds/app.ts";
import { ANNOTATION_REQUESTED_DEPLOYMENT_ID } from "../../crds/app-names.ts";
import { DEPLOY_FIELD_MANAGER, ENV_FIELD_MANAGER, SCALE_FIELD_MANAGER } from "../../crds/field-managers.ts";
import { APP } from "../../crds/kinds.ts";
import { ANNOTATION_RESTORE_SECRETS, formatSecretRestore, type SecretRestore } from "../../crds/secret-versions.ts";
import type { PromotionSource } from "../../db/release-source.ts";
import { recordRequest } from "../../db/stores/deployments.ts";
import { ANNOTATION_REQUESTED_BY } from "../../db/timeline.ts";
import { KubeApiError, resourcePath } from "../../kube/kube-client.ts";
import { isSubset } from "../../kube/semantic-equal.ts";
import type { KubeObject } from "../../kube/types.ts";
import { appNamespace } from "../app-namespace.ts";
import { actorOf } from "../auth/principal.ts";
import { recordAppRelease } from "../releases/record-release.ts";
import type { ApiServices } from "../server.ts";
import {
  applyAs,
  CONFLICT_ATTEMPTS,
  conflictBackoff,
  dropManagers,
  ownersOf,
  plannedSplit,
  splitOwnership,
} from "./app-writers.ts";
import { capacityPreflight } from "./capacity-preflight.ts";
import { checkProfile, type DeployRequest, type DeployResult, deployApp } from "./deploy-app.ts";
import { hostnameCheck } from "./hostname-check.ts";
import { rollbackPlan, shareSpec } from "./ownership-plan.ts";

const ROLLBACK_FIELD_MANAGER = "loco-rollback";

export interface RestoreOptions {
  /** The release rolled back to, when it is one (recorded on the new release). */
  release?: number;
  /** Secret versions for the operator to write back into the App's Secret. */
  secrets?: SecretRestore;
  /** A promotion: recorded as a `promote` release with this source; the App is created when missing. */
  promotion?: PromotionSource;
}

export async function restoreApp(
  services: ApiServices,
  request: DeployRequest & RestoreOptions,
): Promise<DeployResult> {
  return (await restoreAppRecorded(services, request)).result;
}

/** restoreApp, also answering the number of the release it recorded (none when nothing changed). */
export async function restoreAppRecorded(
  services: ApiServices,
  request: DeployRequest & RestoreOptions,
): Promise<{ result: DeployResult; release: number | undefined }> {
  const { db, kube, config } = services;
  const { tenant, profile, app, spec } = request;
  checkProfile(spec, profile);
  const namespace = await appNamespace(services, tenant, profile);
  let live = await kube.find<KubeObject>(APP, namespace, app);
  if (!live && !request.promotion) return { result: await deployApp(services, request), release: undefined };
  const current = (live?.status as { deploymentId?: string } | undefined)?.deploymentId;
  if (live && current && !request.secrets && isSubset(spec, live.spec) && isSubset(live.spec, spec))
    return { result: { deploymentId: current, unchanged: true, overrides: [] }, release: undefined };
  const split = live && plannedSplit(live, undefined);
  if (live && split) {
    await splitOwnership(services, live, split);
    live = await kube.get<KubeObject>(APP, namespace, app);
  }
  // A rollback can bring back a hostname someone else has claimed since: refused like a deploy.
  await hostnameCheck(services, { tenant, namespace, profile, app, spec });
  await capacityPreflight(services, { tenant, namespace, profile, app, spec, log: request.log });
  const id = ulid();
  const by = actorOf(request.principal);
  await recordRequest(db, { id, tenant, namespace, app, spec, requestedBy: by, rollbackOf: request.rollbackOf });
  const requested = { deploymentId: id, by };
  const restore: Record<string, string> = request.secrets
    ? { [ANNOTATION_RESTORE_SECRETS]: formatSecretRestore(request.secrets) }
    : {};
  const ref = { name: app, namespace };
  if (live) live = await replaceSpec(services, live, spec, { ...restore, ...annotationsOf(requested) });
  // A promotion to a profile where the App is not yet: created by the deploy manager, restore and all at once.
  else
    await applyAs(kube, DEPLOY_FIELD_MANAGER, ref, spec, {
      labels: config.objectLabels,
      requested,
      annotations: restore,
    });
  if (live) {
    const owners = ownersOf(live);
    const plan = rollbackPlan(spec as AppSpec, owners.env, owners.scale);
    if (plan.env) await applyAs(kube, ENV_FIELD_MANAGER, ref, shareSpec(plan.env));
    if (plan.scale) await applyAs(kube, SCALE_FIELD_MANAGER, ref, shareSpec(plan.scale));
    await applyAs(kube, DEPLOY_FIELD_MANAGER, ref, plan.spec, { labels: config.objectLabels, requested });
    await dropManagers(kube, ref, [ROLLBACK_FIELD_MANAGER]);
  }
  const release = await recordAppRelease(services, {
    tenant,
    namespace,
    app,
    kind: request.promotion ? "promote" : "rollback",
    by: request.principal,
    ...(request.promotion ? { source: request.promotion } : {}),
    spec,
    before: live?.spec,
    deploymentId: id,
    // The versions the operator is restoring: what the App's Secret holds once it has.
    ...(request.secrets
      ? {
          secrets: {
            ...Object.fromEntries(request.secrets.keep.map((key) => [key, null])),
            ...request.secrets.versions,
          },
        }
      : {}),
    ...(request.release !== undefined ? { rollbackOf: request.release } : {}),
  });
  return { result: { deploymentId: id, unchanged: false, overrides: [] }, release };
}

const annotationsOf = (requested: { deploymentId: string; by: string }) => ({
  [ANNOTATION_REQUESTED_DEPLOYMENT_ID]: requested.deploymentId,
  [ANNOTATION_REQUESTED_BY]: requested.by,
});

/**
 * The whole spec in one write as the rollback's own manager, with the annotations added, under the read
 * resourceVersion as a precondition: the operator's status writes move it, so re-read and retry. Returns the App as
 * read before the write that succeeded (its managedFields say who owned what).
 */
async function replaceSpec(
  services: ApiServices,
  read: KubeObject,
  spec: AppSpec,
  annotations: Record<string, string>,
): Promise<KubeObject> {
  const { kube } = services;
  const namespace = read.metadata.namespace ?? "";
  const app = read.metadata.name ?? "";
  let live = read;
  for (let attempt = 1; ; attempt++) {
    try {
      await kube.request("PATCH", resourcePath(APP, namespace, app), {
        body: [
          { op: "replace", path: "/metadata/resourceVersion", value: live.metadata.resourceVersion },
          { op: "replace", path: "/spec", value: spec },
          {
            op: "add",
            path: "/metadata/annotations",
            value: { ...live.metadata.annotations, ...annotations },
          },
        ],
        contentType: "application/json-patch+json",
        query: { fieldManager: ROLLBACK_FIELD_MANAGER },
      });
      break;
    } catch (error) {
      if (!(error instanceof KubeApiError && error.isConflict) || attempt >= CONFLICT_ATTEMPTS) throw error;
      await conflictBackoff(attempt);
      live = await kube.get<KubeObject>(APP, namespace, app);
    }
  }
  return live;
}
