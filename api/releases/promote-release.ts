// `loco promote <app> --from dev --to prod`: the source profile's current release of an App, run in the target
// profile as a `promote` release that names it (source { kind: "promotion", profile, release }). What is carried and
// what stays the target's is promoted-spec.ts's rule. Refused with 409 and a reason when the source has no release, its
// release is not Available (its deployment never became Ready, or a newer one replaced it), the target profile does
// not exist, or a secret version it ran is not stored. Every read is of the caller's tenant: its namespaces (checked by
// label), its rows; another tenant's App answers like a missing one.
import { ulid } from "ulid";
import { z } from "zod";
import { AppSpec } from "../../crds/app.ts";
import { APP } from "../../crds/kinds.ts";
import { getDeployment } from "../../db/stores/deployments.ts";
import { latestRelease } from "../../db/stores/releases.ts";
import { getClusterResource } from "../../db/stores/resources.ts";
import { isSubset } from "../../kube/semantic-equal.ts";
import type { KubeObject } from "../../kube/types.ts";
import { currentSecretVersions } from "../apps/secret-values.ts";
import { type Principal, sourceOf } from "../auth/principal.ts";
import { ownersOf } from "../deploy/app-writers.ts";
import type { DeployResult } from "../deploy/deploy-app.ts";
import { restoreAppRecorded } from "../deploy/restore-app.ts";
import { ApiError, notFound } from "../errors.ts";
import { parsePart } from "../route.ts";
import type { ApiServices } from "../server.ts";
import { findTenantNamespace } from "../tenant-namespaces.ts";
import { pinnedByDigest, promotedSpec } from "./promoted-spec.ts";
import { unstoredVersions } from "./rollback-release.ts";

/** Why a promotion was refused (the problem body's `reason`). */
export type PromotionRefusal =
  | "NoRelease"
  | "SourceNotAvailable"
  | "ProfileNotFound"
  | "SecretVersionsUnknown"
  | "SecretVersionsGone";

const refused = (reason: PromotionRefusal, message: string) => new ApiError("Conflict", message, { extra: { reason } });

export interface PromoteRequest {
  principal: Principal;
  tenant: string;
  app: string;
  from: string;
  to: string;
  log: import("fastify").FastifyBaseLogger;
}

export interface PromoteResult extends DeployResult {
  /** The release recorded in the target profile (undefined when nothing changed). */
  release: number | undefined;
  source: { profile: string; release: number; deploymentId: string };
  image: string;
  pinned: boolean;
  /** The secret versions carried, by key. */
  secrets: Record<string, string>;
  /** Variables whose target value stayed (set there with `loco env set` or `loco secrets set`). */
  overridden: string[];
}

/**
 * The deployment that runs the App's newest release, and its outcome. Usually the release's own. The operator writes
 * a rollback's or promotion's secret values before it builds the pod template, but should the pods roll once more for
 * them (an operator of an earlier version, or its cache late with the Secret), the App's current deployment, begun
 * after the release's own and Superseding it, runs the release. A later change that is not a release (kubectl) is
 * recorded as a newer release, so the newest release is what the current deployment runs.
 */
async function servingDeployment(
  services: ApiServices,
  key: { tenant: string; namespace: string; app: string },
  release: { deploymentId: string | null },
  current: string | undefined,
): Promise<{ id: string; outcome: string }> {
  const own = release.deploymentId ? await getDeployment(services.db, { ...key, id: release.deploymentId }) : undefined;
  if (own && release.deploymentId && own.outcome !== "Superseded") return { id: own.id, outcome: own.outcome };
  const now =
    current && current !== release.deploymentId ? await getDeployment(services.db, { ...key, id: current }) : undefined;
  if (own && now && now.createdAt >= own.createdAt) return { id: now.id, outcome: now.outcome };
  return { id: release.deploymentId ?? "", outcome: own?.outcome ?? "unknown" };
}

