// The Pipeline and Run controllers, wired to the shared caches: one call from operator.ts builds both.

import { FIELD_MANAGER, LABEL_PROFILE } from "../crds/app-names.ts";
import { ConditionType } from "../crds/conditions.ts";
import { PIPELINE, RUN } from "../crds/kinds.ts";
import type { KubeClient } from "../kube/kube-client.ts";
import type { Logger } from "../kube/logger.ts";
import type { OperatorMetrics } from "../kube/metrics.ts";
import { type KubeObject, keyOf } from "../kube/types.ts";
import { type BatchSettings, defaultBatchSettings } from "./batch-settings.ts";
import type { WorldCaches } from "./caches.ts";
import { createPipelineReconciler } from "./reconcilers/pipeline/reconcile.ts";
import {
  createRunReconciler,
  JOB_INDEX,
  jobIndex,
  LABEL_RUN_KEY,
  NAMESPACE_INDEX,
  namespaceIndex,
  PIPELINE_INDEX,
  pipelineIndex,
  type RunObject,
} from "./reconcilers/run/reconcile.ts";
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
  caches.runs.addIndex(NAMESPACE_INDEX, namespaceIndex);
  caches.runs.addIndex(PIPELINE_INDEX, pipelineIndex);
  caches.pods.addIndex(JOB_INDEX, jobIndex);

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
      summary: ConditionType.Succeeded,
      status: "Unknown",
    }),
  });
  runController.watchPrimary(caches.runs);
  runController.watchOwned(caches.jobs, "Run");
  runController.watchMapped(caches.pods, (pod) => {
    const run = pod.metadata.labels?.[LABEL_RUN_KEY];
    return run && pod.metadata.namespace ? [`${pod.metadata.namespace}/${run}`] : [];
  });
  // A Run that starts, ends or goes away may let a queued Run start, or replace an older one.
  runController.watchMapped(caches.runs, (run, previous) =>
    runs.affectedBy(run as RunObject, previous as RunObject | undefined),
  );
  // A Pipeline that appears or changes its concurrency lets waiting Runs move.
  runController.watchMapped(caches.pipelines, (pipeline) =>
    runs.waitingRuns(pipeline.metadata.namespace ?? "").map(keyOf),
  );

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
      summary: ConditionType.Ready,
      status: "False",
    }),
  });
  pipelineController.watchPrimary(caches.pipelines);
  pipelineController.watchOwned(caches.secrets, "Pipeline");
  // The namespace's Profile decides which pod annotations tasks may set (Ready=False PodAnnotationNotAllowed).
  const pipelinesIn = (namespaces: ReadonlySet<string>) =>
    caches.pipelines
      .list()
      .filter((p) => namespaces.has(p.metadata.namespace ?? ""))
      .map(keyOf);
  pipelineController.watchMapped(caches.profiles, (profile) => {
    const using = caches.namespaces
      .list()
      .filter((n) => n.metadata.labels?.[LABEL_PROFILE] === profile.metadata.name)
      .map((n) => n.metadata.name ?? "");
    return pipelinesIn(new Set(using));
  });
  pipelineController.watchMapped(caches.namespaces, (namespace, previous) =>
    previous?.metadata.labels?.[LABEL_PROFILE] === namespace.metadata.labels?.[LABEL_PROFILE]
      ? []
      : pipelinesIn(new Set([namespace.metadata.name ?? ""])),
  );
  // Run counts, last run and history follow the Runs of the Pipeline.
  pipelineController.watchMapped(caches.runs, (run) => {
    const name = (run as RunObject).spec?.pipelineRef?.name;
    return name ? [`${run.metadata.namespace}/${name}`] : [];
  });
  return [runController, pipelineController];
}
