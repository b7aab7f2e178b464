import { describe, expect, it } from "vitest";
import { tenantNamespaceObjects } from "./tenant-namespaces.ts";

describe("tenantNamespaceObjects", () => {
  const objects = tenantNamespaceObjects({
    tenant: "acme",
    profile: "prod",
    gatewayNamespace: "gateways",
    quota: { pods: "10" },
    extraLabels: { "loco.dev/shard": "a" },
  });

  it("builds the namespace and its parents, all labelled as loco's and the tenant's", () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      "Namespace/acme-prod",
      "ResourceQuota/loco-tenant-quota",
      "RoleBinding/loco-tenant-viewers",
      "NetworkPolicy/loco-tenant-isolation",
    ]);
    for (const object of objects) {
      expect(object.metadata.labels).toEqual({
        "loco.dev/shard": "a",
        "app.kubernetes.io/managed-by": "loco",
        "loco.dev/tenant": "acme",
        "loco.dev/profile": "prod",
      });
      if (object.kind !== "Namespace") expect(object.metadata.namespace).toBe("acme-prod");
    }
  });

  it("admits traffic only from the namespace itself and the Profile's gateway", () => {
    const policy = objects[3] as unknown as { spec: { ingress: unknown[] } };
    expect(policy.spec.ingress).toEqual([
      { from: [{ podSelector: {} }] },
      { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "gateways" } } }] },
    ]);
  });

  it("is deterministic", () => {
    expect(
      tenantNamespaceObjects({
        tenant: "acme",
        profile: "prod",
        gatewayNamespace: "gateways",
        quota: { pods: "10" },
        extraLabels: { "loco.dev/shard": "a" },
      }),
    ).toEqual(objects);
  });
});
