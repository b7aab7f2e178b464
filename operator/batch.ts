// The Pipeline and Run controllers, wired to the shared caches: one call from operator.ts builds both.

import { FIELD_MANAGER } from "../crds/app-names.ts";
import { PIPELINE, RUN } from "../crds/kinds.ts";
import type { KubeClient } from "../kube/kube-client.ts";
import type { Logger } from "../kube/logger.ts";
import type { OperatorMetrics } from "../kube/metrics.ts";
import type { KubeObject } from "../kube/types.ts";
import { type BatchSettings, defaultBatchSettings } from "./batch-settings.ts";
import type { WorldCaches } from "./caches.ts";
import { createPipelineReconciler } from "./reconcilers/pipeline/reconcile.ts";
import { PIPELINE_TIMEOUT_REPORT } from "./reconcilers/pipeline/status.ts";
import { watchPipelineInputs } from "./reconcilers/pipeline/wiring.ts";
import { createRunReconciler } from "./reconcilers/run/reconcile.ts";
import { RUN_TIMEOUT_REPORT } from "./reconcilers/run/status.ts";
import { addRunIndexes, watchRunInputs } from "./reconcilers/run/wiring.ts";
import { Controller } from "./runtime/controller.ts";
import type { EventRecorder } from "./runtime/events.ts";
import { reconcileTimeoutReporter } from "./runtime/reconcile-timeout.ts";

export interface BatchControllerDeps {
  client: KubeClient;
  caches: WorldCaches;
  events: EventRecorder;
  metrics: OperatorMetrics;
  log: Logger;
  now: () => Date;
  resyncMs: number;
  concurrency: number;
  /** Budget of one reconcile (runtime/controller.ts); an abandoned one is reported as ReconcileTimeout. */
  reconcileTimeoutMs?: number;
  settings?: Partial<BatchSettings>;
  /**
   * Whether the caches can be trusted to act on (forwarded to both controllers). Matters more here than anywhere:
   * a Run reconciled against a cache that lost its Jobs would record them as deleted.
   */
  ready?: () => boolean;
  /** Asked before an unfinished Job is deleted; false holds it back while its logs are captured. */
  beforeStopJob?: (job: KubeObject) => boolean;
}

/** Adds the indexes the reconcilers use (call before the informers start) and returns both controllers. */
export function createBatchControllers(deps: BatchControllerDeps): Controller[] {
  const { client, caches, events, metrics, now } = deps;
  const settings: BatchSettings = { ...defaultBatchSettings, ...deps.settings };
  addRunIndexes(caches);

  const runLog = deps.log.child({ controller: "run" });
  const runs = createRunReconciler({
    client,
    caches,
    events,
    log: runLog,
    now,
    settings,
    ...(deps.beforeStopJob ? { beforeStopJob: deps.beforeStopJob } : {}),
  });
  const runController = new Controller({
    name: "run",
    reconcile: (key, signal) => runs.reconcile(key, signal),
    metrics,
    log: runLog,
    concurrency: deps.concurrency,
    resyncMs: deps.resyncMs,
    ...(deps.ready ? { ready: deps.ready } : {}),
    ...(deps.reconcileTimeoutMs ? { reconcileTimeoutMs: deps.reconcileTimeoutMs } : {}),
    onReconcileTimeout: reconcileTimeoutReporter({
      client,
      resource: RUN,
      cache: caches.runs,
      fieldManager: FIELD_MANAGER,
      now,
      ...RUN_TIMEOUT_REPORT,
    }),
  });
  watchRunInputs(runController, caches);

  const pipelineLog = deps.log.child({ controller: "pipeline" });
  const pipelines = createPipelineReconciler({ client, caches, events, log: pipelineLog, now, settings });
  const pipelineController = new Controller({
    name: "pipeline",
    reconcile: (key, signal) => pipelines.reconcile(key, signal),
    metrics,
    log: pipelineLog,
    concurrency: Math.max(2, Math.ceil(deps.concurrency / 2)),
    resyncMs: deps.resyncMs,
    ...(deps.ready ? { ready: deps.ready } : {}),
    ...(deps.reconcileTimeoutMs ? { reconcileTimeoutMs: deps.reconcileTimeoutMs } : {}),
    onReconcileTimeout: reconcileTimeoutReporter({
      client,
      resource: PIPELINE,
      cache: caches.pipelines,
      fieldManager: FIELD_MANAGER,
      now,
      ...PIPELINE_TIMEOUT_REPORT,
    }),
  });
  watchPipelineInputs(pipelineController, caches);
  return [runController, pipelineController];
}
