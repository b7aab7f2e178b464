/** The profile of a tenant's namespace, `<tenant>-<profile>`. */
export const profileOf = (tenant: string, namespace: string) => namespace.slice(tenant.length + 1);
