// The API's RBAC in charts/loco, proven by use: as a ServiceAccount holding only the chart's API ClusterRole (a
// TokenRequest token), the API's own code creates a tenant namespace with its quota, viewer RoleBinding and
// NetworkPolicy, and applies and deletes a Profile and an App as loco-api — while what the API never does (write
// status, list Secrets, delete namespaces) is refused.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureTenantNamespace, FIELD_MANAGER, tenantNamespace } from "../../api/tenant-namespaces.ts";
import {
  APP,
  LIMIT_RANGE,
  NAMESPACE,
  NETWORK_POLICY,
  PROFILE,
  RESOURCE_QUOTA,
  ROLE_BINDING,
  SECRET,
} from "../../operator/resources.ts";
import { KubeClient } from "../../operator/runtime/kube-client.ts";
import type { KubeObject } from "../../operator/runtime/types.ts";
import { chartDir, helm, parseManifest } from "../support/helm.ts";
import { type TestKube, testKube } from "../support/kube.ts";
import { newShard, testKubeConfig } from "../support/operator.ts";
import { applyManifest, deleteManifest, serviceAccountKubeConfig, statusOf } from "../support/service-account.ts";

const shard = newShard();
const release = `loco-api-rbac-${shard}`;
const tenant = `t${shard}`;
const profile = `p${shard}`;
let kube: TestKube;
let admin: KubeClient;
let asApi: KubeClient;
let releaseNs: string;
let rbacManifest: string;

beforeAll(async () => {
  kube = testKube();
  admin = await KubeClient.create(testKubeConfig());
  releaseNs = await kube.namespace("api-rbac");
  const { stdout } = await helm([
    "template",
    release,
    chartDir,
    "--namespace",
    releaseNs,
    "--set",
    "api.enabled=true",
    "--set",
    "database.existingSecret=loco-database",
    "--show-only",
    "templates/api.yaml",
  ]);
  // Only the identity and its rights: the Deployment would need the image.
  const identity = parseManifest(stdout).filter((o) =>
    ["ServiceAccount", "ClusterRole", "ClusterRoleBinding"].includes(o.kind),
  );
  expect(identity.map((o) => o.kind).sort()).toEqual(["ClusterRole", "ClusterRoleBinding", "ServiceAccount"]);
  rbacManifest = identity.map((o) => JSON.stringify(o)).join("\n---\n");
  await applyManifest(rbacManifest);
  const config = await serviceAccountKubeConfig(kube.core, releaseNs, `${release}-api`);
  asApi = await KubeClient.create(config, { userAgent: "loco-api" });
});

afterAll(async () => {
  asApi?.close();
  await admin?.delete(NAMESPACE, undefined, tenantNamespace(tenant, profile)).catch(() => {});
  await admin?.delete(PROFILE, undefined, profile).catch(() => {});
  admin?.close();
  if (rbacManifest) await deleteManifest(rbacManifest).catch(() => {});
  await kube.cleanup();
});

describe("the API with only the chart's RBAC", () => {
  it("creates a tenant namespace with its quota, default requests, viewer RoleBinding and NetworkPolicy (api/tenant-namespaces.ts)", async () => {
    const name = await ensureTenantNamespace(asApi, {
      tenant,
      profile,
      gatewayNamespace: "gateways",
      quota: { "requests.cpu": "4", "requests.memory": "8Gi" },
      defaultRequests: { cpu: "100m", memory: "128Mi" },
      extraLabels: { "loco.dev/test": "true" },
    });
    expect(name).toBe(tenantNamespace(tenant, profile));
    for (const resource of [RESOURCE_QUOTA, LIMIT_RANGE, ROLE_BINDING, NETWORK_POLICY]) {
      const objects = (await admin.list(resource, name)).items;
      expect(objects, resource.kind).toHaveLength(1);
      const managers = (objects[0]?.metadata.managedFields as { manager?: string }[] | undefined)?.map(
        (f) => f.manager,
      );
      expect(managers).toContain(FIELD_MANAGER);
    }
    // A second call is a no-op apply, as on every tenant request.
    await ensureTenantNamespace(asApi, {
      tenant,
      profile,
      gatewayNamespace: "gateways",
      quota: { "requests.cpu": "4", "requests.memory": "8Gi" },
      defaultRequests: { cpu: "100m", memory: "128Mi" },
      extraLabels: { "loco.dev/test": "true" },
    });
  });

  it("applies, reads and deletes a Profile and an App as loco-api, and reads /readyz", async () => {
    const namespace = tenantNamespace(tenant, profile);
    const profileObject: KubeObject = {
      apiVersion: "loco.dev/v1alpha1",
      kind: "Profile",
      metadata: { name: profile },
      spec: { baseDomain: "apps.example.com", gateway: { name: "public", namespace: "gateways" } },
    };
    await asApi.apply(PROFILE, profileObject, FIELD_MANAGER);
    const app: KubeObject = {
      apiVersion: "loco.dev/v1alpha1",
      kind: "App",
      metadata: { name: "web", namespace },
      spec: { profile, image: "registry.example.com/acme/web:1.0.0", replicas: 1 },
    };
    const applied = await asApi.apply(APP, app, FIELD_MANAGER);
    expect(applied.metadata.uid).toBeTruthy();
    const live = await asApi.get(APP, namespace, "web");
    await asApi.delete(APP, namespace, "web", { uid: live.metadata.uid });
    expect(await admin.find(APP, namespace, "web").then((a) => a?.metadata.deletionTimestamp ?? a)).toBeFalsy();
    expect((await asApi.text("/readyz")).status).toBe(200);
    const profileLive = await asApi.get(PROFILE, undefined, profile);
    await asApi.delete(PROFILE, undefined, profile, { uid: profileLive.metadata.uid });
  });

  it("reads and patches an App's Secret by name, lists Nodes and Pods for the capacity pre-flight", async () => {
    const namespace = tenantNamespace(tenant, profile);
    const node = { group: "", version: "v1", kind: "Node", plural: "nodes", namespaced: false };
    const pod = { group: "", version: "v1", kind: "Pod", plural: "pods", namespaced: true };
    expect((await asApi.list(node)).items.length).toBeGreaterThan(0);
    await asApi.list(pod);
    const secret: KubeObject = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "web-secrets", namespace },
      stringData: { TOKEN: "t" },
    };
    await asApi.apply(SECRET, secret, FIELD_MANAGER);
    expect((await asApi.get(SECRET, namespace, "web-secrets")).data).toHaveProperty("TOKEN");
    await admin.delete(SECRET, namespace, "web-secrets");
  });

  it("is refused what the API never does: status writes, listing Secrets, namespace deletes, other roles' bindings", async () => {
    const namespace = tenantNamespace(tenant, profile);
    expect(
      await statusOf(() =>
        asApi.apply(
          APP,
          { apiVersion: "loco.dev/v1alpha1", kind: "App", metadata: { name: "web", namespace }, status: {} },
          FIELD_MANAGER,
          "status",
        ),
      ),
    ).toBe(403);
    expect(await statusOf(() => asApi.list(SECRET, namespace))).toBe(403);
    expect(await statusOf(() => asApi.delete(NAMESPACE, undefined, namespace))).toBe(403);
    // Binding cluster-admin (rather than view) in a tenant namespace is an escalation the role does not allow.
    expect(
      await statusOf(() =>
        asApi.apply(
          ROLE_BINDING,
          {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "RoleBinding",
            metadata: { name: "escalate", namespace },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
            subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "anyone" }],
          },
          FIELD_MANAGER,
        ),
      ),
    ).toBe(403);
  });
});
