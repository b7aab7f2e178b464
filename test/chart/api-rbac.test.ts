// The API's RBAC in charts/loco, proven by use: as a ServiceAccount holding only what the chart grants the API (its
// ClusterRole, its tenant ClusterRole through the RoleBinding it applies itself, and the admission policies that hold
// it to tenant namespaces; a TokenRequest token), the API's own code creates a tenant namespace with its quota,
// RoleBindings and NetworkPolicy, deploys an App, writes its env Secret and reads a pod's log there — while it can
// neither read nor write a Secret anywhere else, bind itself into kube-system, label kube-system as a tenant's, nor
// delete a namespace that is not a tenant's.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appNamespace } from "../../api/app-namespace.ts";
import type { ApiServices } from "../../api/server.ts";
import { grantApiAccessToTenantNamespaces } from "../../api/tenant-api-access.ts";
import { type ApiAccess, ensureTenantNamespace, FIELD_MANAGER, tenantNamespace } from "../../api/tenant-namespaces.ts";
import { APP, PROFILE } from "../../crds/kinds.ts";
import { KubeClient } from "../../kube/kube-client.ts";
import { silentLogger } from "../../kube/logger.ts";
import { execInPod } from "../../kube/pod-exec.ts";
import { readPodLog } from "../../kube/pod-log.ts";
import { LIMIT_RANGE, NAMESPACE, NETWORK_POLICY, RESOURCE_QUOTA, ROLE_BINDING, SECRET } from "../../kube/resources.ts";
import type { KubeObject, ResourceType } from "../../kube/types.ts";
import { type LocalExec, localExec } from "../support/canned-exec.ts";
import { type CannedLogs, cannedLogs } from "../support/canned-logs.ts";
import { chartDir, helm, parseManifest } from "../support/helm.ts";
import { eventually, type TestKube, testKube } from "../support/kube.ts";
import { newShard, testKubeConfig } from "../support/operator.ts";
import { applyManifest, deleteManifest, serviceAccountKubeConfig, statusOf } from "../support/service-account.ts";

const shard = newShard();
const release = `loco-api-rbac-${shard}`;
const tenant = `t${shard}`;
const profile = `p${shard}`;
const POD: ResourceType = { group: "", version: "v1", kind: "Pod", plural: "pods", namespaced: true };
let kube: TestKube;
let admin: KubeClient;
let asApi: KubeClient;
let asApiConfig: Awaited<ReturnType<typeof serviceAccountKubeConfig>>;
let releaseNs: string;
/** A namespace that is not a tenant's, with a Secret in it. */
let otherNs: string;
let access: ApiAccess;
let rbacManifest: string;
let logs: CannedLogs | undefined;
let exec: LocalExec | undefined;

const secret = (namespace: string, name: string): KubeObject => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name, namespace },
  stringData: { TOKEN: "t" },
});
const bindingOfTenantRole = (namespace: string): KubeObject => ({
  apiVersion: "rbac.authorization.k8s.io/v1",
  kind: "RoleBinding",
  metadata: { name: "loco-api", namespace },
  roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: access.clusterRole },
  subjects: [{ kind: "ServiceAccount", ...access.serviceAccount }],
});
const tenantLabels = { "loco.dev/tenant": tenant, "loco.dev/profile": profile, "app.kubernetes.io/managed-by": "loco" };

