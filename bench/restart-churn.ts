// Restarts under churn, long form: 10 kube-apiserver and 10 etcd restarts (alternating) while 200 Apps change
// continuously; for each restart, how long the control plane was away and how long after its return every change
// acknowledged until then was reconciled (bound: 60 s); at the end, changes lost and children missing, doubled or
// orphaned, counted from the apiserver.
//
//   npm run bench:restart-churn     (BENCH_APPS=200 BENCH_RATE=10 BENCH_RESTARTS=10)
//
// Prints its figures and writes bench/results/restart-churn.json.
import { loadavg } from "node:os";
import { runRestartChurn } from "../test/support/restart-churn.ts";
import { writeResults } from "./results.ts";

const apps = Number(process.env.BENCH_APPS ?? 200);
const changesPerSecond = Number(process.env.BENCH_RATE ?? 10);
const restarts = Number(process.env.BENCH_RESTARTS ?? 10);
const log = (message: string) => process.stdout.write(`${message}\n`);

const started = performance.now();
const result = await runRestartChurn({
  apps,
  changesPerSecond,
  apiserverRestarts: restarts,
  etcdRestarts: restarts,
  convergeWithinMs: 60_000,
  log,
});
const of = (component: string) => result.restarts.filter((r) => r.component === component);
const max = (values: number[]) => Math.round(Math.max(0, ...values) * 10) / 10;
const figures = {
  appCount: apps,
  changesPerSecond,
  apiserverRestartCount: of("kubeApiserver").length,
  etcdRestartCount: of("etcd").length,
  apiserverOutageMaxSeconds: max(of("kubeApiserver").map((r) => r.outageSeconds)),
  etcdOutageMaxSeconds: max(of("etcd").map((r) => r.outageSeconds)),
  convergedAfterApiserverMaxSeconds: max(of("kubeApiserver").map((r) => r.convergedSeconds)),
  convergedAfterEtcdMaxSeconds: max(of("etcd").map((r) => r.convergedSeconds)),
  restartsOver60sCount: result.restarts.filter((r) => !(r.convergedSeconds < 60)).length,
  changesAcknowledgedCount: result.changesAcknowledged,
  changesRefusedCount: result.changesRefused,
  lostChangesCount: result.lostChanges,
  unconvergedAtEndCount: result.unconvergedAtEnd,
  operatorExitCount: result.operatorExits,
  childProblemCount: result.audit.problems,
  orphanReplicaSetCount: result.audit.orphanReplicaSets,
  wallSeconds: Math.round((performance.now() - started) / 1000),
  loadAverage1m: Math.round((loadavg()[0] ?? 0) * 10) / 10,
};
log(JSON.stringify({ ...figures, children: result.audit.kinds }, null, 2));
writeResults("restart-churn", figures);
