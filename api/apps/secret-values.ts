// Secret env values of an App live in `<app>-secrets`, owned by the App like the operator's copy; the mirror stores
// them encrypted and the API never returns them.
import { secretName } from "../../crds/app-names.ts";
import { SECRET } from "../../kube/resources.ts";
import { controllerOf, type KubeObject } from "../../kube/types.ts";
import { ApiError } from "../errors.ts";
import type { ApiServices } from "../server.ts";
import { FIELD_MANAGER } from "../tenant-namespaces.ts";
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

/** Pure: the App's Secret, controlled by the App. */
export function secretObject(live: LiveApp, labels: Record<string, string>, data: Record<string, string>): KubeObject {
  const app = live.object.metadata.name ?? "";
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: secretName(app),
      namespace: live.namespace,
      labels: { ...labels, "app.kubernetes.io/managed-by": "loco", "loco.dev/app": app },
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

/** Writes the values into the App's Secret; 409 when a Secret of that name belongs to something else. */
export async function writeSecretValues(
  services: ApiServices,
  live: LiveApp,
  set: Record<string, string>,
  unset: Set<string>,
): Promise<void> {
  const { kube, config } = services;
  const name = secretName(live.object.metadata.name ?? "");
  const existing = await kube.find<KubeObject & { data?: Record<string, string> }>(SECRET, live.namespace, name);
  const owner = existing ? controllerOf(existing) : undefined;
  if (existing && owner && owner.uid !== live.object.metadata.uid) {
    throw new ApiError("Conflict", `Secret ${name} belongs to something else; ask a platform admin to remove it.`);
  }
  await kube.apply(
    SECRET,
    secretObject(live, config.objectLabels, secretData(existing?.data, set, unset)),
    FIELD_MANAGER,
  );
}
