// Run reconcile orchestration: take the snapshot (once), check the spec against the platform's bounds, wait for
// admission (concurrency and locks), let the pure planner decide each task's next step, read the outputs of tasks
// that succeeded, make the Run's credential (deleted when it ends), create the Jobs the plan asks for, write status,
// and stop every Job that is no longer wanted. Level-triggered: everything is read again from
// the caches each time. Each phase lives in its own module; every condition is set through status.ts.
import { parseDuration } from "../../../crds/common.ts";
import { Reason, TaskState } from "../../../crds/conditions.ts";
import type { RunStatus } from "../../../crds/run.ts";
import { FIELD_MANAGER, jobName, LABEL_TENANT } from "../../../crds/run-names.ts";
import type { KubeClient } from "../../../kube/kube-client.ts";
import type { Logger } from "../../../kube/logger.ts";
import { type KubeObject, keyOf, type ObjectKey, splitKey } from "../../../kube/types.ts";
import { type BatchSettings, retryDelayMs } from "../../batch-settings.ts";
import type { WorldCaches } from "../../caches.ts";
import type { Condition } from "../../runtime/conditions.ts";
import type { EventRecorder } from "../../runtime/events.ts";
import type { Informer } from "../../runtime/informer.ts";
import type { ConditionStamp } from "../condition-stamp.ts";
import { policyForNamespace } from "../pipeline/pod-annotations.ts";
import { admissionStep, concurrencyOf } from "./admission-step.ts";
import { collectOutputs } from "./collect-outputs.ts";
import { JOB_INDEX, NAMESPACE_INDEX } from "./indexes.ts";
import { inlineTask } from "./inline-task.ts";
import { fillExitCodes, observeTaskJobs } from "./job-observation.ts";
import type { PipelineObject, RunObject } from "./objects.ts";
import { planRun, type RunTask } from "./progress.ts";
import { ensureRunCredential, removeRunCredential } from "./run-credential.ts";
import { RunLedger } from "./run-ledger.ts";
import { takeSnapshot } from "./snapshot.ts";
import { runSpecProblems } from "./spec-problems.ts";
import { startJobs } from "./start-jobs.ts";
import {
  isFinished,
  markEndedEarly,
  markFinished,
  markQueued,
  markRunning,
  markWaitingForPipeline,
  queuedTasks,
} from "./status.ts";
import { stopJobs } from "./stop-jobs.ts";
import { outputsByTask } from "./task-outputs.ts";
import { completionFields, writeRunStatus } from "./write-run-status.ts";

export interface BatchCaches {
  runs: Informer;
  pipelines: Informer;
  namespaces: Informer;
  /** Profiles: which pod annotations tasks in a namespace may set. */
  profiles: Informer;
  jobs: Informer;
  pods: Informer;
}

export interface RunReconcilerDeps {
  client: KubeClient;
  caches: BatchCaches & Pick<WorldCaches, "secrets">;
  events: EventRecorder;
  log: Logger;
  now: () => Date;
  settings: BatchSettings;
  /**
   * Asked before a Job that has not finished is deleted (cancel, timeout, Replace): false keeps it a little longer
   * (its logs are being captured) and the Run is reconciled again shortly. Absent: Jobs are deleted at once.
   */
  beforeStopJob?: (job: KubeObject) => boolean;
}

/** How soon a Run whose Job deletion was held back is looked at again. */
const HELD_JOB_RECHECK_MS = 200;

type Result = { requeueAfterMs?: number } | undefined;