beforeAll(async () => {
  kube = testKube();
  admin = await KubeClient.create(testKubeConfig());
  releaseNs = await kube.namespace("api-rbac");
  otherNs = await kube.namespace("api-rbac-other");
  await admin.apply(SECRET, secret(otherNs, "web-secrets"), "loco-test");
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
    "--show-only",
    "templates/api-admission.yaml",
  ]);
  const rendered = parseManifest(stdout);
  // Only the identity, its rights and its admission policies: the Deployment would need the image.
  const identity = rendered.filter((o) =>
    [
      "ServiceAccount",
      "ClusterRole",
      "ClusterRoleBinding",
      "ValidatingAdmissionPolicy",
      "ValidatingAdmissionPolicyBinding",
    ].includes(o.kind),
  );
  expect(identity.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
    `ClusterRole/${release}-api`,
    `ClusterRole/${release}-api-tenant`,
    `ClusterRoleBinding/${release}-api`,
    `ServiceAccount/${release}-api`,
    `ValidatingAdmissionPolicy/${release}-api-tenant-namespace-labels`,
    `ValidatingAdmissionPolicy/${release}-api-tenant-namespaces-only`,
    `ValidatingAdmissionPolicyBinding/${release}-api-tenant-namespace-labels`,
    `ValidatingAdmissionPolicyBinding/${release}-api-tenant-namespaces-only`,
  ]);
  // The API is told which ClusterRole to bind to which ServiceAccount in tenant namespaces.
  const args = (
    rendered.find((o) => o.kind === "Deployment") as unknown as {
      spec: { template: { spec: { containers: { args: string[] }[] } } };
    }
  ).spec.template.spec.containers[0]!.args;
  expect(args).toEqual(
    expect.arrayContaining([`--tenant-role=${release}-api-tenant`, `--service-account=${releaseNs}/${release}-api`]),
  );
  access = { clusterRole: `${release}-api-tenant`, serviceAccount: { namespace: releaseNs, name: `${release}-api` } };
  rbacManifest = identity.map((o) => JSON.stringify(o)).join("\n---\n");
  await applyManifest(rbacManifest);
  asApiConfig = await serviceAccountKubeConfig(kube.core, releaseNs, `${release}-api`);
  asApi = await KubeClient.create(asApiConfig, { userAgent: "loco-api" });
  // The apiserver compiles and loads new admission policies asynchronously: wait until they hold.
  await eventually(
    "the admission policies in force",
    async () =>
      (await statusOf(() =>
        asApi.apply(
          NAMESPACE,
          { apiVersion: "v1", kind: "Namespace", metadata: { name: `unlabelled-${shard}` } },
          FIELD_MANAGER,
        ),
      )) === 403
        ? true
        : undefined,
    { timeoutMs: 30_000 },
  ).finally(() => admin.delete(NAMESPACE, undefined, `unlabelled-${shard}`).catch(() => {}));
});

afterAll(async () => {
  await logs?.remove();
  await exec?.remove();
  asApi?.close();
  await admin?.delete(NAMESPACE, undefined, tenantNamespace(tenant, profile)).catch(() => {});
  await admin?.delete(PROFILE, undefined, profile).catch(() => {});
  admin?.close();
  if (rbacManifest) await deleteManifest(rbacManifest).catch(() => {});
  await kube.cleanup();
});

