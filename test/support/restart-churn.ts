// Restarts under churn: a control plane of its own (so restarting its apiserver and etcd disturbs no other test),
// the operator as a separate process, and a fleet of Apps whose spec changes continuously. The apiserver and etcd
// are restarted in turn; after each restart, every change acknowledged so far must be reconciled (the App's
// observedGeneration reaches the acknowledged generation) within a bound. At the end nothing acknowledged is lost
// (each child carries its App's last value) and no child is missing, doubled or orphaned.
//
// The change is the App's requestTimeout, which the operator writes into the App's BackendTrafficPolicy: a change
// the operator must carry to a child, without a pod rollout. An env change rolls every pod; at 10 changes a second
// the Deployment controller, the scheduler and kwok then load a 2-core machine's etcd so much that a restarted
// apiserver stayed unready for over 90 s — a test of the machine, not of the operator.
// Shared by test/operator/restart-churn.test.ts (short) and bench/restart-churn.ts (long). No vitest imports.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { KubeConfig } from "@kubernetes/client-node";
import { APP } from "../../crds/kinds.ts";
import {
  clientCertificates,
  httpsStatus,
  readState,
  restartComponent,
  startControlPlane,
  stopControlPlane,
} from "../../hack/control-plane/control-plane.ts";
import { KubeClient } from "../../kube/kube-client.ts";
import { BACKEND_TRAFFIC_POLICY } from "../../kube/resources.ts";
import type { KubeObject } from "../../kube/types.ts";
import { applyApps, type Fleet, fleetApp, listAll, prepareFleet } from "./fleet.ts";
import { auditChildren, type ChildrenAudit } from "./fleet-audit.ts";
import { installLocoCrds } from "./install-crds.ts";
import { type OperatorProcess, SHARD_LABEL, spawnOperatorProcess } from "./operator-child.ts";

export interface RestartChurnOptions {
  apps: number;
  /** App changes per second, spread round-robin over the fleet. */
  changesPerSecond: number;
  apiserverRestarts: number;
  etcdRestarts: number;
  /** How long after a restart every acknowledged change may take to be reconciled. */
  convergeWithinMs: number;
  /** Churn between one convergence and the next restart. */
  gapMs?: number;
  log?: (message: string) => void;
}

export interface RestartFigure {
  component: "kubeApiserver" | "etcd";
  /** From the stop until the apiserver answered /readyz again. */
  outageSeconds: number;
  /** From the apiserver's return until every change acknowledged by then was reconciled (Infinity: never). */
  convergedSeconds: number;
}

export interface RestartChurnResult {
  restarts: RestartFigure[];
  changesAcknowledged: number;
  changesRefused: number;
  /** Apps older than their last acknowledged change, or whose traffic policy does not carry the App's value. */
  lostChanges: number;
  /** What each lost change was: the App's value and generation against the acknowledged ones and the child's. */
  lost: {
    app: string;
    appRound: number;
    appGeneration: number;
    acked?: { round: number; generation: number };
    deployedRound: number;
    observedGeneration?: number;
  }[];
  /** Apps still not reconciled for their last generation when the churn stopped and the wait ran out. */
  unconvergedAtEnd: number;
  operatorExits: number;
  audit: ChildrenAudit;
}

