// SIGKILL the operator process again and again while 200 Apps converge: everything must still converge, with
// exactly one of each child, no orphan, and no spurious extra rollout.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP } from "../../crds/kinds.ts";
import { KubeClient } from "../../kube/kube-client.ts";
import { DEPLOYMENT } from "../../kube/resources.ts";
import type { KubeObject } from "../../kube/types.ts";
import {
  applyApps,
  CHILD_KINDS,
  countReady,
  deleteFleet,
  type Fleet,
  listAll,
  prepareFleet,
} from "../support/fleet.ts";
import { eventually } from "../support/kube.ts";
import { newShard, SHARD_LABEL, testKubeConfig } from "../support/operator.ts";
import { metricSum, type OperatorProcess, spawnOperator } from "../support/operator-process.ts";

const APPS = 200;
const KILLS = 5;
let client: KubeClient;
let fleet: Fleet;
let current: OperatorProcess | undefined;

beforeAll(async () => {
  client = await KubeClient.create(testKubeConfig());
  fleet = await prepareFleet(client, { shard: newShard(), shardLabel: SHARD_LABEL, apps: APPS, namespaces: 4 });
  await applyApps(client, fleet.apps);
}, 120_000);

afterAll(async () => {
  await current?.kill();
  await deleteFleet(client, fleet).catch(() => {});
  client.close();
});

describe("crash safety", () => {
  it(`converges despite ${KILLS} SIGKILLs mid-reconcile, without duplicate or orphaned children`, async () => {
    let killedWhileWriting = 0;
    for (let i = 0; i < KILLS; i++) {
      const operatorProcess = await spawnOperator(fleet.shard, ["--no-leader-elect"]);
      current = operatorProcess;
      // Kill at a different point each time, while it is busy writing children: after its first few writes, not
      // after a fixed delay (how long start-up takes depends on the machine's load).
      const writesBeforeKill = 5 + i * 30;
      await eventually(
        `the operator to send ${writesBeforeKill} writes`,
        async () => {
          const metrics = await operatorProcess.metrics().catch(() => "");
          const writes = metricSum(metrics, "rest_client_requests_total", (labels) =>
            labels.includes('method="PATCH"'),
          );
          return writes >= writesBeforeKill ? true : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 50 },
      ).then(
        () => killedWhileWriting++,
        () => {},
      );
      await operatorProcess.kill("SIGKILL");
    }
    expect(killedWhileWriting).toBe(KILLS);
    expect(await countReady(client, fleet)).toBeLessThan(APPS); // the kills really interrupted convergence

    current = await spawnOperator(fleet.shard, ["--no-leader-elect"]);
    await eventually(
      `all ${APPS} Apps Ready`,
      async () => ((await countReady(client, fleet)) === APPS ? true : undefined),
      { timeoutMs: 180_000, intervalMs: 1000 },
    );

    const apps = await listAll(client, APP, fleet.namespaces);
    const uids = new Set(apps.map((a) => a.metadata.uid));
    for (const resource of CHILD_KINDS) {
      const children = await listAll(client, resource, fleet.namespaces, "app.kubernetes.io/managed-by=loco");
      const owners = children.map((c) => c.metadata.ownerReferences?.find((r) => r.controller)?.uid);
      expect(
        owners.filter((uid) => !uid || !uids.has(uid)),
        `${resource.kind} without a live owner`,
      ).toEqual([]);
      expect(new Set(owners).size, `one ${resource.kind} per App`).toBe(children.length);
      expect(children.length, `${resource.kind} count`).toBe(APPS);
    }
    // One ReplicaSet per Deployment: no crash caused a second rollout with a different deployment id.
    const replicaSets = await listAll(
      client,
      { group: "apps", version: "v1", kind: "ReplicaSet", plural: "replicasets", namespaced: true },
      fleet.namespaces,
    );
    expect(replicaSets.length).toBe(APPS);
    const deployments = await listAll(client, DEPLOYMENT, fleet.namespaces);
    const idOf = (o: KubeObject) => o.metadata.annotations?.["loco.dev/deployment-id"];
    const byName = new Map(
      apps.map((a) => [
        `${a.metadata.namespace}/${a.metadata.name}`,
        (a.status as { deploymentId?: string }).deploymentId,
      ]),
    );
    for (const deployment of deployments)
      expect(idOf(deployment)).toBe(byName.get(`${deployment.metadata.namespace}/${deployment.metadata.name}`));
  }, 300_000);
});
