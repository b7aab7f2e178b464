// DESIGN.md §3: "a second reconcile of an unchanged world performs zero API writes" — at fleet scale.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeClient } from "../../kube/kube-client.ts";
import { allInformers } from "../../operator/caches.ts";
import type { RunningOperator } from "../../operator/operator.ts";
import { applyApps, countReady, deleteFleet, type Fleet, prepareFleet, snapshotVersions } from "../support/fleet.ts";
import { eventually } from "../support/kube.ts";
import { newShard, SHARD_LABEL, startTestOperator, testKubeConfig } from "../support/operator.ts";

const APPS = 200;
let client: KubeClient;
let fleet: Fleet;
let operator: RunningOperator;

beforeAll(async () => {
  client = await KubeClient.create(testKubeConfig());
  fleet = await prepareFleet(client, { shard: newShard(), shardLabel: SHARD_LABEL, apps: APPS, namespaces: 4 });
  await applyApps(client, fleet.apps);
  operator = await startTestOperator(fleet.shard);
}, 120_000);

afterAll(async () => {
  await operator?.stop();
  await deleteFleet(client, fleet).catch(() => {});
  client.close();
});

describe(`${APPS} Apps at steady state`, () => {
  it("converge, and a forced resync then sends no write at all", async () => {
    await eventually(
      `all ${APPS} Apps Ready`,
      async () => ((await countReady(client, fleet)) === APPS ? true : undefined),
      // Ready needs kube-controller-manager's ReplicaSet, pod and status writes for each App, at its client's 20
      // requests a second: 109–115 s of a 120 s wait with three suites on two cores (load 15–19), and over it once.
      // The assertions are about what comes after convergence, however long it takes.
      { timeoutMs: 300_000, intervalMs: 1000 },
    );
    await operator.idle();
    // Let the last Deployment status updates arrive and be reconciled.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await operator.idle();

    const before = await snapshotVersions(client, fleet);
    expect(before.size).toBe(APPS * 6);
    const writesBefore = operator.metrics.writes();
    // The caches' own list and watch requests go on in the background (a watch the apiserver ends is resumed, a
    // cache relists after a long silence); they are not the resync's, so they are set apart.
    const cacheRequests = () =>
      allInformers(operator.caches).reduce(
        (sum, informer) => sum + informer.stats.listPages + informer.stats.watches,
        0,
      );
    const getsBefore = (operator.metrics.requestsByMethod().GET ?? 0) - cacheRequests();
    const reconcilesBefore = await totalReconciles(operator);

    operator.resync();
    await operator.idle();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await operator.idle();

    expect(await totalReconciles(operator)).toBeGreaterThanOrEqual(reconcilesBefore + APPS);
    expect(operator.metrics.writes() - writesBefore).toBe(0);
    // Everything is read from the caches: a resync needs no request at all.
    expect((operator.metrics.requestsByMethod().GET ?? 0) - cacheRequests() - getsBefore).toBe(0);
    const after = await snapshotVersions(client, fleet);
    const changed = [...after].filter(([key, version]) => before.get(key) !== version).map(([key]) => key);
    expect(changed).toEqual([]);
  }, 400_000);
});

async function totalReconciles(op: RunningOperator): Promise<number> {
  const metric = await op.metrics.reconcileTotal.get();
  return metric.values.filter((v) => v.labels.controller === "app").reduce((sum, v) => sum + v.value, 0);
}
