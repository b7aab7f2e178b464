// `loco rollback <release>`: the App runs again what a release ran — its whole spec (restore-app.ts) and its secret
// values. The API holds no key-encryption key, so it cannot read those values: it checks that every version the
// release names is still stored, then asks the operator, which has the key, to write them back into the App's
// Secret (annotation loco.dev/restore-secrets, operator/reconcilers/app/secret-restore.ts). The rollback is itself
// recorded as a new release.
import { ulid } from "ulid";
import { AppSpec } from "../../crds/app.ts";
import type { SecretRestore } from "../../crds/secret-versions.ts";
import { listSecretVersions } from "../../db/secret-store.ts";
import { getRelease } from "../../db/stores/releases.ts";
import { liveApp } from "../apps/change-app.ts";
import type { DeployRequest, DeployResult } from "../deploy/deploy-app.ts";
import { restoreApp } from "../deploy/restore-app.ts";
import { ApiError, notFound } from "../errors.ts";
import type { ApiServices } from "../server.ts";

/** Pure: the restore a release's secrets ask for, keys without a known version kept as they are. */
export function restoreOf(secrets: Record<string, string | null>, id: string): SecretRestore {
  const versions: Record<string, string> = {};
  const keep: string[] = [];
  for (const [key, version] of Object.entries(secrets)) {
    if (version) versions[key] = version;
    else keep.push(key);
  }
  return { id, versions, keep };
}

/** The keys whose named version the App's stored versions no longer hold (purged, or never mirrored). */
export async function unstoredVersions(
  services: ApiServices,
  key: { tenant: string; namespace: string; app: string },
  versions: Record<string, string>,
): Promise<string[]> {
  const stored = new Set(
    (await listSecretVersions(services.db, key))
      .filter((v) => v.versionId !== null)
      .map((v) => `${v.key}/${v.versionId}`),
  );
  return Object.entries(versions)
    .filter(([k, id]) => !stored.has(`${k}/${id}`))
    .map(([k]) => k);
}

export async function rollbackRelease(
  services: ApiServices,
  request: Omit<DeployRequest, "spec" | "rollbackOf"> & { release: number },
): Promise<DeployResult & { release: number }> {
  const { tenant, profile, app } = request;
  const { namespace } = await liveApp(services, tenant, profile, app);
  const release = await getRelease(services.db, { tenant, namespace, app, number: request.release });
  if (!release) throw notFound("Release", String(request.release));
  const restore = restoreOf(release.secrets, ulid());
  const gone = await unstoredVersions(services, { tenant, namespace, app }, restore.versions);
  if (gone.length > 0) {
    throw new ApiError(
      "Conflict",
      `Release ${release.number} ran secret values that are no longer stored (${gone.join(", ")}): they were purged under the operator's secret version retention, or never mirrored (no key-encryption key, or replaced within a second). Roll back to a newer release, or set those secrets again with \`loco secrets set\` and deploy.`,
      { errors: gone.map((key) => ({ field: `secrets.${key}`, message: "version no longer stored" })) },
    );
  }
  const result = await restoreApp(services, {
    ...request,
    spec: AppSpec.parse(release.spec),
    rollbackOf: release.deploymentId ?? `release-${release.number}`,
    release: release.number,
    secrets: restore,
  });
  return { ...result, release: release.number };
}
