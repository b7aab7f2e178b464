// A Pipeline's secret values live in its Secret `<pipeline>.pipeline-secrets`, which its tasks' secretEnv read (a
// one-off Run run as an App reads the App's Secret instead). The operator creates that Secret empty and owns its
// metadata; the API owns its data: values are set and removed with a JSON merge patch of `data` alone, so neither
// writer removes the other's fields. The mirror stores the values encrypted (the Secret is controlled by the
// Pipeline) and the resurrector restores them; the API never returns them, only their names.
import { LABEL_MANAGED_BY, LABEL_TENANT, MANAGED_BY } from "../../crds/app-names.ts";
import { LABEL_PIPELINE, pipelineSecretName } from "../../crds/run-names.ts";
import { KubeApiError, type KubeClient, resourcePath } from "../../kube/kube-client.ts";
import { SECRET } from "../../kube/resources.ts";
import { controllerOf, type KubeObject } from "../../kube/types.ts";
import { ApiError } from "../errors.ts";
import { FIELD_MANAGER } from "../tenant-namespaces.ts";

type SecretObject = KubeObject & { data?: Record<string, string> };

/** Pure: the merge patch of `data` that sets `set` (plain text in, base64 out) and removes `unset`. */
export function secretDataPatch(set: Record<string, string>, unset: readonly string[]): Record<string, string | null> {
  const data: Record<string, string | null> = {};
  for (const name of unset) data[name] = null;
  for (const [name, value] of Object.entries(set)) data[name] = Buffer.from(value, "utf8").toString("base64");
  return data;
}

/** Pure: the Secret as the API creates it when the operator has not yet: the operator's metadata, and the values. */
export function pipelineSecretObject(
  pipeline: KubeObject,
  tenant: string,
  labels: Readonly<Record<string, string>>,
  data: Record<string, string>,
): KubeObject {
  const name = pipeline.metadata.name ?? "";
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: pipelineSecretName(name),
      namespace: pipeline.metadata.namespace ?? "",
      labels: { ...labels, [LABEL_MANAGED_BY]: MANAGED_BY, [LABEL_PIPELINE]: name, [LABEL_TENANT]: tenant },
      ownerReferences: [
        {
          apiVersion: "loco.dev/v1alpha1",
          kind: "Pipeline",
          name,
          uid: pipeline.metadata.uid ?? "",
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    type: "Opaque",
    data,
  };
}

/** The names of the values held for `pipeline` (the keys of its Secret), sorted; never the values. */
export async function pipelineSecretNames(kube: KubeClient, pipeline: KubeObject): Promise<string[]> {
  const secret = await ownSecret(kube, pipeline);
  return Object.keys(secret?.data ?? {}).sort();
}

async function ownSecret(kube: KubeClient, pipeline: KubeObject): Promise<SecretObject | undefined> {
  const name = pipelineSecretName(pipeline.metadata.name ?? "");
  const secret = await kube.find<SecretObject>(SECRET, pipeline.metadata.namespace, name);
  const owner = secret ? controllerOf(secret) : undefined;
  if (secret && owner?.uid !== pipeline.metadata.uid) {
    throw new ApiError(
      "Conflict",
      `Secret ${name} does not belong to Pipeline ${pipeline.metadata.name}; ask a platform admin to remove it, then retry.`,
    );
  }
  return secret;
}

/** Sets and removes values of `pipeline`'s Secret, creating it when the operator has not yet; answers the names. */
export async function writePipelineSecrets(
  kube: KubeClient,
  request: {
    pipeline: KubeObject;
    tenant: string;
    labels: Readonly<Record<string, string>>;
    set: Record<string, string>;
    unset: readonly string[];
  },
): Promise<string[]> {
  const { pipeline } = request;
  const patch = secretDataPatch(request.set, request.unset);
  for (let attempt = 1; ; attempt++) {
    const existing = await ownSecret(kube, pipeline);
    try {
      if (existing) {
        const patched = await kube.request<SecretObject>(
          "PATCH",
          resourcePath(SECRET, pipeline.metadata.namespace, existing.metadata.name),
          {
            body: { data: patch },
            contentType: "application/merge-patch+json",
            query: { fieldManager: FIELD_MANAGER },
          },
        );
        return Object.keys(patched.data ?? {}).sort();
      }
      const data = Object.fromEntries(
        Object.entries(patch).filter((entry): entry is [string, string] => entry[1] !== null),
      );
      const created = await kube.create<SecretObject>(
        SECRET,
        pipelineSecretObject(pipeline, request.tenant, request.labels, data),
        FIELD_MANAGER,
      );
      return Object.keys(created.data ?? {}).sort();
    } catch (error) {
      // Created by the operator between the read and the create: patch it instead.
      if (!(error instanceof KubeApiError && error.status === 409) || attempt >= 3) throw error;
    }
  }
}
