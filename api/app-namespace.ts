// Where an App of a tenant lives for a profile: the tenant's namespace, created on first use when the Profile was
// added after the tenant. Every write through here also re-applies the API's own RoleBinding there, so that a tenant
// namespace made outside the API (GitOps, kubectl) gives the API its rights from the first write on, not only from
// the API's next start (api/tenant-api-access.ts), and re-applies the namespace's labels, so that a Profile that
// changed its Pod Security level has it enforced before the operator builds pods for the new level.

import { PROFILE } from "../crds/kinds.ts";
import { podSecurityOf } from "../crds/profile.ts";
import { getClusterResource } from "../db/stores/resources.ts";
import { NAMESPACE, ROLE_BINDING } from "../kube/resources.ts";
import { isSubset } from "../kube/semantic-equal.ts";
import type { ApiServices } from "./server.ts";
import {
  apiRoleBinding,
  defaultRequestsFor,
  ensureTenantNamespace,
  FIELD_MANAGER,
  LABEL_TENANT,
  profileUnavailable,
  tenantLabels,
  tenantNamespace,
  tenantNamespaceObject,
} from "./tenant-namespaces.ts";

export async function appNamespace(services: ApiServices, tenant: string, profile: string): Promise<string> {
  const { kube, db, config } = services;
  const name = tenantNamespace(tenant, profile);
  // The live Profile, not the mirror's row: a level just changed is enforced before the operator, which reads the
  // live Profile too, builds pods for it. Read beside the namespace: each is a round trip on every deploy's path.
  const [namespace, live] = await Promise.all([
    kube.find(NAMESPACE, undefined, name),
    kube.find(PROFILE, undefined, profile),
  ]);
  if (namespace?.metadata.labels?.[LABEL_TENANT] === tenant) {
    const writes: Promise<unknown>[] = [];
    if (live) {
      const labels = { tenant, profile, extraLabels: config.objectLabels, podSecurity: podSecurityOf(live.spec) };
      const desired = tenantNamespaceObject(labels);
      // Applied only when a label is missing or differs (a Profile's new level, labels lost): an apply that changes
      // nothing is still a write request to the apiserver, and every deploy made one.
      if (!isSubset(desired.metadata.labels, namespace.metadata.labels))
        writes.push(kube.apply(NAMESPACE, desired, FIELD_MANAGER));
    }
    if (config.apiAccess) {
      const labels = tenantLabels(tenant, profile, config.objectLabels);
      writes.push(kube.apply(ROLE_BINDING, apiRoleBinding(name, labels, config.apiAccess), FIELD_MANAGER));
    }
    await Promise.all(writes);
    return name;
  }
  if (namespace) throw profileUnavailable(profile);
  const row = await getClusterResource(db, "Profile", profile);
  if (!row) throw profileUnavailable(profile);
  return ensureTenantNamespace(kube, {
    tenant,
    profile,
    gatewayNamespace: (row.spec as { gateway?: { namespace?: string } } | null)?.gateway?.namespace,
    quota: config.tenantQuota,
    defaultRequests: defaultRequestsFor(row.spec, config.tenantDefaultRequests),
    extraLabels: config.objectLabels,
    podSecurity: podSecurityOf(row.spec),
    apiAccess: config.apiAccess,
  });
}
