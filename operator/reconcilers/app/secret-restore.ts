// A rollback's secret restore (docs/adr/0008-releases-and-secret-versions.md). The API, which holds no
// key-encryption key, asks for it with the App's loco.dev/restore-secrets annotation, naming a version id per key;
// the operator, which has the key, reads those versions from the database and writes them into the App's Secret —
// once per restore id, which it marks on the Secret. The values are applied under the field manager that owns them
// (the one `loco env set --secret` writes with), so a later unset removes a restored key like any other; the marker
// under a manager of its own, so that the values' manager never drops it by leaving it out. The Secret's change
// rolls the pods (their template carries a digest of the values). A promotion asks for the versions of the same App
// in another profile's namespace (`from`); that namespace must be the same tenant's, or nothing is restored.
import { secretName } from "../../../crds/app-names.ts";
import {
  ANNOTATION_RESTORE_SECRETS,
  ANNOTATION_SECRET_VERSIONS,
  ANNOTATION_SECRETS_RESTORED,
  formatSecretVersions,
  parseSecretRestore,
  parseSecretVersions,
  SECRET_RESTORE_FIELD_MANAGER,
  SECRET_VALUES_FIELD_MANAGER,
  type SecretRestore,
} from "../../../crds/secret-versions.ts";
import type { KubeClient } from "../../../kube/kube-client.ts";
import type { Logger } from "../../../kube/logger.ts";
import { SECRET } from "../../../kube/resources.ts";
import type { KubeObject } from "../../../kube/types.ts";
import type { WorldCaches } from "../../caches.ts";
import type { EventRecorder } from "../../runtime/events.ts";
import { tenantOf } from "./app-world.ts";
import type { AppObject } from "./objects.ts";

/** Where stored versions are read (db/secret-store.ts SecretStore, which holds the key-encryption key). */
export interface SecretVersionSource {
  valuesAt(
    app: { tenant: string; namespace: string; app: string },
    versions: Record<string, string>,
  ): Promise<{ values: Record<string, string>; missing: string[] }>;
}

export interface SecretRestoreDeps {
  client: KubeClient;
  caches: Pick<WorldCaches, "secrets" | "namespaces">;
  events: EventRecorder;
  log: Logger;
  /** Undefined when the operator runs without a database or key-encryption key: nothing can be restored. */
  versions: SecretVersionSource | undefined;
}

type SecretObject = KubeObject & { data?: Record<string, string> };

/**
 * Pure: the Secret's data and version annotation after a restore. Restored keys take their stored values, `keep`
 * keys and keys whose version is missing stay as they are, every other key goes.
 */
export function restoredSecret(
  existing: SecretObject | undefined,
  restore: SecretRestore,
  values: Record<string, string>,
  missing: string[],
): { data: Record<string, string>; versions: Record<string, string> } {
  const before = existing?.data ?? {};
  const ids = parseSecretVersions(existing?.metadata.annotations?.[ANNOTATION_SECRET_VERSIONS]);
  const data: Record<string, string> = {};
  const versions: Record<string, string> = {};
  for (const key of [...restore.keep, ...missing]) {
    if (before[key] === undefined) continue;
    data[key] = before[key];
    if (ids[key]) versions[key] = ids[key];
  }
  for (const [key, value] of Object.entries(values)) {
    data[key] = Buffer.from(value, "utf8").toString("base64");
    versions[key] = restore.versions[key] as string;
  }
  return { data, versions };
}

/**
 * Performs the App's pending secret restore, if any. True when the Secret is not yet as the cache shows it — the
 * restore was just written, here or by an earlier pass the cache has not caught up with — so the caller waits for the
 * Secret's event before building a pod template from the values' digest.
 */
export async function restoreSecrets(deps: SecretRestoreDeps, app: AppObject, tenant: string): Promise<boolean> {
  const restore = parseSecretRestore(app.metadata.annotations?.[ANNOTATION_RESTORE_SECRETS]);
  if (!restore) return false;
  const namespace = app.metadata.namespace ?? "";
  const name = secretName(app.metadata.name ?? "");
  const cached = deps.caches.secrets.get(`${namespace}/${name}`);
  if (cached?.metadata.annotations?.[ANNOTATION_SECRETS_RESTORED] === restore.id) return false;
  if (!deps.versions) {
    deps.events.record(
      app,
      "Warning",
      "SecretRestoreUnavailable",
      "The rollback's secret values were not restored: this operator has no database or key-encryption key (LOCO_KEK_FILE). Set the secrets again with `loco secrets set`.",
    );
    return false;
  }
  const existing = await deps.client.find<SecretObject>(SECRET, namespace, name);
  if (existing?.metadata.annotations?.[ANNOTATION_SECRETS_RESTORED] === restore.id) return true;
  const from = restore.from ?? { namespace, app: app.metadata.name ?? "" };
  // Only the tenant's own namespaces: the versions are read under this App's tenant in any case (valuesAt filters by
  // it), so a foreign namespace would read nothing; refusing says why instead of restoring nothing. The message does
  // not repeat the namespace asked for, which may be another tenant's.
  if (from.namespace !== namespace && tenantOf(deps.caches, from.namespace).tenant !== tenant) {
    deps.events.record(
      app,
      "Warning",
      "SecretRestoreRefused",
      "The promotion's secret values were not restored: their source namespace is not one of this App's tenant. Promote with `loco promote`, which names the tenant's own profile.",
    );
    return false;
  }
  const { values, missing } = await deps.versions.valuesAt({ tenant, ...from }, restore.versions);
  const { data, versions } = restoredSecret(existing, restore, values, missing);
  const meta = { name, namespace };
  await deps.client.apply(
    SECRET,
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: {
        ...meta,
        // What the API's writes of the values carry too, so that this manager's apply keeps them owned.
        labels: {
          ...existing?.metadata.labels,
          "app.kubernetes.io/managed-by": "loco",
          "loco.dev/app": app.metadata.name ?? "",
        },
        annotations: { [ANNOTATION_SECRET_VERSIONS]: formatSecretVersions(versions) },
        ownerReferences: [
          {
            apiVersion: "loco.dev/v1alpha1",
            kind: "App",
            name: app.metadata.name ?? "",
            uid: app.metadata.uid ?? "",
            controller: true,
          },
        ],
      },
      type: "Opaque",
      data,
    },
    SECRET_VALUES_FIELD_MANAGER,
  );
  await deps.client.apply(
    SECRET,
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { ...meta, annotations: { [ANNOTATION_SECRETS_RESTORED]: restore.id } },
    },
    SECRET_RESTORE_FIELD_MANAGER,
  );
  const restored = Object.keys(values).sort();
  deps.log.info({ namespace, app: app.metadata.name, keys: restored, missing }, "Restored App secret values");
  deps.events.record(
    app,
    missing.length > 0 ? "Warning" : "Normal",
    missing.length > 0 ? "SecretVersionsMissing" : "SecretsRestored",
    missing.length > 0
      ? `Restored ${restored.join(", ") || "no secret"}; ${missing.join(", ")} kept their current values: their versions are no longer stored.`
      : `Restored the secret values ${restored.join(", ") || "(none)"} of the release ${restore.from ? "promoted" : "rolled back to"}.`,
  );
  return true;
}
