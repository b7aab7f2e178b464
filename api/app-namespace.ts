// Where an App of a tenant lives for a profile: the tenant's namespace, created on first use when the Profile was
// added after the tenant.
import type { ApiServices } from "./server.ts";
import { getClusterResource } from "./store/resources.ts";
import {
  defaultRequestsFor,
  ensureTenantNamespace,
  findTenantNamespace,
  profileUnavailable,
} from "./tenant-namespaces.ts";

export async function appNamespace(services: ApiServices, tenant: string, profile: string): Promise<string> {
  const { kube, db, config } = services;
  const existing = await findTenantNamespace(kube, tenant, profile);
  if (existing) return existing;
  const row = await getClusterResource(db, "Profile", profile);
  if (!row) throw profileUnavailable(profile);
  return ensureTenantNamespace(kube, {
    tenant,
    profile,
    gatewayNamespace: (row.spec as { gateway?: { namespace?: string } } | null)?.gateway?.namespace,
    quota: config.tenantQuota,
    defaultRequests: defaultRequestsFor(row.spec, config.tenantDefaultRequests),
    extraLabels: config.objectLabels,
    apiAccess: config.apiAccess,
  });
}
