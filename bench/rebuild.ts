// Rebuild time: how long the resurrector takes to restore N Apps (with their secret values, namespaces, quotas,
// RBAC, Profiles and loco's CRDs) into an empty cluster, against its floor — applying the very same manifests
// directly with `kubectl apply --server-side` (what a user with a folder of YAML would do) — measured on the
// same control plane in the same run. A second floor, the same requests sent by loco's own client at the same
// concurrency without the database, shows what the database read, decryption and planning cost.
//
//   npm run bench:rebuild           (BENCH_APPS=500)
//
// Prints its figures and writes bench/results/rebuild.json (seconds, floorSeconds, ratio, …).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { sql } from "kysely";
import { stringify } from "yaml";
import { LABEL_APP } from "../crds/app-names.ts";
import { connectDatabase } from "../db/connect.ts";
import { parseKeyRing } from "../db/secret-crypto.ts";
import {
  kubectl,
  restartWithEmptyEtcd,
  startControlPlane,
  stopControlPlane,
  waitForCrdsEstablished,
} from "../hack/control-plane/control-plane.ts";
import { KubeClient } from "../kube/kube-client.ts";
import { silentLogger } from "../kube/logger.ts";
import { RESOURCE_QUOTA, ROLE_BINDING, SECRET } from "../kube/resources.ts";
import type { KubeObject } from "../kube/types.ts";
import { startOperator } from "../operator/operator.ts";
import { apply } from "../resurrector/resurrect.ts";
import { applyApps, mapLimit, prepareFleet } from "../test/support/fleet.ts";
import { installLocoCrds } from "../test/support/install-crds.ts";
import { privateServer } from "../test/support/postgres-server.ts";

const appCount = Number(process.env.BENCH_APPS ?? 500);
const concurrency = 16;
const log = (message: string) => process.stdout.write(`${message}\n`);
const KEK = `bench:${Buffer.alloc(32, 7).toString("base64")}`;

