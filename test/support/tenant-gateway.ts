// A tenant namespace with a Gateway and a Profile on it, as the operator tests that look at routes need: the
// namespace labelled with the tenant, the Gateway (no controller serves it) in a namespace of its own, and a Profile
// whose base domain is the test's own. Removed by `removeTenantGateway`.
import type { TestKube } from "./kube.ts";

export interface TenantGateway {
  prefix: string;
  tenant: string;
  gatewayNs: string;
  profileName: string;
  labels: Record<string, string>;
  /** Profile spec fields besides baseDomain and gateway. */
  profile?: Record<string, unknown>;
}

/** Creates the three; returns the tenant namespace's name. */
export async function createTenantGateway(kube: TestKube, world: TenantGateway): Promise<string> {
  const ns = await kube.namespace(world.prefix);
  await kube.core.patchNamespace({
    name: ns,
    body: [{ op: "add", path: "/metadata/labels/loco.dev~1tenant", value: world.tenant }],
  });
  await kube.core.createNamespace({
    body: { metadata: { name: world.gatewayNs, labels: { "loco.dev/test": "true" } } },
  });
  await kube.apply({
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "Gateway",
    metadata: { name: "public", namespace: world.gatewayNs },
    spec: {
      gatewayClassName: "envoy",
      listeners: [{ name: "http", port: 80, protocol: "HTTP", allowedRoutes: { namespaces: { from: "All" } } }],
    },
  });
  await kube.apply({
    apiVersion: "loco.dev/v1alpha1",
    kind: "Profile",
    metadata: { name: world.profileName, labels: world.labels },
    spec: {
      baseDomain: `${world.profileName}.example.com`,
      gateway: { name: "public", namespace: world.gatewayNs },
      ...world.profile,
    },
  });
  return ns;
}

export async function removeTenantGateway(kube: TestKube, world: TenantGateway): Promise<void> {
  await kube.core.deleteNamespace({ name: world.gatewayNs }).catch(() => {});
  await kube.objects
    .delete({ apiVersion: "loco.dev/v1alpha1", kind: "Profile", metadata: { name: world.profileName } })
    .catch(() => {});
  await kube.cleanup();
}