/** The tenant's App in the source profile, its newest release and the deployment that runs it, Available. */
async function availableSource(services: ApiServices, request: PromoteRequest) {
  const { db, kube } = services;
  const { tenant, app, from, to } = request;
  if (from === to) {
    throw new ApiError("InvalidRequest", `from and to are both "${from}"; promote between two different profiles.`, {
      errors: [{ field: "to", message: "must differ from from" }],
    });
  }
  const namespace = await findTenantNamespace(kube, tenant, from);
  // The live App, not the mirror's row: one just deployed is there at once.
  const live = namespace ? await kube.find<KubeObject>(APP, namespace, app) : undefined;
  if (!namespace || !live) throw notFound("App", app);
  const key = { tenant, namespace, app };
  const release = await latestRelease(db, key);
  if (!release) {
    throw refused(
      "NoRelease",
      `App ${app} has no release in ${from} to promote: deploy it there first (\`loco deploy --profile ${from}\`).`,
    );
  }
  const current = (live.status as { deploymentId?: string } | undefined)?.deploymentId;
  const serving = await servingDeployment(services, key, release, current);
  if (serving.outcome !== "Available") {
    throw refused(
      "SourceNotAvailable",
      `Release ${release.number} of ${app} in ${from} is not Available (its deployment is ${serving.outcome}), so it was never proven there: wait until it is (\`loco status --profile ${from}\`), or fix it and deploy again.`,
    );
  }
  return { key, release, serving };
}

export async function promoteRelease(services: ApiServices, request: PromoteRequest): Promise<PromoteResult> {
  const { db, kube } = services;
  const { tenant, app, from, to } = request;
  const { key: sourceKey, release, serving } = await availableSource(services, request);
  if (!(await getClusterResource(db, "Profile", to))) {
    throw refused(
      "ProfileNotFound",
      `Profile "${to}" does not exist; list the profiles with \`loco profile ls\`, or ask a platform admin.`,
    );
  }
  const targetNamespace = await findTenantNamespace(kube, tenant, to);
  const target = targetNamespace ? await kube.find<KubeObject>(APP, targetNamespace, app) : undefined;
  const promotion = promotedSpec({
    source: AppSpec.parse(release.spec),
    sourceSecrets: release.secrets,
    target: target ? (target.spec as AppSpec) : undefined,
    targetEnvOwned: ownersOf(target).env,
    profile: to,
    restoreId: ulid(),
    from: { namespace: sourceKey.namespace, app },
  });
  if (promotion.unknownVersions.length > 0) {
    throw refused(
      "SecretVersionsUnknown",
      `Release ${release.number} of ${app} in ${from} ran secret values without a version id (${promotion.unknownVersions.join(", ")}: set before versions were named), so they cannot be carried. Set them again in ${from} with \`loco secrets set\`, then promote the new release.`,
    );
  }
  const versions = promotion.restore?.versions ?? {};
  const gone = await unstoredVersions(services, sourceKey, versions);
  if (gone.length > 0) {
    throw refused(
      "SecretVersionsGone",
      `Release ${release.number} of ${app} in ${from} ran secret values that are no longer stored (${gone.join(", ")}): purged under the operator's version retention, or never mirrored. Set them again in ${from} with \`loco secrets set\`, then promote the new release.`,
    );
  }
  // Both halves were valid Apps; their union is checked again like a request, so a mismatch (routes for a port the
  // source no longer has) answers 400 naming the field rather than failing in the apiserver.
  const { spec } = parsePart(z.strictObject({ spec: AppSpec }), { spec: promotion.spec }, "body");
  const source = { profile: from, release: release.number, deploymentId: serving.id };
  const carried = { source, image: spec.image, pinned: pinnedByDigest(spec.image), secrets: versions };
  const overridden = promotion.overridden;
  // The target already runs exactly this (promoted twice): nothing to do, and no release that would never start.
  const running = (target?.status as { deploymentId?: string } | undefined)?.deploymentId;
  if (target && targetNamespace && running && isSubset(spec, target.spec) && isSubset(target.spec, spec)) {
    const now = await currentSecretVersions(services, targetNamespace, app);
    if (Object.entries(versions).every(([key, id]) => now[key] === id))
      return { deploymentId: running, unchanged: true, overrides: [], release: undefined, ...carried, overridden };
  }
  const { result, release: recorded } = await restoreAppRecorded(services, {
    principal: request.principal,
    tenant,
    profile: to,
    app,
    spec,
    log: request.log,
    ...(promotion.restore ? { secrets: promotion.restore } : {}),
    promotion: { kind: "promotion", ...source, by: sourceOf(request.principal) },
  });
  return { ...result, release: recorded, ...carried, overridden };
}
