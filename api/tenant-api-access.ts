// Gives the API its rights in the tenant namespaces that exist when it starts: the RoleBinding of its tenant
// ClusterRole (api/tenant-namespaces.ts) in every namespace labelled loco.dev/tenant (and with the API's
// --object-labels, when it has any). New namespaces get it when the API creates them; this pass covers those created
// before the API had it (upgrades) and any whose binding was deleted. Idempotent: a server-side apply of what is already there changes nothing.

import { type KubeClient, METADATA_LIST_ACCEPT } from "../kube/kube-client.ts";
import type { Logger } from "../kube/logger.ts";
import { NAMESPACE, ROLE_BINDING } from "../kube/resources.ts";
import {
  type ApiAccess,
  apiRoleBinding,
  FIELD_MANAGER,
  LABEL_PROFILE,
  LABEL_TENANT,
  tenantLabels,
} from "./tenant-namespaces.ts";

export async function grantApiAccessToTenantNamespaces(
  kube: KubeClient,
  access: ApiAccess,
  extraLabels: Record<string, string>,
  log: Logger,
): Promise<{ granted: number; failed: number }> {
  // A sharded API (--object-labels) binds itself only in the tenant namespaces it labelled.
  const labelSelector = [LABEL_TENANT, ...Object.entries(extraLabels).map(([key, value]) => `${key}=${value}`)].join(
    ",",
  );
  const namespaces = await kube.list(NAMESPACE, undefined, { labelSelector }, undefined, METADATA_LIST_ACCEPT);
  let granted = 0;
  let failed = 0;
  // A PartialObjectMetadataList with no items says `items: null`: a fresh install has no tenant namespace yet.
  for (const namespace of namespaces.items ?? []) {
    const name = namespace.metadata.name ?? "";
    const own = namespace.metadata.labels ?? {};
    const labels = tenantLabels(own[LABEL_TENANT] ?? "", own[LABEL_PROFILE] ?? "", extraLabels);
    try {
      await kube.apply(ROLE_BINDING, apiRoleBinding(name, labels, access), FIELD_MANAGER);
      granted++;
    } catch (error) {
      // One namespace (e.g. one being deleted) must not keep the API from starting; its requests fail until fixed.
      failed++;
      log.warn(
        { namespace: name, kind: "RoleBinding", error: error instanceof Error ? error.message : String(error) },
        "Failed to apply the API's RoleBinding in a tenant namespace",
      );
    }
  }
  log.info({ kind: "RoleBinding", granted, failed }, "Applied the API's RoleBinding in every tenant namespace");
  return { granted, failed };
}