const keyOf = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`;
/** The n-th change's requestTimeout, and back: 1000 ms plus n, so that every change is a different value. */
const timeoutOf = (n: number) => `${1000 + n}ms`;
const roundOf = (timeout: string | undefined) => (timeout ? Number(timeout.replace("ms", "")) - 1000 : -1);

/** Keeps changing the fleet's Apps (a new requestTimeout each time) at a steady rate until stopped. */
function startChurn(client: KubeClient, fleet: Fleet, perSecond: number) {
  /**
   * Per App: the acknowledged change stored last, and the generation the apiserver answered with. "Last" is in the
   * order the apiserver stored the changes (the generation), not the order they were sent: writes held up by an
   * outage reach etcd in any order once it is back, so a change sent earlier can be stored after a later one.
   */
  const acked = new Map<string, { round: number; generation: number }>();
  let acknowledged = 0;
  let refused = 0;
  let inFlight = 0;
  let running = true;
  const loop = (async () => {
    const started = performance.now();
    for (let sent = 0; running; sent++) {
      // Skip a tick rather than pile up requests while the apiserver or etcd is away.
      if (inFlight < 32) {
        const template = fleet.apps[sent % fleet.apps.length] as KubeObject;
        const app = fleetApp(fleet, SHARD_LABEL, template.metadata.namespace ?? "", template.metadata.name ?? "");
        (app.spec as Record<string, unknown>).requestTimeout = timeoutOf(sent);
        inFlight++;
        client
          .apply(APP, app, "loco-test")
          .then((written) => {
            acknowledged++;
            const key = keyOf(written);
            const generation = written.metadata.generation ?? 0;
            if ((acked.get(key)?.generation ?? -1) < generation) acked.set(key, { round: sent, generation });
          })
          .catch(() => refused++)
          .finally(() => inFlight--);
      }
      await sleep(Math.max(0, started + ((sent + 1) * 1000) / perSecond - performance.now()));
    }
    while (inFlight > 0) await sleep(20);
  })();
  return {
    acked,
    counts: () => ({ acknowledged, refused }),
    async stop() {
      running = false;
      await loop;
    },
  };
}

/** Waits until every App in `targets` was reconciled at least up to its generation there; seconds, or Infinity. */
async function convergedWithin(
  client: KubeClient,
  fleet: Fleet,
  targets: Map<string, number>,
  limitMs: number,
): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < limitMs) {
    const apps = await listAll(client, APP, fleet.namespaces).catch(() => undefined);
    if (apps) {
      const observed = new Map(
        apps.map((a) => [keyOf(a), (a.status as { observedGeneration?: number } | undefined)?.observedGeneration ?? 0]),
      );
      if ([...targets].every(([key, generation]) => (observed.get(key) ?? 0) >= generation))
        return (performance.now() - started) / 1000;
    }
    await sleep(500);
  }
  return Number.POSITIVE_INFINITY;
}

async function apiserverReady(dir: string, limitMs: number): Promise<void> {
  const state = readState(dir);
  if (!state) throw new Error(`No control plane in ${dir}`);
  const certs = clientCertificates(dir);
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    if ((await httpsStatus(`${state.server}/readyz`, certs)) === 200) return;
    await sleep(200);
  }
  throw new Error(`kube-apiserver in ${dir} did not become ready within ${limitMs / 1000}s after a restart`);
}

export async function runRestartChurn(options: RestartChurnOptions): Promise<RestartChurnResult> {
  const log = options.log ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), "loco-restart-churn-"));
  let client: KubeClient | undefined;
  let operator: OperatorProcess | undefined;
  let failed = true;
  try {
    const plane = await startControlPlane({ dir: join(dir, "cluster"), ownerPid: process.pid });
    await installLocoCrds(plane.kubeconfig);
    const config = new KubeConfig();
    config.loadFromFile(plane.kubeconfig);
    client = await KubeClient.create(config, { maxSockets: 64 });
    const fleet = await prepareFleet(client, {
      shard: "churn",
      shardLabel: SHARD_LABEL,
      apps: options.apps,
      namespaces: Math.max(1, Math.ceil(options.apps / 50)),
    });
    await applyApps(client, fleet.apps);
    operator = await spawnOperatorProcess(plane.kubeconfig, fleet.shard, ["--no-leader-elect", "--log-level", "warn"], {
      logFile: join(dir, "operator.log"),
    });
    let operatorExits = 0;
    operator.child.once("exit", () => operatorExits++);
    const initial = new Map(fleet.apps.map((a) => [keyOf(a), 1]));
    if (!Number.isFinite(await convergedWithin(client, fleet, initial, 300_000)))
      throw new Error(`The ${options.apps} Apps did not converge before the first restart`);
    log(`${options.apps} Apps converged; churning at ${options.changesPerSecond} changes/s`);

    const churn = startChurn(client, fleet, options.changesPerSecond);
    const order: RestartFigure["component"][] = [];
    for (let i = 0; i < Math.max(options.apiserverRestarts, options.etcdRestarts); i++) {
      if (i < options.apiserverRestarts) order.push("kubeApiserver");
      if (i < options.etcdRestarts) order.push("etcd");
    }
    const restarts: RestartFigure[] = [];
    for (const [index, component] of order.entries()) {
      await sleep(options.gapMs ?? 3000);
      const stopped = performance.now();
      await restartComponent(plane.dir, component);
      await apiserverReady(plane.dir, 120_000);
      const outageSeconds = (performance.now() - stopped) / 1000;
      const targets = new Map([...churn.acked].map(([key, change]) => [key, change.generation]));
      const convergedSeconds = await convergedWithin(client, fleet, targets, options.convergeWithinMs);
      restarts.push({ component, outageSeconds, convergedSeconds });
      log(
        `restart ${index + 1}/${order.length} (${component}): away ${outageSeconds.toFixed(1)} s, ` +
          `${targets.size} Apps' acknowledged changes reconciled ${Number.isFinite(convergedSeconds) ? `${convergedSeconds.toFixed(1)} s` : "NOT within the bound"} after its return`,
      );
    }
    await churn.stop();

    // Settle: every App reconciled for its final generation, then compare what each traffic policy carries.
    const finalTargets = new Map(
      (await listAll(client, APP, fleet.namespaces)).map((a) => [keyOf(a), a.metadata.generation ?? 0]),
    );
    await convergedWithin(client, fleet, finalTargets, 180_000);
    const apps = await listAll(client, APP, fleet.namespaces);
    const policies = new Map(
      (await listAll(client, BACKEND_TRAFFIC_POLICY, fleet.namespaces)).map((p) => [keyOf(p), p]),
    );
    let lostChanges = 0;
    const lost: RestartChurnResult["lost"] = [];
    let unconvergedAtEnd = 0;
    for (const app of apps) {
      const key = keyOf(app);
      if ((app.status as { observedGeneration?: number } | undefined)?.observedGeneration !== app.metadata.generation)
        unconvergedAtEnd++;
      const appRound = roundOf((app.spec as { requestTimeout?: string }).requestTimeout);
      const deployedRound = roundOf(
        (policies.get(key)?.spec as { timeout?: { http?: { requestTimeout?: string } } } | undefined)?.timeout?.http
          ?.requestTimeout,
      );
      // A refused write may still have landed (a timeout after etcd committed it), so the App may be newer than the
      // last acknowledged change; it may never be older, at the acknowledged generation it must hold the acknowledged
      // value, and the policy must carry exactly the App's value.
      const acked = churn.acked.get(key);
      const generation = app.metadata.generation ?? 0;
      const older = acked !== undefined && generation < acked.generation;
      const changed = acked !== undefined && generation === acked.generation && appRound !== acked.round;
      if (older || changed || deployedRound !== appRound) {
        lostChanges++;
        lost.push({
          app: key,
          appRound,
          appGeneration: app.metadata.generation ?? 0,
          acked: churn.acked.get(key),
          deployedRound,
          observedGeneration: (app.status as { observedGeneration?: number } | undefined)?.observedGeneration,
        });
      }
    }
    const audit = await auditChildren(client, fleet.namespaces);
    const { acknowledged, refused } = churn.counts();
    failed = false;
    return {
      restarts,
      changesAcknowledged: acknowledged,
      changesRefused: refused,
      lostChanges,
      lost,
      unconvergedAtEnd,
      operatorExits,
      audit,
    };
  } finally {
    await operator?.kill("SIGTERM");
    client?.close();
    await stopControlPlane(join(dir, "cluster"));
    // The control plane's logs stay for a look when the run failed.
    if (failed) log(`Logs kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}