export function createRunReconciler(deps: RunReconcilerDeps) {
  const { client, caches, log, settings } = deps;
  const ledger = new RunLedger();
  const stampOf = (run: RunObject): ConditionStamp => ({
    generation: run.metadata.generation,
    now: deps.now().toISOString(),
  });
  const conditionsOf = (run: RunObject) => run.status?.conditions as Condition[] | undefined;
  const write = (run: RunObject, status: RunStatus) => writeRunStatus(deps, run, status);
  const stop = (run: RunObject, wanted: ReadonlySet<string>) =>
    stopJobs(client, caches.jobs, run, wanted, log, deps.beforeStopJob);

  /** Ends a Run before any task ran (refused, invalid, replaced while queued). */
  async function endEarly(run: RunObject, base: RunStatus, reason: string, message: string): Promise<Result> {
    ledger.noteFinished(keyOf(run));
    await write(run, {
      ...base,
      observedGeneration: run.metadata.generation,
      conditions: markEndedEarly(conditionsOf(run), stampOf(run), reason, message),
      completionTime: run.status?.completionTime ?? deps.now().toISOString(),
    });
    return undefined;
  }

  /** `signal` aborts when the controller abandoned this reconcile (its budget ran out): it then writes no more. */
  async function reconcile(key: ObjectKey, signal?: AbortSignal): Promise<Result> {
    const run = caches.runs.get(key) as RunObject | undefined;
    if (!run) {
      ledger.forget(key);
      return undefined;
    }
    if (run.metadata.deletionTimestamp) return undefined;
    const { namespace, name } = splitKey(key);
    if (!namespace) return undefined;
    const nowMs = deps.now().getTime();
    const status = (run.status ?? {}) as RunStatus;
    const pipelineName = run.spec.pipelineRef?.name;
    const pipeline = pipelineName
      ? (caches.pipelines.get(`${namespace}/${pipelineName}`) as PipelineObject | undefined)
      : undefined;

    // 1. The snapshot: taken once, from the Pipeline as it is when the Run is first seen.
    const snapshot = takeSnapshot(run, pipeline);
    if (snapshot.kind === "Unusable") return endEarly(run, snapshot.base, snapshot.reason, snapshot.message);
    if (snapshot.kind === "PipelineMissing") {
      const conditions = markWaitingForPipeline(conditionsOf(run), stampOf(run), snapshot.pipeline, namespace);
      await write(run, { ...status, observedGeneration: run.metadata.generation, conditions });
      return undefined;
    }
    const { spec, base } = snapshot;
    const tasks: RunTask[] = pipelineName ? (spec?.tasks ?? []) : [inlineTask(run)];

    // 2. A finished Run only makes sure no Job of it still runs, and fills in late exit codes.
    if (isFinished(run)) {
      await removeRunCredential(deps, caches.secrets, run);
      const held = await stop(run, new Set());
      const filled = fillExitCodes(status.tasks, (job) => caches.pods.byIndex(JOB_INDEX, `${namespace}/${job}`));
      await write(run, {
        ...status,
        observedGeneration: run.metadata.generation,
        ...(filled ? { tasks: filled } : {}),
      });
      return held ? { requeueAfterMs: HELD_JOB_RECHECK_MS } : undefined;
    }

    // 3. What the spec asks for must be runnable within the platform's bounds (before it starts only).
    let startMs = status.startTime ? Date.parse(status.startTime) : ledger.admittedMs(key);
    if (startMs === undefined) {
      const rules = {
        ...settings,
        podAnnotations: policyForNamespace(namespace, caches, settings.allowedPodAnnotations),
      };
      const problems = runSpecProblems(run, spec, tasks, rules, settings);
      if (problems.length > 0)
        return endEarly(run, base, problems[0]!.reason, problems.map((p) => p.message).join(" "));
    }

    // 4. Admission: concurrency policy and named locks.
    const summaries = (caches.runs.byIndex(NAMESPACE_INDEX, namespace) as RunObject[]).map((r) =>
      ledger.summaryOf(r, caches.pipelines),
    );
    const self = ledger.summaryOf(run, caches.pipelines);
    const step = admissionStep(run, self, summaries, concurrencyOf(pipeline, spec), startMs !== undefined);
    if (step.kind === "End") return endEarly(run, base, step.reason, step.message);
    if (step.kind === "Wait") {
      const conditions = markQueued(conditionsOf(run), stampOf(run), step.message);
      const queued = { ...base, observedGeneration: run.metadata.generation, conditions };
      await write(run, { ...queued, tasks: queuedTasks(tasks, step.message) });
      return undefined;
    }
    if (startMs === undefined) {
      startMs = nowMs;
      ledger.noteAdmitted(key, nowMs);
    }

    // 5. The plan.
    const runTimeout = run.spec.timeout ?? spec?.timeout;
    const queued = (status.tasks ?? []).every((t) => t.reason === Reason.Queued);
    const plan = planRun({
      tasks,
      previous: queued ? undefined : status.tasks,
      jobs: await observeTaskJobs(client, caches, namespace, status.tasks),
      nowMs,
      startMs,
      runTimeoutMs: runTimeout ? parseDuration(runTimeout) : undefined,
      stop: step.stop,
      retryDelayMs: (attempt) => retryDelayMs(settings, attempt),
      jobName: (task, attempt) => jobName(name, task, attempt),
      ...(run.spec.reuse ? { reuse: { run: run.spec.reuse.run, tasks: new Set(run.spec.reuse.tasks) } } : {}),
    });

    // 6. Outputs of the tasks that just succeeded, and the Run's credential when its Pipeline declares permissions.
    const tasksNow = await collectOutputs(client, caches.pods, namespace, plan.tasks, status.tasks);
    const credential =
      spec?.permissions && !plan.outcome
        ? await ensureRunCredential(
            { client, log, fieldManager: FIELD_MANAGER },
            caches.secrets,
            run,
            caches.namespaces.get(namespace)?.metadata.labels?.[LABEL_TENANT] ?? namespace,
            new Date(startMs + (runTimeout ? parseDuration(runTimeout) : settings.maxTimeoutMs)).toISOString(),
          )
        : status.credential;

    // 7. Jobs first, then status: a status that names a Job always names one that exists.
    await startJobs(client, caches, run, plan.start, base.parameters ?? {}, log, signal, {
      outputs: outputsByTask(tasksNow),
      credential:
        credential && !plan.outcome ? { secretName: credential.secretName, apiUrl: settings.apiUrl } : undefined,
      deployRunner: { image: settings.deployImage, command: ["node", "dist/cli/main.js"] },
    });
    const stamp = stampOf(run);
    const running = plan.tasks.filter((t) => t.state === TaskState.Running).map((t) => t.name);
    const conditions = plan.outcome
      ? markFinished(conditionsOf(run), stamp, plan.outcome)
      : markRunning(conditionsOf(run), stamp, running);
    if (plan.outcome) ledger.noteFinished(key);
    await write(run, {
      ...base,
      observedGeneration: run.metadata.generation,
      conditions,
      tasks: tasksNow,
      startTime: new Date(startMs).toISOString(),
      ...completionFields(plan, startMs, stamp.now),
      ...(credential ? { credential } : {}),
    });
    // The credential goes with the Run's end (the API refuses it from the moment the status says so).
    if (plan.outcome) await removeRunCredential(deps, caches.secrets, run);

    // 8. Stop what no task wants any more.
    const wanted = new Set(
      plan.tasks.filter((t) => t.state === TaskState.Running && t.job && !t.nextAttemptTime).map((t) => t.job!),
    );
    const held = await stop(run, wanted);
    const wakeMs = plan.wakeAtMs === undefined ? undefined : Math.max(plan.wakeAtMs - deps.now().getTime(), 1);
    if (held) return { requeueAfterMs: Math.min(wakeMs ?? HELD_JOB_RECHECK_MS, HELD_JOB_RECHECK_MS) };
    return wakeMs === undefined ? undefined : { requeueAfterMs: wakeMs };
  }

  return { reconcile };
}
