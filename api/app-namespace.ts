// Where an App of a tenant lives for a profile: the tenant's namespace, created on first use when the Profile was
// added after the tenant. Every write through here also re-applies the API's own RoleBinding there, so that a tenant
// namespace made outside the API (GitOps, kubectl) gives the API its rights from the first write on, not only from
// the API's next start (api/tenant-api-access.ts), and re-applies the namespace's labels, so that a Profile that
// changed its Pod Security level has it enforced before the operator builds pods for the new level.

import { PROFILE } from "../crds/kinds.ts";
import { podSecurityOf } from "../crds/profile.ts";
import { getClusterResource } from "../db/stores/resources.ts";
import { NAMESPACE, ROLE_BINDING } from "../kube/resources.ts";
import type { ApiServices } from "./server.ts";
import {
  apiRoleBinding,
  defaultRequestsFor,
  ensureTenantNamespace,
  FIELD_MANAGER,
  findTenantNamespace,
  profileUnavailable,
  tenantLabels,
  tenantNamespaceObject,
} from "./tenant-namespaces.ts";

export async function appNamespace(services: ApiServices, tenant: string, profile: string): Promise<string> {
  const { kube, db, config } = services;
  const existing = await findTenantNamespace(kube, tenant, profile);
  if (existing) {
    // The live Profile, not the mirror's row: a level just changed is enforced before the operator, which reads
    // the live Profile too, builds pods for it.
    const live = await kube.find(PROFILE, undefined, profile);
    if (live) {
      const labels = { tenant, profile, extraLabels: config.objectLabels, podSecurity: podSecurityOf(live.spec) };
      await kube.apply(NAMESPACE, tenantNamespaceObject(labels), FIELD_MANAGER);
    }
    if (config.apiAccess) {
      const labels = tenantLabels(tenant, profile, config.objectLabels);
      await kube.apply(ROLE_BINDING, apiRoleBinding(existing, labels, config.apiAccess), FIELD_MANAGER);
    }
    return existing;
  }
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
