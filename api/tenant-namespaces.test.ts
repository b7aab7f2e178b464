import { describe, expect, it } from "vitest";
import {
  defaultRequestsFor,
  profileUnavailable,
  tenantNamespaceObject,
  tenantNamespaceObjects,
} from "./tenant-namespaces.ts";

describe("tenantNamespaceObjects", () => {
  const objects = tenantNamespaceObjects({
    tenant: "acme",
    profile: "prod",
    gatewayNamespace: "gateways",
    quota: { pods: "10" },
    defaultRequests: { cpu: "100m", memory: "128Mi" },
    extraLabels: { "loco.dev/shard": "a" },
    podSecurity: "restricted",
  });

  it("builds the namespace and its parents, all labelled as loco's and the tenant's", () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      "Namespace/acme-prod",
      "ResourceQuota/loco-tenant-quota",
      "LimitRange/loco-tenant-defaults",
      "RoleBinding/loco-tenant-viewers",
      "NetworkPolicy/loco-tenant-isolation",
    ]);
    for (const object of objects) {
      expect(object.metadata.labels).toMatchObject({
        "loco.dev/shard": "a",
        "app.kubernetes.io/managed-by": "loco",
        "loco.dev/tenant": "acme",
        "loco.dev/profile": "prod",
      });
      expect(Object.keys(object.metadata.labels ?? {})).toHaveLength(object.kind === "Namespace" ? 10 : 4);
      if (object.kind !== "Namespace") expect(object.metadata.namespace).toBe("acme-prod");
    }
  });

  it("has the namespace enforce, warn about and audit the Profile's Pod Security level (restricted by default)", () => {
    const podSecurity = (level: "restricted" | "baseline") => ({
      "pod-security.kubernetes.io/enforce": level,
      "pod-security.kubernetes.io/enforce-version": "latest",
      "pod-security.kubernetes.io/warn": level,
      "pod-security.kubernetes.io/warn-version": "latest",
      "pod-security.kubernetes.io/audit": level,
      "pod-security.kubernetes.io/audit-version": "latest",
    });
    expect(objects[0]?.metadata.labels).toMatchObject(podSecurity("restricted"));
    const baseline = tenantNamespaceObject({
      tenant: "acme",
      profile: "dev",
      extraLabels: {},
      podSecurity: "baseline",
    });
    expect(baseline.metadata.labels).toEqual({
      "app.kubernetes.io/managed-by": "loco",
      "loco.dev/tenant": "acme",
      "loco.dev/profile": "dev",
      ...podSecurity("baseline"),
    });
    // Only the namespace: the labels mean nothing on its parents.
    for (const object of objects.slice(1)) {
      expect(Object.keys(object.metadata.labels ?? {}).filter((k) => k.startsWith("pod-security."))).toEqual([]);
    }
  });

  it("admits traffic only from the namespace itself and the Profile's gateway", () => {
    const policy = objects[4] as unknown as { spec: { ingress: unknown[] } };
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
        defaultRequests: { cpu: "100m", memory: "128Mi" },
        extraLabels: { "loco.dev/shard": "a" },
        podSecurity: "restricted",
      }),
    ).toEqual(objects);
  });

  it("gives containers that set no requests the Profile's defaults, else the platform's", () => {
    const platform = { cpu: "100m", memory: "128Mi" };
    expect(defaultRequestsFor({ defaults: { memory: "1Gi" } }, platform)).toEqual({ cpu: "100m", memory: "1Gi" });
    expect(defaultRequestsFor(null, platform)).toEqual(platform);
    const limitRange = objects[2] as unknown as { spec: unknown };
    expect(limitRange.spec).toEqual({ limits: [{ type: "Container", defaultRequest: platform }] });
  });

  it("binds the API's tenant ClusterRole to the API's ServiceAccount in the namespace when given one", () => {
    const withAccess = tenantNamespaceObjects({
      tenant: "acme",
      profile: "prod",
      gatewayNamespace: undefined,
      quota: {},
      defaultRequests: {},
      extraLabels: {},
      podSecurity: "restricted",
      apiAccess: { clusterRole: "loco-api-tenant", serviceAccount: { namespace: "loco-system", name: "loco-api" } },
    });
    expect(withAccess.map((o) => `${o.kind}/${o.metadata.name}`).slice(0, 2)).toEqual([
      "Namespace/acme-prod",
      "RoleBinding/loco-api",
    ]);
    expect(withAccess[1]).toMatchObject({
      metadata: { namespace: "acme-prod", labels: { "loco.dev/tenant": "acme" } },
      roleRef: { kind: "ClusterRole", name: "loco-api-tenant" },
      subjects: [{ kind: "ServiceAccount", namespace: "loco-system", name: "loco-api" }],
    });
  });
});

describe("profileUnavailable", () => {
  it("says how to list the profiles both with the CLI and over HTTP, naming no namespace", () => {
    const error = profileUnavailable("staging");
    expect(error.message).toBe(
      'Profile "staging" is not available to this tenant; list the profiles (`loco profile ls`, or GET /v1/profiles), or ask a platform admin.',
    );
    expect(error.message).not.toContain("-staging");
  });
});
