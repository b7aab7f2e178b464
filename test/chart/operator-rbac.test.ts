// The operator's RBAC in charts/loco, proven by use: the real operator runs in-process as a ServiceAccount that
// holds only the chart's ClusterRole and leader-election Role (a TokenRequest token, no client certificate), and
// must still campaign for its Lease, converge an App to Ready and a one-off Run to Succeeded (with the mirror, its
// logs captured into the database) without a single 403 — while requests outside the role are denied.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP, PROFILE, RUN } from "../../crds/kinds.ts";
import { connectDatabase } from "../../db/connect.ts";
import { TaskLogStore } from "../../db/task-logs.ts";
import { KubeClient } from "../../kube/kube-client.ts";
import { silentLogger } from "../../kube/logger.ts";
import { CONFIG_MAP, DEPLOYMENT, JOB, LEASE, NAMESPACE, SECRET, SERVICE } from "../../kube/resources.ts";
import type { KubeObject } from "../../kube/types.ts";
import type { RunningOperator } from "../../operator/operator.ts";
import { startOperator } from "../../operator/operator.ts";
import { type CannedLogs, cannedLogs } from "../support/canned-logs.ts";
import { createTestDatabase } from "../support/database.ts";
import { chartDir, helm } from "../support/helm.ts";
import { eventually, type TestKube, testKube } from "../support/kube.ts";
import { newShard, SHARD_LABEL, testKubeConfig } from "../support/operator.ts";
import { applyManifest, deleteManifest, serviceAccountKubeConfig, statusOf } from "../support/service-account.ts";

type Condition = { type: string; status: string; reason: string; message: string };
const condition = (object: KubeObject | undefined, type: string) =>
  ((object?.status as { conditions?: Condition[] } | undefined)?.conditions ?? []).find((c) => c.type === type);

const variants = [
  { name: "without a database", database: false },
  // The mirror adds informers (tenant parents, Events) and a read of kube-system: the chart adds their rules.
  { name: "with the Postgres mirror", database: true },
] as const;

