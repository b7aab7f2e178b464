// One deployment id per pod template, even when the operator's Deployment cache lags its own writes.
//
// Each kind has its own watch, so the event of the App's status write can reach the operator before the event of
// the Deployment the same reconcile applied just before it (under load, by tens of milliseconds; the GitOps drill
// that re-creates Apps while Argo CD applies them saw it as two deployments of one new App, minted ~30 ms apart).
// Here the App reconciler runs against the real apiserver with caches whose Deployment watches never deliver: the
// lag at its longest. A reconcile that trusted the cache would mint a new id every time.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP } from "../../crds/kinds.ts";
import { KubeClient } from "../../kube/kube-client.ts";
import { silentLogger } from "../../kube/logger.ts";
import { DEPLOYMENT } from "../../kube/resources.ts";
import type { KubeObject, ObjectKey } from "../../kube/types.ts";
import { allInformers, createCaches, type WorldCaches } from "../../operator/caches.ts";
import { createAppReconciler } from "../../operator/reconcilers/app/reconcile.ts";
import { addAppIndexes } from "../../operator/reconcilers/app/wiring.ts";
import { EventRecorder } from "../../operator/runtime/events.ts";
import { eventually, type TestKube, testKube } from "../support/kube.ts";
import { newShard, SHARD_LABEL, testKubeConfig } from "../support/operator.ts";

const shard = newShard();
const labels = { [SHARD_LABEL]: shard };
const profileName = `lag-${shard}`;
let kube: TestKube;
let client: KubeClient;
let caches: WorldCaches;
let ns: string;
const minted: string[] = [];

beforeAll(async () => {
  kube = testKube();
  ns = await kube.namespace("lag");
  await kube.apply({
    apiVersion: "loco.dev/v1alpha1",
    kind: "Profile",
    metadata: { name: profileName, labels },
    // No Gateway: the App here has no ports, so no route.
    spec: { baseDomain: "apps.example.com", gateway: { name: "public", namespace: ns } },
  });
  client = await KubeClient.create(testKubeConfig());
  caches = createCaches(client, {}, `${SHARD_LABEL}=${shard}`);
  addAppIndexes(caches);
  // Every cache but the Deployments' (full and metadata-only): those never see the Deployment written.
  const lagging = new Set([caches.deployments, caches.existing.deployments]);
  const started = allInformers(caches).filter((informer) => !lagging.has(informer));
  for (const informer of started) informer.start();
  await Promise.all(started.map((informer) => informer.waitForSync()));
});

afterAll(async () => {
  await Promise.all(allInformers(caches ?? ({} as WorldCaches)).map((informer) => informer.stop()));
  client?.close();
  await kube.objects
    .delete({ apiVersion: "loco.dev/v1alpha1", kind: "Profile", metadata: { name: profileName } })
    .catch(() => {});
  await kube.cleanup();
});

/** Reconciles `key` until a pass acts (one that waits for its last status write to reach the cache retries). */
async function reconcileActing(reconcile: (key: ObjectKey) => Promise<unknown>, key: ObjectKey): Promise<void> {
  await eventually(`a reconcile of ${key} that acts`, async () => {
    const result = (await reconcile(key)) as { requeueAfterMs?: number } | undefined;
    return result?.requeueAfterMs === undefined ? true : undefined;
  });
}

describe("the App reconciler with a Deployment cache that lags its writes", () => {
  it("mints one deployment id for a new App however often it is reconciled, and a new one for a new template", async () => {
    const { reconcile } = createAppReconciler({
      client,
      caches,
      events: new EventRecorder(client, "loco-operator-test", silentLogger),
      log: silentLogger,
      now: () => new Date(),
      newDeploymentId: () => {
        const id = `01JZZ${String(minted.length).padStart(21, "0")}`;
        minted.push(id);
        return id;
      },
    });
    const app = (image: string): KubeObject => ({
      apiVersion: "loco.dev/v1alpha1",
      kind: "App",
      metadata: { name: "web", namespace: ns, labels },
      spec: { profile: profileName, image },
    });
    const key = `${ns}/web`;
    const deploymentId = async () =>
      ((await client.get(APP, ns, "web")).status as { deploymentId?: string } | undefined)?.deploymentId;
    const annotated = async () =>
      (await client.get(DEPLOYMENT, ns, "web")).metadata.annotations?.["loco.dev/deployment-id"];

    await kube.apply(app("registry.example.com/acme/web:1.0.0"));
    await eventually("the App in the cache", async () => caches.apps.get(key));
    for (let i = 0; i < 4; i++) await reconcileActing(reconcile, key);
    expect(minted).toHaveLength(1);
    expect(await deploymentId()).toBe(minted[0]);
    expect(await annotated()).toBe(minted[0]);

    // A real change of the pod template is still a new deployment — once.
    await kube.apply(app("registry.example.com/acme/web:1.1.0"));
    await eventually("the new image in the cache", async () =>
      (caches.apps.get(key)?.spec as { image?: string } | undefined)?.image?.endsWith(":1.1.0") ? true : undefined,
    );
    for (let i = 0; i < 4; i++) await reconcileActing(reconcile, key);
    expect(minted).toHaveLength(2);
    expect(await deploymentId()).toBe(minted[1]);
    expect(await annotated()).toBe(minted[1]);
  });
});
