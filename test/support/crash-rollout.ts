// Crash safety: the operator process is SIGKILLed again and again while a fleet of new Apps rolls out, each time
// after a different number of its writes (not after a fixed delay: start-up time depends on the machine's load);
// then one last operator converges them. Shared by test/operator/crash-safety.test.ts (short, on the suite's
// control plane) and bench/crash-rollout.ts (long, on a control plane of its own). No vitest imports.
import { setTimeout as sleep } from "node:timers/promises";
import { APP } from "../../crds/kinds.ts";
import type { KubeClient } from "../../kube/kube-client.ts";
import { DEPLOYMENT } from "../../kube/resources.ts";
import type { KubeObject } from "../../kube/types.ts";
import { countReady, type Fleet, listAll } from "./fleet.ts";
import { auditChildren, type ChildrenAudit } from "./fleet-audit.ts";
import { metricSum, type OperatorProcess, spawnOperatorProcess } from "./operator-child.ts";

export interface CrashRolloutOptions {
  kubeconfig: string;
  client: KubeClient;
  /** Its Apps already applied; the operator has not seen them yet. */
  fleet: Fleet;
  kills: number;
  /** The writes (PATCHes) the i-th operator sends before it is killed. */
  writesBeforeKill: (index: number) => number;
  /** How long the last operator may take until every App is Ready. */
  convergeWithinMs: number;
  log?: (message: string) => void;
  /** Called with each operator process as it starts (a test kills the last one in its clean-up). */
  onStart?: (operator: OperatorProcess) => void;
}

export interface CrashRolloutResult {
  /** Kills that landed while the operator was writing (it had sent its quota of writes). */
  killedWhileWriting: number;
  /** Apps Ready when the last kill landed (below the fleet's size: the kills interrupted the rollout). */
  readyAfterKills: number;
  /** From the last operator's start until every App was Ready (Infinity: not within the bound). */
  convergedSeconds: number;
  audit: ChildrenAudit;
  /** Deployments whose deployment id is not their App's (a crash started a second rollout). */
  deploymentIdMismatches: number;
}

const operatorArgs = ["--no-leader-elect", "--log-level", "warn"];

export async function runCrashRollout(options: CrashRolloutOptions): Promise<CrashRolloutResult> {
  const { client, fleet } = options;
  const log = options.log ?? (() => {});
  const total = fleet.apps.length;
  let killedWhileWriting = 0;
  for (let i = 0; i < options.kills; i++) {
    const operator = await spawnOperatorProcess(options.kubeconfig, fleet.shard, operatorArgs);
    options.onStart?.(operator);
    const quota = options.writesBeforeKill(i);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const metrics = await operator.metrics().catch(() => "");
      const writes = metricSum(metrics, "rest_client_requests_total", (labels) => labels.includes('method="PATCH"'));
      if (writes >= quota) {
        killedWhileWriting++;
        break;
      }
      await sleep(50);
    }
    await operator.kill("SIGKILL");
    if ((i + 1) % 10 === 0) log(`${i + 1}/${options.kills} kills`);
  }
  const readyAfterKills = await countReady(client, fleet);
  log(`${readyAfterKills}/${total} Apps Ready after ${options.kills} kills; starting the last operator`);

  const last = await spawnOperatorProcess(options.kubeconfig, fleet.shard, operatorArgs);
  options.onStart?.(last);
  const started = performance.now();
  let convergedSeconds = Number.POSITIVE_INFINITY;
  while (performance.now() - started < options.convergeWithinMs) {
    if ((await countReady(client, fleet).catch(() => 0)) === total) {
      convergedSeconds = (performance.now() - started) / 1000;
      break;
    }
    await sleep(1000);
  }

  const audit = await auditChildren(client, fleet.namespaces);
  const apps = await listAll(client, APP, fleet.namespaces);
  const deploymentIdOf = new Map(
    apps.map((a) => [
      `${a.metadata.namespace}/${a.metadata.name}`,
      (a.status as { deploymentId?: string } | undefined)?.deploymentId,
    ]),
  );
  const idOf = (o: KubeObject) => o.metadata.annotations?.["loco.dev/deployment-id"];
  const deploymentIdMismatches = (await listAll(client, DEPLOYMENT, fleet.namespaces)).filter(
    (d) => idOf(d) !== deploymentIdOf.get(`${d.metadata.namespace}/${d.metadata.name}`),
  ).length;
  return { killedWhileWriting, readyAfterKills, convergedSeconds, audit, deploymentIdMismatches };
}