const dir = mkdtempSync(join(tmpdir(), "loco-bench-rebuild-"));
const plane = await startControlPlane({ dir, ownerPid: process.pid });
const postgres = await privateServer(process.pid);
try {
  await installLocoCrds(plane.kubeconfig);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(plane.kubeconfig);
  const operator = await startOperator({
    kubeConfig,
    log: silentLogger,
    databaseUrl: postgres.url,
    keyRing: parseKeyRing(KEK, "bench"),
    resyncMs: 0,
  });
  const fleet = await prepareFleet(operator.client, {
    shard: "rebuild",
    shardLabel: "loco.dev/bench-shard",
    apps: appCount,
  });
  // Tenant parents, as the API creates them for each namespace.
  for (const namespace of fleet.namespaces) {
    const labels = { "app.kubernetes.io/managed-by": "loco" };
    await operator.client.apply(
      RESOURCE_QUOTA,
      {
        apiVersion: "v1",
        kind: "ResourceQuota",
        metadata: { name: "tenant-quota", namespace, labels },
        spec: { hard: { pods: "1000" } },
      },
      "bench",
    );
    await operator.client.apply(
      ROLE_BINDING,
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: { name: "tenant-developers", namespace, labels },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "edit" },
        subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: `${namespace}:developers` }],
      },
      "bench",
    );
  }
  const withSecrets = fleet.apps.map((app) => ({
    ...app,
    spec: { ...(app.spec as object), secretEnv: [{ name: "DB_PASSWORD", secretKey: "db-password" }] },
  }));
  await applyApps(operator.client, withSecrets);
  await operator.idle();
  await mapLimit(withSecrets, concurrency, async (app) => {
    const { namespace, name } = app.metadata;
    await operator.client.apply(
      SECRET,
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: `${name}-secrets`, namespace },
        stringData: { "db-password": `pw-${name}` },
      },
      "loco-api",
    );
  });
  const reader = await connectDatabase(postgres.url);
  for (;;) {
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM secret_versions WHERE deleted_at IS NULL`.execute(reader.db);
    if (rows[0]?.n === appCount) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await operator.mirror?.drained();
  // The disaster happens to the cluster, not to the operator's host; stopping it keeps the timing to the rebuild.
  await operator.stop();
  log(`Seeded ${appCount} Apps in ${fleet.namespaces.length} namespaces; wiping etcd`);

  await restartWithEmptyEtcd(dir);
  const client = await KubeClient.create(kubeConfig, { userAgent: "loco-bench" });
  const context = { client, server: plane.server, db: reader.db, keyRing: parseKeyRing(KEK, "bench") };
  const applyStarted = performance.now();
  const restored = await apply(context, { force: false, concurrency });
  // The whole command: the database read, decryption, listing the empty cluster and planning, then the writes.
  const seconds = (performance.now() - applyStarted) / 1000;
  if (restored.outcome.failed.length > 0)
    throw new Error(`Rebuild failed: ${JSON.stringify(restored.outcome.failed[0])}`);
  const writeSeconds = restored.outcome.seconds;
  const manifests = restored.plan.items.filter((i) => i.action === "create").map((i) => i.object as KubeObject);
  log(
    `Resurrector: ${restored.outcome.created} objects in ${seconds.toFixed(2)} s (the writes ${writeSeconds.toFixed(2)} s)`,
  );

  // Floor 1: the same manifests with kubectl (CRDs first, as kubectl cannot map a kind before its CRD exists).
  await restartWithEmptyEtcd(dir);
  const crdFile = join(dir, "crds.yaml");
  const restFile = join(dir, "objects.yaml");
  const docs = (objects: KubeObject[]) => objects.map((o) => stringify(o)).join("---\n");
  writeFileSync(crdFile, docs(manifests.filter((m) => m.kind === "CustomResourceDefinition")));
  writeFileSync(restFile, docs(manifests.filter((m) => m.kind !== "CustomResourceDefinition")));
  const kubectlStarted = performance.now();
  await kubectl(plane, ["apply", "--server-side", "--field-manager=bench", "-f", crdFile]);
  await waitForCrdsEstablished(plane, dir, "app.kubernetes.io/part-of=loco");
  await kubectl(plane, ["apply", "--server-side", "--field-manager=bench", "-f", restFile]);
  const floorSeconds = (performance.now() - kubectlStarted) / 1000;
  log(`kubectl apply --server-side of the same ${manifests.length} manifests: ${floorSeconds.toFixed(2)} s`);

  // Floor 2: the same requests from loco's client at the same concurrency, no database involved: creates, and for
  // each Secret the server-side apply the resurrector sends (so that the API's later applies own its keys and can
  // remove one), owned by its App as there.
  await restartWithEmptyEtcd(dir);
  const fresh = await KubeClient.create(kubeConfig, { userAgent: "loco-bench" });
  const { PHASES, phaseOf, resourceOf } = await import("../resurrector/objects.ts");
  const appUids = new Map<string, string>();
  const clientStarted = performance.now();
  for (const [index] of PHASES.entries()) {
    const phase = manifests.filter((m) => phaseOf(m.kind) === index);
    await mapLimit(phase, concurrency, async (m) => {
      if (m.kind !== "Secret") {
        const created = await fresh.create(resourceOf(m.kind), m, "bench");
        if (m.kind === "App") appUids.set(`${m.metadata.namespace}/${m.metadata.name}`, created.metadata.uid ?? "");
        return;
      }
      const app = m.metadata.labels?.[LABEL_APP] ?? "";
      const uid = appUids.get(`${m.metadata.namespace}/${app}`);
      if (!uid) throw new Error(`Secret ${m.metadata.namespace}/${m.metadata.name}: its App ${app} was not created`);
      const owner = { apiVersion: "loco.dev/v1alpha1", kind: "App", name: app, uid, controller: true };
      await fresh.apply(SECRET, { ...m, metadata: { ...m.metadata, ownerReferences: [owner] } }, "bench");
    });
    if (index === 0) await waitForCrdsEstablished(plane, dir, "app.kubernetes.io/part-of=loco");
  }
  const clientFloorSeconds = (performance.now() - clientStarted) / 1000;
  log(`The same requests from loco's client at concurrency ${concurrency}: ${clientFloorSeconds.toFixed(2)} s`);

  const round = (n: number) => Math.round(n * 1000) / 1000;
  const results = {
    apps: appCount,
    objects: manifests.length,
    seconds: round(seconds),
    writeSeconds: round(writeSeconds),
    floorSeconds: round(floorSeconds),
    ratio: round(seconds / floorSeconds),
    clientFloorSeconds: round(clientFloorSeconds),
    ratioVsClientFloor: round(seconds / clientFloorSeconds),
    writesRatioVsClientFloor: round(writeSeconds / clientFloorSeconds),
    objectsPerSecond: round(manifests.length / seconds),
    concurrency,
  };
  log(
    `Rebuild of ${appCount} Apps (${manifests.length} objects): ${results.seconds} s; kubectl floor ${results.floorSeconds} s (ratio ${results.ratio}); client floor ${results.clientFloorSeconds} s (ratio ${results.ratioVsClientFloor})`,
  );
  const resultsDir = new URL("./results/", import.meta.url).pathname;
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, "rebuild.json"), `${JSON.stringify(results, null, 2)}\n`);
  await reader.close();
  client.close();
  fresh.close();
} finally {
  await postgres.stop();
  await stopControlPlane(dir);
  rmSync(dir, { recursive: true, force: true });
}
