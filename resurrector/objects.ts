// Rows of the mirror turned back into objects a cluster accepts: pure functions, no I/O.
// What is restored is what a user or the API decided (labels, annotations, spec); what the cluster decided
// (uid, resourceVersion, generation, managedFields, ownerReferences, status, timestamps) is left for the new
// cluster to decide again.

import { LABEL_APP, LABEL_MANAGED_BY, MANAGED_BY, secretName } from "../crds/app-names.ts";
import { crdDocument } from "../crds/generator/crd-document.ts";
import { ANNOTATION_RESTORED } from "../crds/hostname-claim.ts";
import { kinds } from "../crds/index.ts";
import { APP, HOSTNAME_CLAIM, PIPELINE, PROFILE } from "../crds/kinds.ts";
import { LABEL_PIPELINE, pipelineSecretName } from "../crds/run-names.ts";
import {
  CUSTOM_RESOURCE_DEFINITION,
  LIMIT_RANGE,
  NAMESPACE,
  NETWORK_POLICY,
  RESOURCE_QUOTA,
  ROLE,
  ROLE_BINDING,
  SECRET,
} from "../kube/resources.ts";
import { apiVersionOf, type KubeObject, type ResourceType } from "../kube/types.ts";

/** A live row of `resources`, as the resurrector reads it. */
export interface StoredResource {
  uid: string;
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  tenant: string | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: unknown;
  status: unknown;
  clusterUid: string | null;
}

/**
 * The order of a rebuild: every object's parents exist before it. Secrets come after the Apps and Pipelines because
 * each must be controlled by its new owner (the operator never adopts an object its owner does not control).
 * Runs are never restored, and children (Deployments, Services, routes…) are rebuilt by the operator.
 * HostnameClaims come before the Apps: a running operator reconciles each App as soon as it exists, and an App that
 * lost a hostname before the disaster must find it held already, not free for whichever App comes back first.
 */
export const PHASES: readonly { name: string; resources: readonly ResourceType[] }[] = [
  { name: "CRDs", resources: [CUSTOM_RESOURCE_DEFINITION] },
  { name: "Profiles", resources: [PROFILE] },
  { name: "Namespaces", resources: [NAMESPACE] },
  { name: "Quotas and RBAC", resources: [RESOURCE_QUOTA, LIMIT_RANGE, ROLE, ROLE_BINDING, NETWORK_POLICY] },
  { name: "Hostname claims", resources: [HOSTNAME_CLAIM] },
  { name: "Apps", resources: [APP] },
  { name: "Pipelines", resources: [PIPELINE] },
  { name: "Secrets", resources: [SECRET] },
];

export const RESTORED_RESOURCES: readonly ResourceType[] = PHASES.flatMap((phase) => phase.resources);

/** Kinds whose content is top-level fields rather than `spec` (see contentOf in db/mirror.ts). */
const TOP_LEVEL_CONTENT = new Set(["Role", "RoleBinding"]);

export function resourceOf(kind: string): ResourceType {
  const resource = RESTORED_RESOURCES.find((r) => r.kind === kind);
  if (!resource) throw new Error(`The resurrector does not restore ${kind} objects`);
  return resource;
}

export function phaseOf(kind: string): number {
  return PHASES.findIndex((phase) => phase.resources.some((r) => r.kind === kind));
}

export function manifestOf(row: StoredResource): KubeObject {
  const resource = resourceOf(row.kind);
  const metadata: KubeObject["metadata"] = {
    name: row.name,
    ...(resource.namespaced ? { namespace: row.namespace } : {}),
    ...(Object.keys(row.labels).length > 0 ? { labels: row.labels } : {}),
    ...(Object.keys(row.annotations).length > 0 ? { annotations: row.annotations } : {}),
  };
  const content =
    row.spec === null || row.spec === undefined
      ? {}
      : TOP_LEVEL_CONTENT.has(row.kind)
        ? (row.spec as Record<string, unknown>)
        : { spec: row.spec };
  return { apiVersion: row.apiVersion || apiVersionOf(resource), kind: row.kind, metadata, ...content };
}

/**
 * A HostnameClaim as the resurrector creates it: marked restored, so that its holders, whose Apps are restored after
 * it with new uids, keep their hostnames for a grace period (crds/hostname-claim-holders.ts holderHolds). Only the
 * created object carries the mark; the plan compares the claim as mirrored.
 */
export function restoredClaim(claim: KubeObject): KubeObject {
  return {
    ...claim,
    metadata: { ...claim.metadata, annotations: { ...claim.metadata.annotations, [ANNOTATION_RESTORED]: "true" } },
  };
}

/**
 * An App's or a Pipeline's Secret holding its decrypted values; the owner reference is added once the owner exists
 * (the label names it).
 */
export function secretManifest(
  namespace: string,
  owner: { kind: "App" | "Pipeline"; name: string },
  values: Record<string, string>,
): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: owner.kind === "App" ? secretName(owner.name) : pipelineSecretName(owner.name),
      namespace,
      labels: { [LABEL_MANAGED_BY]: MANAGED_BY, [owner.kind === "App" ? LABEL_APP : LABEL_PIPELINE]: owner.name },
    },
    type: "Opaque",
    data: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Buffer.from(v).toString("base64")])),
  };
}

/** A namespace that restored objects live in but that was not mirrored (it carries no tenant label). */
export function bareNamespace(name: string): KubeObject {
  return { apiVersion: "v1", kind: "Namespace", metadata: { name } };
}

/** loco's own CRDs, built from the same schemas as crds/generated (no files to find at run time). */
export function locoCrds(): KubeObject[] {
  return kinds.map((definition) => crdDocument(definition) as unknown as KubeObject);
}

/** Whether a Run's status says it had finished (Succeeded True or False) — a Run that had not was interrupted. */
export function runFinished(status: unknown): boolean {
  const conditions = ((status as { conditions?: { type: string; status: string }[] } | null)?.conditions ?? []) as {
    type: string;
    status: string;
  }[];
  const succeeded = conditions.find((c) => c.type === "Succeeded");
  return succeeded?.status === "True" || succeeded?.status === "False";
}

/** Everything the database says should exist, with the cluster each object was mirrored from. */
export function desiredObjects(stored: {
  resources: StoredResource[];
  secrets: ReadonlyMap<string, Record<string, string>>;
}): { object: KubeObject; fromCluster?: string | null }[] {
  const desired: { object: KubeObject; fromCluster?: string | null }[] = locoCrds().map((object) => ({ object }));
  const namespaces = new Set(stored.resources.filter((r) => r.kind === "Namespace").map((r) => r.name));
  for (const row of stored.resources) {
    desired.push({ object: manifestOf(row), fromCluster: row.clusterUid });
    // Objects in a namespace that is not a tenant's (e.g. created with kubectl) still need their namespace.
    if (row.namespace && !namespaces.has(row.namespace)) {
      namespaces.add(row.namespace);
      desired.push({ object: bareNamespace(row.namespace), fromCluster: row.clusterUid });
    }
    // Stored under the App's name, or under the Pipeline's Secret name (see secretOwnerKey in the operator).
    const owner =
      row.kind === "App" || row.kind === "Pipeline"
        ? { kind: row.kind as "App" | "Pipeline", name: row.name }
        : undefined;
    const storedAs = owner?.kind === "App" ? row.name : pipelineSecretName(row.name);
    const values = owner ? stored.secrets.get(`${row.namespace}/${storedAs}`) : undefined;
    if (owner && values && Object.keys(values).length > 0) {
      desired.push({ object: secretManifest(row.namespace, owner, values), fromCluster: row.clusterUid });
    }
  }
  return desired;
}