describe("the API with only the chart's RBAC", () => {
  it("creates a tenant namespace with its quota, default requests, RoleBindings and NetworkPolicy (api/tenant-namespaces.ts)", async () => {
    const input = {
      tenant,
      profile,
      gatewayNamespace: "gateways",
      quota: { "requests.cpu": "4", "requests.memory": "8Gi" },
      defaultRequests: { cpu: "100m", memory: "128Mi" },
      extraLabels: { "loco.dev/test": "true" },
      podSecurity: "restricted" as const,
      apiAccess: access,
    };
    const name = await ensureTenantNamespace(asApi, input);
    expect(name).toBe(tenantNamespace(tenant, profile));
    // The chart's admission policy lets the API set the Pod Security Admission labels.
    const namespace = await admin.find(NAMESPACE, undefined, name);
    expect(namespace?.metadata.labels?.["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    for (const [resource, count] of [
      [RESOURCE_QUOTA, 1],
      [LIMIT_RANGE, 1],
      [ROLE_BINDING, 2],
      [NETWORK_POLICY, 1],
    ] as const) {
      const objects = (await admin.list(resource, name)).items;
      expect(objects, resource.kind).toHaveLength(count);
      for (const object of objects) {
        const managers = (object.metadata.managedFields as { manager?: string }[] | undefined)?.map((f) => f.manager);
        expect(managers).toContain(FIELD_MANAGER);
      }
    }
    // A second call is a no-op apply, as on every namespace ensure.
    await ensureTenantNamespace(asApi, input);
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

  it("writes and reads an App's env Secret and reads a pod's log in the tenant namespace, lists Nodes and Pods", async () => {
    const namespace = tenantNamespace(tenant, profile);
    const node = { group: "", version: "v1", kind: "Node", plural: "nodes", namespaced: false };
    expect((await asApi.list(node)).items.length).toBeGreaterThan(0);
    await asApi.list(POD);
    // Its rights there come from the RoleBinding it applied itself, which the authorizer learns of asynchronously.
    await eventually("the tenant RoleBinding in force", async () =>
      (await statusOf(() => asApi.apply(SECRET, secret(namespace, "web-secrets"), FIELD_MANAGER))) === 200
        ? true
        : undefined,
    );
    expect((await asApi.get(SECRET, namespace, "web-secrets")).data).toHaveProperty("TOKEN");

    logs = await cannedLogs({ namespace, containers: { app: [{ time: new Date(), line: "served a request" }] } });
    await admin.create(
      POD,
      {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "web-0", namespace },
        // The tenant namespace enforces the restricted Pod Security Standard (api/tenant-namespaces.ts).
        spec: {
          securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
          containers: [
            {
              name: "app",
              image: "registry.example.com/acme/web:1.0.0",
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
            },
          ],
        },
      },
      "loco-test",
    );
    await eventually("the pod running", async () =>
      (await admin.get<KubeObject & { status?: { phase?: string } }>(POD, namespace, "web-0")).status?.phase ===
      "Running"
        ? true
        : undefined,
    );
    expect(await readPodLog(asApiConfig, { namespace, pod: "web-0", container: "app" })).toContain("served a request");
    // `loco exec`: create on pods/exec, through the WebSocket the API opens.
    exec = await localExec({ namespace });
    let out = "";
    const result = await execInPod(asApiConfig, { namespace, pod: "web-0", container: "app" }, ["echo", "exec-ok"], {
      stdout: (chunk) => {
        out += chunk.toString();
      },
      stderr: () => {},
    });
    expect(result.exitCode).toBe(0);
    expect(out).toBe("exec-ok\n");
  });

  it("binds itself at start-up in the tenant namespaces that predate its RoleBinding (an upgrade), and only there", async () => {
    // A tenant namespace made before the API bound itself in tenant namespaces: no loco-api RoleBinding.
    const older = `o${shard}-${profile}`;
    const labels = { ...tenantLabels, "loco.dev/tenant": `o${shard}`, "loco.dev/rbac-test": shard };
    await admin.apply(
      NAMESPACE,
      { apiVersion: "v1", kind: "Namespace", metadata: { name: older, labels } },
      "loco-test",
    );
    try {
      expect(await statusOf(() => asApi.get(SECRET, older, "web-secrets"))).toBe(403);
      // Narrowed by the object labels to this test's namespace (the shared cluster holds other tests' tenants).
      const result = await grantApiAccessToTenantNamespaces(
        asApi,
        access,
        { "loco.dev/rbac-test": shard },
        silentLogger,
      );
      expect(result).toEqual({ granted: 1, failed: 0 });
      await eventually("the RoleBinding in force", async () =>
        (await statusOf(() => asApi.get(SECRET, older, "web-secrets"))) === 404 ? true : undefined,
      );
      expect(await admin.find(ROLE_BINDING, otherNs, "loco-api")).toBeUndefined();
    } finally {
      await admin.delete(NAMESPACE, undefined, older).catch(() => {});
    }
  });

  it("binds itself in a tenant namespace made outside the API (GitOps) on the first write through it", async () => {
    const gitops = `g${shard}`;
    const namespace = tenantNamespace(gitops, profile);
    const labels = { ...tenantLabels, "loco.dev/tenant": gitops };
    await admin.apply(
      NAMESPACE,
      { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace, labels } },
      "loco-test",
    );
    try {
      expect(await statusOf(() => asApi.get(SECRET, namespace, "web-secrets"))).toBe(403);
      // The namespace exists and is the tenant's, so the database (Profiles) is never consulted.
      const services = { kube: asApi, config: { apiAccess: access, objectLabels: {} } } as unknown as ApiServices;
      expect(await appNamespace(services, gitops, profile)).toBe(namespace);
      await eventually("the RoleBinding in force", async () =>
        (await statusOf(() => asApi.get(SECRET, namespace, "web-secrets"))) === 404 ? true : undefined,
      );
    } finally {
      await admin.delete(NAMESPACE, undefined, namespace).catch(() => {});
    }
  });

  it("cannot read or write a Secret, or read a pod's log, in kube-system or any namespace that is not a tenant's", async () => {
    for (const namespace of ["kube-system", releaseNs, otherNs]) {
      expect(await statusOf(() => asApi.get(SECRET, namespace, "web-secrets")), namespace).toBe(403);
      expect(await statusOf(() => asApi.list(SECRET, namespace)), namespace).toBe(403);
      expect(await statusOf(() => asApi.apply(SECRET, secret(namespace, "planted"), FIELD_MANAGER)), namespace).toBe(
        403,
      );
      expect((await asApi.text(`/api/v1/namespaces/${namespace}/pods/any/log`)).status, namespace).toBe(403);
      const noop = { stdout: () => {}, stderr: () => {} };
      await expect(
        execInPod(asApiConfig, { namespace, pod: "any", container: "app" }, ["true"], noop),
        namespace,
      ).rejects.toThrow(/403/);
    }
    // Not even in the tenant's own namespace does it list Secrets: it reads them by name only.
    expect(await statusOf(() => asApi.list(SECRET, tenantNamespace(tenant, profile)))).toBe(403);
  });

  it("cannot bind itself (or anyone) into kube-system or another namespace that is not a tenant's", async () => {
    for (const namespace of ["kube-system", otherNs]) {
      expect(
        await statusOf(() => asApi.apply(ROLE_BINDING, bindingOfTenantRole(namespace), FIELD_MANAGER)),
        namespace,
      ).toBe(403);
      expect(await admin.find(ROLE_BINDING, namespace, "loco-api"), namespace).toBeUndefined();
    }
    // Nor grant a role it was not given the right to bind, even in a tenant namespace.
    const escalate = {
      ...bindingOfTenantRole(tenantNamespace(tenant, profile)),
      metadata: { name: "escalate", namespace: tenantNamespace(tenant, profile) },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
    };
    expect(await statusOf(() => asApi.apply(ROLE_BINDING, escalate, FIELD_MANAGER))).toBe(403);
  });

  it("cannot make kube-system (or any namespace) a tenant's, nor move a tenant namespace to another tenant", async () => {
    for (const namespace of ["kube-system", otherNs]) {
      const relabel = { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace, labels: tenantLabels } };
      expect(await statusOf(() => asApi.apply(NAMESPACE, relabel, FIELD_MANAGER)), namespace).toBe(403);
      expect((await admin.get(NAMESPACE, undefined, namespace)).metadata.labels?.["loco.dev/tenant"]).toBeUndefined();
    }
    const moved = {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: tenantNamespace(tenant, profile), labels: { ...tenantLabels, "loco.dev/tenant": "intruder" } },
    };
    expect(await statusOf(() => asApi.apply(NAMESPACE, moved, FIELD_MANAGER))).toBe(403);
    // A namespace it creates must be a tenant's, named <tenant>-<profile>.
    const misnamed = {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: `not-${shard}`, labels: tenantLabels },
    };
    expect(await statusOf(() => asApi.apply(NAMESPACE, misnamed, FIELD_MANAGER))).toBe(403);
  });

  it("is refused status writes, and deletes only tenant namespaces (deleting a tenant)", async () => {
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
    for (const other of ["kube-system", otherNs]) {
      expect(await statusOf(() => asApi.delete(NAMESPACE, undefined, other)), other).toBe(403);
      expect((await admin.get(NAMESPACE, undefined, other)).metadata.deletionTimestamp, other).toBeUndefined();
    }
    // Apps, too, only in tenant namespaces.
    const app: KubeObject = {
      apiVersion: "loco.dev/v1alpha1",
      kind: "App",
      metadata: { name: "web", namespace: otherNs },
      spec: { profile, image: "registry.example.com/acme/web:1.0.0", replicas: 1 },
    };
    expect(await statusOf(() => asApi.apply(APP, app, FIELD_MANAGER))).toBe(403);
    // Last: the tenant namespace itself may go, as when its tenant is deleted.
    expect(await statusOf(() => asApi.delete(NAMESPACE, undefined, namespace))).toBe(200);
    const deleting = await admin.find(NAMESPACE, undefined, namespace);
    expect(deleting === undefined || deleting.metadata.deletionTimestamp !== undefined).toBe(true);
  });
});
