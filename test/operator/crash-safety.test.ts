// SIGKILL the operator process again and again while 200 Apps converge: everything must still converge, with
// exactly one of each child, no orphan, and no spurious extra rollout. The long form (500 Apps, 50 kills) is
// `npm run bench:crash-rollout`.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { KubeClient } from "../../kube/kube-client.ts";
import { runCrashRollout } from "../support/crash-rollout.ts";
import { applyApps, deleteFleet, type Fleet, prepareFleet } from "../support/fleet.ts";
import { newShard, SHARD_LABEL, testKubeConfig } from "../support/operator.ts";
import type { OperatorProcess } from "../support/operator-process.ts";

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
    const result = await runCrashRollout({
      kubeconfig: inject("kubeconfig"),
      client,
      fleet,
      kills: KILLS,
      writesBeforeKill: (i) => 5 + i * 30,
      convergeWithinMs: 180_000,
      onStart: (operator) => {
        current = operator;
      },
    });
    expect(result.killedWhileWriting).toBe(KILLS);
    expect(result.readyAfterKills).toBeLessThan(APPS); // the kills really interrupted convergence
    expect(result.convergedSeconds).toBeLessThan(180);
    for (const [kind, audit] of Object.entries(result.audit.kinds)) {
      expect(audit, kind).toEqual({ objects: APPS, missing: 0, duplicates: 0, orphans: 0 });
    }
    // One ReplicaSet per Deployment: no crash caused a second rollout with a different deployment id.
    expect(result.audit.replicaSets).toBe(APPS);
    expect(result.audit.deploymentsWithExtraReplicaSets).toBe(0);
    expect(result.audit.orphanReplicaSets).toBe(0);
    expect(result.deploymentIdMismatches).toBe(0);
  }, 300_000);
});