describe.each(variants)("the operator with only the chart's RBAC, $name", ({ database }) => {
  let kube: TestKube;
  let operator: RunningOperator;
  /** The ServiceAccount's own client, without the operator's metrics: for the requests that must be denied. */
  let asOperator: KubeClient;
  let admin: KubeClient;
  let rbacManifest: string;
  let releaseNs: string;
  let tenantNs: string;
  let gatewayNs: string;
  let testDatabase: { url: string; drop(): Promise<void> } | undefined;
  let logs: CannedLogs | undefined;
  const shard = newShard();
  const labels = { [SHARD_LABEL]: shard };
  const release = `loco-rbac-${shard}`;
  const profileName = `rbac-${shard}`;

  beforeAll(async () => {
    kube = testKube();
    admin = await KubeClient.create(testKubeConfig());
    releaseNs = await kube.namespace("rbac-loco");
    tenantNs = await kube.namespace("rbac-tenant");
    gatewayNs = await kube.namespace("rbac-gw");
    await kube.core.patchNamespace({
      name: tenantNs,
      body: [{ op: "add", path: "/metadata/labels/loco.dev~1tenant", value: "acme" }],
    });
    await kube.apply({
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "Gateway",
      metadata: { name: "public", namespace: gatewayNs },
      spec: {
        gatewayClassName: "envoy",
        listeners: [{ name: "http", port: 80, protocol: "HTTP", allowedRoutes: { namespaces: { from: "All" } } }],
      },
    });
    await kube.apply({
      apiVersion: "loco.dev/v1alpha1",
      kind: "Profile",
      metadata: { name: profileName, labels },
      spec: {
        baseDomain: "apps.example.com",
        gateway: { name: "public", namespace: gatewayNs },
        defaults: { cpu: "100m", memory: "128Mi", replicas: 1, idleTimeout: "120s" },
        limits: { maxCpu: "8", maxMemory: "8Gi", maxReplicas: 10 },
      },
    });

    // Exactly the chart's operator identity and rights (leader election on, as by default).
    ({ stdout: rbacManifest } = await helm([
      "template",
      release,
      chartDir,
      "--namespace",
      releaseNs,
      ...(database ? ["--set", "database.existingSecret=loco-database"] : []),
      "--show-only",
      "templates/operator-serviceaccount.yaml",
      "--show-only",
      "templates/operator-rbac.yaml",
    ]));
    await applyManifest(rbacManifest);
    const saConfig = await serviceAccountKubeConfig(kube.core, releaseNs, `${release}-operator`);
    asOperator = await KubeClient.create(saConfig);
    testDatabase = database ? await createTestDatabase("rbac") : undefined;
    // With the mirror, the operator captures the one-off Run's output (pods/log) into the database.
    logs = database
      ? await cannedLogs({
          namespace: tenantNs,
          containers: { "run-task": [{ time: "2026-01-01T00:00:00.000000001Z", line: "migrated 3 tables" }] },
        })
      : undefined;
    operator = await startOperator({
      kubeConfig: saConfig,
      log: silentLogger,
      selector: `${SHARD_LABEL}=${shard}`,
      concurrency: 4,
      resyncMs: 0,
      // The kwok annotations that steer the one-off Run's pod are allowed like on any test platform.
      batch: { minTimeoutMs: 1000, allowedPodAnnotations: ["loco.dev/test-*"] },
      // The chart's flags: the Lease loco-operator in the release namespace.
      leaderElection: { namespace: releaseNs, leaseName: "loco-operator" },
      ...(testDatabase ? { databaseUrl: testDatabase.url } : {}),
    });
    await operator.leading;
  });

  afterAll(async () => {
    await operator?.stop();
    await testDatabase?.drop();
    await logs?.remove();
    asOperator?.close();
    await admin?.delete(PROFILE, undefined, profileName).catch(() => {});
    admin?.close();
    if (rbacManifest) await deleteManifest(rbacManifest).catch(() => {});
    await kube.cleanup();
  });

  it("leads through its Lease in the release namespace", async () => {
    expect(operator.isLeader()).toBe(true);
    const lease = await admin.get<KubeObject & { spec: { holderIdentity?: string } }>(
      LEASE,
      releaseNs,
      "loco-operator",
    );
    expect(lease.spec.holderIdentity).toBeTruthy();
  });

  it("converges a Profile and an App to Ready, creating the App's children", async () => {
    await kube.apply({
      apiVersion: "loco.dev/v1alpha1",
      kind: "App",
      metadata: { name: "shop", namespace: tenantNs, labels },
      spec: {
        profile: profileName,
        image: "registry.example.com/acme/shop:1.0.0",
        ports: [{ name: "http", port: 8080, protocol: "HTTP" }],
        replicas: 1,
        secretEnv: [{ name: "DB_PASSWORD", secretKey: "db-password" }],
      },
    });
    const app = await eventually(
      "App shop Ready",
      async () => {
        const live = await admin.find(APP, tenantNs, "shop");
        return condition(live, "Ready")?.status === "True" ? live : undefined;
      },
      { timeoutMs: 90_000 },
    );
    expect(condition(app, "Ready")?.reason).toBe("Available");
    expect(condition(await admin.get(PROFILE, undefined, profileName), "Ready")?.status).toBe("True");
    for (const resource of [DEPLOYMENT, SERVICE, SECRET]) {
      const name = resource === SECRET ? "shop-secrets" : "shop";
      expect(await admin.find(resource, tenantNs, name), `${resource.kind} ${name}`).toBeDefined();
    }
  });

  it("runs a one-off Run to Succeeded through a Job", async () => {
    await kube.apply({
      apiVersion: "loco.dev/v1alpha1",
      kind: "Run",
      metadata: { name: "migrate", namespace: tenantNs, labels },
      spec: {
        task: {
          image: "registry.example.com/acme/shop:1.0.0",
          command: ["./manage", "migrate"],
          timeout: "10m",
          podAnnotations: { "loco.dev/test-duration": "300ms" },
        },
      },
    });
    const run = await eventually(
      "Run migrate finished",
      async () => {
        const live = await admin.find(RUN, tenantNs, "migrate");
        return ["True", "False"].includes(condition(live, "Succeeded")?.status ?? "") ? live : undefined;
      },
      { timeoutMs: 90_000 },
    );
    expect(condition(run, "Succeeded")).toMatchObject({ status: "True", reason: "Completed" });
    expect((await admin.list(JOB, tenantNs, { labelSelector: "loco.dev/run=migrate" })).items).toHaveLength(1);
    if (!testDatabase) return;
    const reader = await connectDatabase<unknown>(testDatabase.url);
    try {
      const lines = await eventually("the Run's logs in the database", async () => {
        const found = await new TaskLogStore(reader.db).forRun(tenantNs, "migrate");
        return found.length > 0 ? found : undefined;
      });
      expect(lines.map((l) => [l.task, l.line])).toEqual([["run-task", "migrated 3 tables"]]);
    } finally {
      await reader.close();
    }
  });

  it("was never denied while converging (no 403 among its requests)", async () => {
    const requests = await operator.metrics.registry.getSingleMetric("rest_client_requests_total")?.get();
    const codes = new Set(requests?.values.map((v) => String(v.labels.code)));
    expect(codes.has("200") || codes.has("201")).toBe(true);
    // (404, 409 and a 429 from a watch cache still initialising are ordinary; a denial is 401 or 403.)
    expect([...codes].filter((code) => code === "401" || code === "403")).toEqual([]);
  });

  it("is denied what the role does not grant", async () => {
    // Deleting a namespace, listing ConfigMaps cluster-wide, reading a Secret's data, writing an App's spec.
    expect(await statusOf(() => asOperator.delete(NAMESPACE, undefined, tenantNs))).toBe(403);
    expect(await statusOf(() => asOperator.list(CONFIG_MAP))).toBe(403);
    expect(await statusOf(() => asOperator.get(SECRET, tenantNs, "shop-secrets"))).toBe(403);
    expect(
      await statusOf(() =>
        asOperator.apply(
          APP,
          {
            apiVersion: "loco.dev/v1alpha1",
            kind: "App",
            metadata: { name: "shop", namespace: tenantNs },
            spec: { replicas: 3 },
          },
          "loco-operator",
        ),
      ),
    ).toBe(403);
    // A Lease other than its own.
    expect(await statusOf(() => asOperator.get(LEASE, releaseNs, "someone-else"))).toBe(403);
    // Sanity: the same client is allowed what the role grants.
    expect((await asOperator.list(APP, tenantNs)).items.map((a) => a.metadata.name)).toEqual(["shop"]);
  });
});
