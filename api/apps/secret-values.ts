// Secret env values of an App live in `<app>-secrets`, owned by the App like the operator's copy; the mirror stores
// them encrypted and the API never returns them. Each key's value carries a version id (annotation
// loco.dev/secret-versions) that releases name and a rollback restores (docs/adr/0008-releases-and-secret-versions.md).
import { ulid } from "ulid";
import { secretName } from "../../crds/app-names.ts";
import {
  ANNOTATION_SECRET_VERSIONS,
  formatSecretVersions,
  parseSecretVersions,
  SECRET_VALUES_FIELD_MANAGER,
} from "../../crds/secret-versions.ts";
import { SECRET } from "../../kube/resources.ts";
import { controllerOf, type KubeObject } from "../../kube/types.ts";
import { ApiError } from "../errors.ts";
import type { ApiServices } from "../server.ts";
import type { LiveApp } from "./change-app.ts";

/** Pure: the Secret's data after setting `set` (plain text in, base64 out) and removing `unset`, other keys kept. */
export function secretData(
  existing: Record<string, string> | undefined,
  set: Record<string, string>,
  unset: Set<string>,
): Record<string, string> {
  const data: Record<string, string> = {};
  for (const [key, value] of Object.entries(existing ?? {})) if (!unset.has(key)) data[key] = value;
  for (const [key, value] of Object.entries(set)) data[key] = Buffer.from(value, "utf8").toString("base64");
  return data;
}

/**
 * Pure: the version id of each key after the write. A key set to another value gets `newId()`; one set to the value it
 * has keeps its id (no new version); keys unset go; other keys keep theirs (a key without one stays without).
 */
export function secretVersionIds(
  existing: { data?: Record<string, string>; versions: Record<string, string> },
  data: Record<string, string>,
  set: Record<string, string>,
  newId: () => string,
): Record<string, string> {
  const versions: Record<string, string> = {};
  for (const key of Object.keys(data)) {
    const kept = existing.versions[key];
    const rewritten = key in set && existing.data?.[key] !== data[key];
    if (rewritten || (key in set && kept === undefined)) versions[key] = newId();
    else if (kept !== undefined) versions[key] = kept;
  }
  return versions;
}

/** Pure: the App's Secret, controlled by the App. */
export function secretObject(
  live: LiveApp,
  labels: Record<string, string>,
  data: Record<string, string>,
  versions: Record<string, string> = {},
): KubeObject {
  const app = live.object.metadata.name ?? "";
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: secretName(app),
      namespace: live.namespace,
      labels: { ...labels, "app.kubernetes.io/managed-by": "loco", "loco.dev/app": app },
      annotations: { [ANNOTATION_SECRET_VERSIONS]: formatSecretVersions(versions) },
      ownerReferences: [
        {
          apiVersion: "loco.dev/v1alpha1",
          kind: "App",
          name: app,
          uid: live.object.metadata.uid ?? "",
          controller: true,
        },
      ],
    },
    type: "Opaque",
    data,
  };
}

/**
 * Writes the values into the App's Secret; 409 when a Secret of that name belongs to something else. Returns the
 * version id of every key the Secret then holds, and whether any value or key changed.
 */
export async function writeSecretValues(
  services: ApiServices,
  live: LiveApp,
  set: Record<string, string>,
  unset: Set<string>,
): Promise<{ versions: Record<string, string>; changed: boolean }> {
  const { kube, config } = services;
  const name = secretName(live.object.metadata.name ?? "");
  const existing = await kube.find<KubeObject & { data?: Record<string, string> }>(SECRET, live.namespace, name);
  const owner = existing ? controllerOf(existing) : undefined;
  if (existing && owner && owner.uid !== live.object.metadata.uid) {
    throw new ApiError("Conflict", `Secret ${name} belongs to something else; ask a platform admin to remove it.`);
  }
  const data = secretData(existing?.data, set, unset);
  const versions = secretVersionIds(
    {
      ...(existing?.data ? { data: existing.data } : {}),
      versions: parseSecretVersions(existing?.metadata.annotations?.[ANNOTATION_SECRET_VERSIONS]),
    },
    data,
    set,
    ulid,
  );
  await kube.apply(SECRET, secretObject(live, config.objectLabels, data, versions), SECRET_VALUES_FIELD_MANAGER);
  const changed =
    JSON.stringify(Object.entries(data).sort()) !== JSON.stringify(Object.entries(existing?.data ?? {}).sort());
  return { versions, changed };
}

/** The version id of each key of the App's Secret now (a release's secrets); null for a key without one. */
export async function currentSecretVersions(
  services: ApiServices,
  namespace: string,
  app: string,
): Promise<Record<string, string | null>> {
  const secret = await services.kube.find<KubeObject & { data?: Record<string, string> }>(
    SECRET,
    namespace,
    secretName(app),
  );
  const versions = parseSecretVersions(secret?.metadata.annotations?.[ANNOTATION_SECRET_VERSIONS]);
  return Object.fromEntries(Object.keys(secret?.data ?? {}).map((key) => [key, versions[key] ?? null]));
}
