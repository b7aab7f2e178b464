// Crash safety at scale: 50 SIGKILLs of the operator while it rolls out 500 new Apps (each kill after a different
// number of its writes, 5 to 44), then one last operator. Counts from the apiserver: Apps Ready, children missing,
// doubled or orphaned, ReplicaSets per Deployment, and Deployments whose deployment id is not their App's.
//
//   npm run bench:crash-rollout     (BENCH_APPS=500 BENCH_KILLS=50)
//
// Prints its figures and writes bench/results/crash-rollout.json.
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { startControlPlane, stopControlPlane } from "../hack/control-plane/control-plane.ts";
import { KubeClient } from "../kube/kube-client.ts";
import { runCrashRollout } from "../test/support/crash-rollout.ts";
import { applyApps, prepareFleet } from "../test/support/fleet.ts";
import { installLocoCrds } from "../test/support/install-crds.ts";
import { type OperatorProcess, SHARD_LABEL } from "../test/support/operator-child.ts";
import { writeResults } from "./results.ts";

const apps = Number(process.env.BENCH_APPS ?? 500);
const kills = Number(process.env.BENCH_KILLS ?? 50);
const log = (message: string) => process.stdout.write(`${message}\n`);

const dir = mkdtempSync(join(tmpdir(), "loco-bench-crash-"));
let last: OperatorProcess | undefined;
try {
  const plane = await startControlPlane({ dir, ownerPid: process.pid });
  await installLocoCrds(plane.kubeconfig);
  const config = new KubeConfig();
  config.loadFromFile(plane.kubeconfig);
  const client = await KubeClient.create(config, { maxSockets: 64 });
  const fleet = await prepareFleet(client, { shard: "crash", shardLabel: SHARD_LABEL, apps });
  await applyApps(client, fleet.apps);
  log(`${apps} Apps applied; killing the operator ${kills} times while it rolls them out`);
  const started = performance.now();
  const result = await runCrashRollout({
    kubeconfig: plane.kubeconfig,
    client,
    fleet,
    kills,
    writesBeforeKill: (i) => 5 + ((i * 7) % 40),
    convergeWithinMs: 900_000,
    log,
    onStart: (operator) => {
      last = operator;
    },
  });
  const figures = {
    appCount: apps,
    killCount: kills,
    killedWhileWritingCount: result.killedWhileWriting,
    readyAfterKillsCount: result.readyAfterKills,
    convergedAfterLastStartSeconds: Math.round(result.convergedSeconds * 10) / 10,
    childProblemCount: result.audit.problems,
    duplicateChildCount: Object.values(result.audit.kinds).reduce((sum, k) => sum + k.duplicates, 0),
    orphanChildCount: Object.values(result.audit.kinds).reduce((sum, k) => sum + k.orphans, 0),
    missingChildCount: Object.values(result.audit.kinds).reduce((sum, k) => sum + k.missing, 0),
    replicaSetCount: result.audit.replicaSets,
    deploymentsWithExtraReplicaSetsCount: result.audit.deploymentsWithExtraReplicaSets,
    orphanReplicaSetCount: result.audit.orphanReplicaSets,
    deploymentIdMismatchCount: result.deploymentIdMismatches,
    wallSeconds: Math.round((performance.now() - started) / 1000),
    loadAverage1m: Math.round((loadavg()[0] ?? 0) * 10) / 10,
  };
  log(JSON.stringify({ ...figures, children: result.audit.kinds }, null, 2));
  writeResults("crash-rollout", figures);
  client.close();
} finally {
  await last?.kill("SIGTERM");
  await stopControlPlane(dir);
  rmSync(dir, { recursive: true, force: true });
}
