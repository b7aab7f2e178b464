// The resurrector's RBAC in charts/loco, for what it reads: as a ServiceAccount holding only the chart's
// resurrector ClusterRole, `probe` finds the cluster ready (apiserver, CRDs, kube-system, sentinel, every kind it
// restores) and `plan` reads the whole live state against a database. Its writes (create/patch, escalate/bind on
// RBAC) are not exercised here: applying into the shared test cluster would disturb other test files.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectDatabase, type DatabaseHandle } from "../../db/connect.ts";
import { migrateToLatest } from "../../db/migrate.ts";
import { KubeClient } from "../../kube/kube-client.ts";
import { CONFIG_MAP, NAMESPACE, SECRET } from "../../kube/resources.ts";
import { plan, probe } from "../../resurrector/resurrect.ts";
import { createTestDatabase } from "../support/database.ts";
import { chartDir, helm, parseManifest } from "../support/helm.ts";
import { type TestKube, testKube } from "../support/kube.ts";
import { newShard } from "../support/operator.ts";
import { applyManifest, deleteManifest, serviceAccountKubeConfig, statusOf } from "../support/service-account.ts";

const release = `loco-res-${newShard()}`;
let kube: TestKube;
let asResurrector: KubeClient;
let releaseNs: string;
let manifest: string;
let testDatabase: { url: string; drop(): Promise<void> };
let database: DatabaseHandle<unknown>;

beforeAll(async () => {
  kube = testKube();
  releaseNs = await kube.namespace("res-rbac");
  const { stdout } = await helm([
    "template",
    release,
    chartDir,
    "--namespace",
    releaseNs,
    "--set",
    "resurrector.enabled=true",
    "--set",
    "database.existingSecret=loco-database",
    "--show-only",
    "templates/resurrector.yaml",
  ]);
  const identity = parseManifest(stdout).filter((o) =>
    ["ServiceAccount", "ClusterRole", "ClusterRoleBinding"].includes(o.kind),
  );
  expect(identity).toHaveLength(3);
  manifest = identity.map((o) => JSON.stringify(o)).join("\n---\n");
  await applyManifest(manifest);
  asResurrector = await KubeClient.create(
    await serviceAccountKubeConfig(kube.core, releaseNs, `${release}-resurrector`),
    {
      userAgent: "loco-resurrector",
    },
  );
  testDatabase = await createTestDatabase("loco_res_rbac");
  database = await connectDatabase<unknown>(testDatabase.url);
  await migrateToLatest(database.db);
});

afterAll(async () => {
  asResurrector?.close();
  await database?.close();
  await testDatabase?.drop();
  if (manifest) await deleteManifest(manifest).catch(() => {});
  await kube.cleanup();
});

describe("the resurrector with only the chart's RBAC", () => {
  it("probes the cluster and plans a restore without being refused anything", async () => {
    const context = { client: asResurrector, server: "test", db: database.db, keyRing: undefined };
    const health = await probe(context);
    expect(health.problem).toBeUndefined();
    expect(health.ready).toBe(true);
    expect(health.clusterUid).toBeTruthy();
    const result = await plan(context, { force: false });
    expect(result.health.ready).toBe(true);
  });

  it("never deletes, and reads only its own ConfigMap", async () => {
    expect(await statusOf(() => asResurrector.delete(NAMESPACE, undefined, releaseNs))).toBe(403);
    expect(await statusOf(() => asResurrector.delete(SECRET, releaseNs, "anything"))).toBe(403);
    expect(await statusOf(() => asResurrector.list(CONFIG_MAP))).toBe(403);
  });
});
