// What feeds the Run controller: its Runs, the Jobs it owns and their pods, the other Runs of a namespace (a Run
// that starts, ends or goes away may let a queued Run start, or replace an older one) and the Pipelines that
// waiting Runs wait for. Every event maps to the key of a Run to reconcile.
import { Reason } from "../../../crds/conditions.ts";
import { keyOf, type ObjectKey } from "../../../kube/types.ts";
import type { Controller } from "../../runtime/controller.ts";
import type { Informer } from "../../runtime/informer.ts";
import {
  JOB_INDEX,
  jobIndex,
  LABEL_RUN_KEY,
  NAMESPACE_INDEX,
  namespaceIndex,
  PIPELINE_INDEX,
  pipelineIndex,
} from "./indexes.ts";
import type { RunObject } from "./objects.ts";
import { isAdmitted, isFinished, succeededOf } from "./status.ts";

export interface RunWatchCaches {
  runs: Informer;
  pipelines: Informer;
  jobs: Informer;
  pods: Informer;
}

/** The cache indexes the Run reconciler and its watches read; call before the informers start. */
export function addRunIndexes(caches: RunWatchCaches): void {
  caches.runs.addIndex(NAMESPACE_INDEX, namespaceIndex);
  caches.runs.addIndex(PIPELINE_INDEX, pipelineIndex);
  caches.pods.addIndex(JOB_INDEX, jobIndex);
}

/**
 * Runs in a namespace that wait on others (a slot, a lock, their Pipeline). A Run that is about to start
 * waiting is reconciled again by its own status write, which the cache delivers after the change it waits for.
 */
export function waitingRuns(runs: Informer, namespace: string): RunObject[] {
  return (runs.byIndex(NAMESPACE_INDEX, namespace) as RunObject[]).filter((r) => {
    const reason = succeededOf(r)?.reason;
    return !isFinished(r) && (reason === Reason.Queued || reason === Reason.PipelineNotFound);
  });
}

/** Keys to reconcile when a Run changes: the Runs of its namespace that wait on others, or may be replaced. */
export function affectedBy(runs: Informer, run: RunObject, previous: RunObject | undefined): ObjectKey[] {
  const relevant = !previous || isFinished(run) !== isFinished(previous) || isAdmitted(run) !== isAdmitted(previous);
  if (!relevant) return [];
  const key = keyOf(run);
  const namespace = run.metadata.namespace ?? "";
  const keys = new Set(waitingRuns(runs, namespace).map(keyOf));
  // A new Run may replace older ones of its Pipeline (policy Replace): they decide that themselves.
  const pipeline = run.spec.pipelineRef?.name;
  if (!previous && pipeline) {
    for (const mate of runs.byIndex(PIPELINE_INDEX, `${namespace}/${pipeline}`) as RunObject[]) {
      if (isAdmitted(mate) && !isFinished(mate)) keys.add(keyOf(mate));
    }
  }
  keys.delete(key);
  return [...keys];
}

export function watchRunInputs(controller: Controller, caches: RunWatchCaches): void {
  controller.watchPrimary(caches.runs);
  controller.watchOwned(caches.jobs, "Run");
  controller.watchMapped(caches.pods, (pod) => {
    const run = pod.metadata.labels?.[LABEL_RUN_KEY];
    return run && pod.metadata.namespace ? [`${pod.metadata.namespace}/${run}`] : [];
  });
  controller.watchMapped(caches.runs, (run, previous) =>
    affectedBy(caches.runs, run as RunObject, previous as RunObject | undefined),
  );
  // A Pipeline that appears or changes its concurrency lets waiting Runs move.
  controller.watchMapped(caches.pipelines, (pipeline) =>
    waitingRuns(caches.runs, pipeline.metadata.namespace ?? "").map(keyOf),
  );
}
