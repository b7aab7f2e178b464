// Run reconcile orchestration: take the snapshot (once), wait for admission (concurrency and locks), let the pure
// planner decide each task's next step, create the Jobs it asks for, write status, and stop every Job that is no
// longer wanted. Level-triggered: everything is read again from the caches each time.
import { parseDuration } from "../../../crds/common.ts";
import { ConditionType, Reason, TaskState } from "../../../crds/conditions.ts";
import { RUN } from "../../../crds/kinds.ts";
import { type Pipeline, PipelineSpec } from "../../../crds/pipeline.ts";
import type { Run, RunStatus, TaskStatus } from "../../../crds/run.ts";
import {
  FIELD_MANAGER,
  INLINE_TASK,
  jobName,
  LABEL_JOB_NAME,
  LABEL_RUN,
  LABEL_TENANT,
  LEGACY_CONTAINER_NAME,
  ONE_OFF_SECRET_NAME,
  pipelineSecretName,
  taskContainerName,
} from "../../../crds/run-names.ts";
import { KubeApiError, type KubeClient } from "../../../kube/kube-client.ts";
import type { Logger } from "../../../kube/logger.ts";
import { JOB } from "../../../kube/resources.ts";
import { type KubeObject, keyOf, type ObjectKey, splitKey } from "../../../kube/types.ts";
import { type BatchSettings, retryDelayMs } from "../../batch-settings.ts";
import type { WorldCaches } from "../../caches.ts";
import { applyChild, type ChildContext, OWNER_INDEX, ownerReferenceTo } from "../../runtime/children.ts";
import { type Condition, type ConditionInput, findCondition, setCondition } from "../../runtime/conditions.ts";
import type { EventRecorder } from "../../runtime/events.ts";
import type { Informer } from "../../runtime/informer.ts";
import { applyStatusIfChanged } from "../../runtime/status.ts";
import { podAnnotationProblem, policyForNamespace } from "../pipeline/pod-annotations.ts";
import {
  annotationProblem,
  formatDuration,
  type SpecProblem,
  timeoutProblem,
  validatePipeline,
  validKeysOnly,
} from "../pipeline/validation.ts";
import { admissionFor, type Concurrency, type RunSummary, replacedBy } from "./admission.ts";
import { desiredJob } from "./desired.ts";
import { isTerminal, type JobObservation, planRun, type RunTask, type StopRequest } from "./progress.ts";

export type RunObject = Run & KubeObject;
export type PipelineObject = Pipeline & KubeObject;

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

/** Runs by namespace (admission looks at a namespace's Runs). */
export const NAMESPACE_INDEX = "namespace";
export const namespaceIndex = (object: KubeObject): string[] => [object.metadata.namespace ?? ""];
/** Runs by `namespace/pipeline`. */
export const PIPELINE_INDEX = "pipeline";
export const pipelineIndex = (object: KubeObject): string[] => {
  const name = (object as RunObject).spec?.pipelineRef?.name;
  return name ? [`${object.metadata.namespace}/${name}`] : [];
};
/** Pods by `namespace/job`. */
/** The label on Job pods naming their Run. */
export const LABEL_RUN_KEY = LABEL_RUN;
export const JOB_INDEX = "job";
export const jobIndex = (pod: KubeObject): string[] => {
  const job = pod.metadata.labels?.[LABEL_JOB_NAME] ?? pod.metadata.labels?.["job-name"];
  return job ? [`${pod.metadata.namespace}/${job}`] : [];
};

const succeeded = (run: RunObject) => findCondition(run.status?.conditions as Condition[] | undefined, "Succeeded");
export const isFinished = (run: RunObject) => {
  const status = succeeded(run)?.status;
  return status === "True" || status === "False";
};
export const isAdmitted = (run: RunObject) => run.status?.startTime !== undefined;

function jobCondition(job: KubeObject, type: string) {
  const conditions = (
    (job.status ?? {}) as {
      conditions?: { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string }[];
    }
  ).conditions;
  return conditions?.find((c) => c.type === type && c.status === "True");
}

/**
 * Exit code of the task's container (named after the task; `task` in Jobs made before that) in any terminated pod
 * of the Job (the last one to finish).
 */
export function podExitCode(pods: readonly KubeObject[], task: string): number | undefined {
  const container = taskContainerName(task);
  let best: { at: string; code: number } | undefined;
  for (const pod of pods) {
    const statuses = (
      (pod.status ?? {}) as {
        containerStatuses?: { name: string; state?: { terminated?: { exitCode: number; finishedAt?: string } } }[];
      }
    ).containerStatuses;
    const terminated = (
      statuses?.find((s) => s.name === container) ?? statuses?.find((s) => s.name === LEGACY_CONTAINER_NAME)
    )?.state?.terminated;
    if (terminated && (!best || (terminated.finishedAt ?? "") >= best.at)) {
      best = { at: terminated.finishedAt ?? "", code: terminated.exitCode };
    }
  }
  return best?.code;
}

/** A status write to an object deleted meanwhile has nothing left to do: false, like "nothing written". */
export async function writeIfPresent(write: () => Promise<boolean>): Promise<boolean> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof KubeApiError && error.isNotFound) return false;
    throw error;
  }
}

export function observeJob(job: KubeObject, pods: readonly KubeObject[], task: string): JobObservation {
  const complete = jobCondition(job, "Complete");
  const failed = jobCondition(job, "Failed");
  const createdMs = Date.parse(job.metadata.creationTimestamp ?? "") || 0;
  const exitCode = podExitCode(pods, task);
  if (complete) {
    const at = ((job.status ?? {}) as { completionTime?: string }).completionTime ?? complete.lastTransitionTime;
    return {
      name: job.metadata.name ?? "",
      createdMs,
      state: "Succeeded",
      ...(at ? { finishedMs: Date.parse(at) } : {}),
      exitCode: 0,
    };
  }
  if (failed) {
    return {
      name: job.metadata.name ?? "",
      createdMs,
      state: "Failed",
      ...(failed.lastTransitionTime ? { finishedMs: Date.parse(failed.lastTransitionTime) } : {}),
      ...(failed.reason ? { failureReason: failed.reason } : {}),
      ...(failed.message ? { failureMessage: failed.message } : {}),
      ...(exitCode === undefined ? {} : { exitCode }),
    };
  }
  return { name: job.metadata.name ?? "", createdMs, state: "Active" };
}

/** The one task of a one-off Run. */
export function inlineTask(run: RunObject): RunTask {
  const task = run.spec.task!;
  return {
    name: INLINE_TASK,
    image: task.image,
    ...(task.command ? { command: task.command } : {}),
    ...(task.args ? { args: task.args } : {}),
    ...(task.env ? { env: task.env } : {}),
    ...(task.secretEnv ? { secretEnv: task.secretEnv } : {}),
    ...(task.resources ? { resources: task.resources } : {}),
    ...(task.podAnnotations ? { podAnnotations: task.podAnnotations } : {}),
    timeout: task.timeout ?? "8h",
    retries: 0,
  };
}

/** Parameter values: the Run's, then the Pipeline's defaults. Undefined names the first missing one. */
export function resolveParameters(
  spec: PipelineSpec,
  given: Readonly<Record<string, string>> | undefined,
): { values: Record<string, string> } | { missing: string } {
  const values: Record<string, string> = {};
  for (const parameter of spec.parameters ?? []) {
    const value = given?.[parameter.name] ?? parameter.default;
    if (value === undefined) return { missing: parameter.name };
    values[parameter.name] = value;
  }
  return { values };
}

export function concurrencyOf(pipeline: PipelineObject | undefined, snapshot: PipelineSpec | undefined): Concurrency {
  const concurrency = pipeline?.spec.concurrency ?? snapshot?.concurrency;
  return { limit: concurrency?.limit ?? 1, policy: concurrency?.policy ?? "Queue" };
}

export function createRunReconciler(deps: RunReconcilerDeps) {
  const { client, caches, events, log, settings } = deps;
  /**
   * Admissions and endings this process decided but the cache may not show yet: two Runs reconciled back to
   * back must not both take the last slot. Decided and recorded synchronously, so no lock is needed.
   */
  const ledger = new Map<ObjectKey, { admittedMs?: number; finished?: boolean }>();

  const summarize = (run: RunObject): RunSummary => {
    const key = keyOf(run);
    const noted = ledger.get(key);
    const pipeline = run.spec.pipelineRef?.name;
    const snapshot = run.status?.pipelineSpec as { locks?: string[] } | undefined;
    const pipelineLocks = pipeline
      ? (snapshot?.locks ??
        (caches.pipelines.get(`${run.metadata.namespace}/${pipeline}`) as PipelineObject | undefined)?.spec.locks ??
        [])
      : [];
    return {
      key,
      name: run.metadata.name ?? "",
      pipeline,
      locks: [...new Set([...pipelineLocks, ...(run.spec.locks ?? [])])],
      createdAt: run.metadata.creationTimestamp ?? "",
      admitted: isAdmitted(run) || noted?.admittedMs !== undefined,
      finished: isFinished(run) || noted?.finished === true,
    };
  };

  /**
   * Runs in a namespace that wait on others (a slot, a lock, their Pipeline). A Run that is about to start
   * waiting is reconciled again by its own status write, which the cache delivers after the change it waits for.
   */
  function waitingRuns(namespace: string): RunObject[] {
    return (caches.runs.byIndex(NAMESPACE_INDEX, namespace) as RunObject[]).filter((r) => {
      const reason = succeeded(r)?.reason;
      return !isFinished(r) && (reason === Reason.Queued || reason === Reason.PipelineNotFound);
    });
  }

  async function writeStatus(run: RunObject, status: RunStatus): Promise<void> {
    const previous = succeeded(run);
    const clean = Object.fromEntries(Object.entries(status).filter(([, v]) => v !== undefined));
    if (await writeIfPresent(() => applyStatusIfChanged(client, RUN, run, clean, FIELD_MANAGER))) {
      const now = findCondition(status.conditions as Condition[], "Succeeded");
      if (now && (now.status !== previous?.status || now.reason !== previous?.reason)) {
        log.info({ run: keyOf(run), status: now.status, reason: now.reason }, "Updated Run");
        if (now.status !== "Unknown" || now.reason === Reason.Running) {
          events.record(run, now.status === "False" ? "Warning" : "Normal", now.reason, now.message);
        }
      }
    }
  }

  function conditionsWith(run: RunObject, input: ConditionInput): Condition[] {
    return setCondition(
      run.status?.conditions as Condition[] | undefined,
      input,
      run.metadata.generation,
      deps.now().toISOString(),
    );
  }

  /** Ends a Run before any task ran (refused, invalid, replaced while queued). */
  async function endEarly(run: RunObject, base: RunStatus, reason: string, message: string): Promise<void> {
    ledger.set(keyOf(run), { ...ledger.get(keyOf(run)), finished: true });
    await writeStatus(run, {
      ...base,
      observedGeneration: run.metadata.generation,
      conditions: conditionsWith(run, { type: ConditionType.Succeeded, status: "False", reason, message }),
      completionTime: run.status?.completionTime ?? deps.now().toISOString(),
    });
  }

  /**
   * Deletes this Run's Jobs that are still active but not in `wanted` (cancelled, timed out, finished Run). True
   * when one was held back (`beforeStopJob`): the caller looks again shortly.
   */
  async function stopJobs(run: RunObject, wanted: ReadonlySet<string>): Promise<boolean> {
    let held = false;
    for (const job of caches.jobs.byIndex(OWNER_INDEX, run.metadata.uid ?? "")) {
      const name = job.metadata.name ?? "";
      if (wanted.has(name) || job.metadata.deletionTimestamp) continue;
      if (jobCondition(job, "Complete") || jobCondition(job, "Failed")) continue;
      if (deps.beforeStopJob && !deps.beforeStopJob(job)) {
        held = true;
        continue;
      }
      await client.delete(JOB, job.metadata.namespace, name, { uid: job.metadata.uid });
      log.info({ run: keyOf(run), job: name }, "Deleted Job");
    }
    return held;
  }

  /** `signal` aborts when the controller abandoned this reconcile (its budget ran out): it then writes no more. */
  async function reconcile(key: ObjectKey, signal?: AbortSignal): Promise<{ requeueAfterMs?: number } | undefined> {
    const run = caches.runs.get(key) as RunObject | undefined;
    if (!run) {
      ledger.delete(key);
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
    let snapshot: PipelineSpec | undefined;
    let base: RunStatus = {};
    if (pipelineName) {
      if (status.pipelineSpec) {
        const parsed = PipelineSpec.safeParse(status.pipelineSpec);
        if (!parsed.success) {
          await endEarly(
            run,
            status,
            Reason.InvalidSpec,
            `The Pipeline snapshot in status does not parse: ${parsed.error.message}`,
          );
          return undefined;
        }
        snapshot = parsed.data;
        base = {
          pipelineGeneration: status.pipelineGeneration,
          pipelineSpec: status.pipelineSpec,
          parameters: status.parameters,
        };
      } else if (isFinished(run)) {
        base = {};
      } else if (!pipeline) {
        await writeStatus(run, {
          ...status,
          observedGeneration: run.metadata.generation,
          conditions: conditionsWith(run, {
            type: ConditionType.Succeeded,
            status: "Unknown",
            reason: Reason.PipelineNotFound,
            message: `Waiting for Pipeline ${pipelineName} to exist in namespace ${namespace}.`,
          }),
        });
        return undefined;
      } else {
        const parsed = PipelineSpec.safeParse(pipeline.spec);
        if (!parsed.success) {
          await endEarly(
            run,
            { pipelineGeneration: pipeline.metadata.generation },
            Reason.InvalidSpec,
            `Pipeline ${pipelineName} does not parse: ${parsed.error.message}`,
          );
          return undefined;
        }
        snapshot = parsed.data;
        const resolved = resolveParameters(snapshot, run.spec.pipelineRef?.parameters);
        if ("missing" in resolved) {
          await endEarly(
            run,
            { pipelineGeneration: pipeline.metadata.generation },
            Reason.MissingParameter,
            `Parameter ${resolved.missing} has no value and no default; start the Run with it set.`,
          );
          return undefined;
        }
        base = {
          pipelineGeneration: pipeline.metadata.generation,
          pipelineSpec: pipeline.spec as unknown as Record<string, unknown>,
          parameters: Object.keys(resolved.values).length > 0 ? resolved.values : undefined,
        };
      }
    }
    const tasks: RunTask[] = pipelineName ? (snapshot?.tasks ?? []) : [inlineTask(run)];
    const runTimeout = run.spec.timeout ?? snapshot?.timeout;

    // 2. A finished Run only makes sure no Job of it still runs, and fills in late exit codes.
    if (isFinished(run)) {
      const held = await stopJobs(run, new Set());
      const filled = fillExitCodes(status.tasks, namespace);
      await writeStatus(run, {
        ...status,
        observedGeneration: run.metadata.generation,
        ...(filled ? { tasks: filled } : {}),
      });
      return held ? { requeueAfterMs: HELD_JOB_RECHECK_MS } : undefined;
    }

    // 3. What the spec asks for must be runnable within the platform's bounds (checked before it starts only: a
    // started Run keeps the rules it started under).
    let startMs = status.startTime ? Date.parse(status.startTime) : ledger.get(key)?.admittedMs;
    const rules = () => ({
      ...settings,
      podAnnotations: policyForNamespace(namespace, caches, settings.allowedPodAnnotations),
    });
    const problems: SpecProblem[] = startMs !== undefined ? [] : snapshot ? validatePipeline(snapshot, rules()) : [];
    if (!pipelineName && startMs === undefined) {
      const problem = timeoutProblem("The command's", tasks[0]!.timeout, settings);
      if (problem) problems.push(problem);
      const annotations = annotationProblem(INLINE_TASK, tasks[0]!.podAnnotations);
      if (annotations) problems.push(annotations);
      const denied = podAnnotationProblem(
        "The command's",
        validKeysOnly(tasks[0]!.podAnnotations),
        rules().podAnnotations,
      );
      if (denied) problems.push(denied);
    }
    if (run.spec.timeout && startMs === undefined) {
      const problem = timeoutProblem("The Run's", run.spec.timeout, settings);
      if (problem) problems.push(problem);
    }
    if (problems.length > 0) {
      await endEarly(run, base, problems[0]!.reason, problems.map((p) => p.message).join(" "));
      return undefined;
    }

    // 4. Admission: concurrency policy and named locks.
    const concurrency = concurrencyOf(pipeline, snapshot);
    const self = summarize(run);
    const others = (caches.runs.byIndex(NAMESPACE_INDEX, namespace) as RunObject[]).map(summarize);
    let stop: StopRequest | undefined;
    if (run.spec.cancel) {
      stop = { reason: Reason.UserCancelled, message: "The Run was cancelled." };
    }
    if (startMs === undefined) {
      if (stop) {
        await endEarly(run, base, Reason.UserCancelled, "The Run was cancelled before it started.");
        return undefined;
      }
      const admission = admissionFor(self, others, pipelineName ? concurrency : undefined);
      if (admission.decision === "Refuse") {
        await endEarly(run, base, Reason.ConcurrencyLimited, admission.message);
        return undefined;
      }
      if (admission.decision === "Replaced") {
        await endEarly(run, base, Reason.Replaced, admission.message);
        return undefined;
      }
      if (admission.decision === "Wait") {
        await writeStatus(run, {
          ...base,
          observedGeneration: run.metadata.generation,
          conditions: conditionsWith(run, {
            type: ConditionType.Succeeded,
            status: "Unknown",
            reason: Reason.Queued,
            message: admission.message,
          }),
          tasks: tasks.map((t) => ({
            name: t.name,
            state: TaskState.Pending,
            reason: Reason.Queued,
            message: admission.message,
          })),
        });
        return undefined;
      }
      startMs = nowMs;
      ledger.set(key, { admittedMs: nowMs });
    } else if (!stop) {
      const newer = replacedBy(self, others, concurrency);
      if (pipelineName && newer)
        stop = { reason: Reason.Replaced, message: `The Run was replaced by the newer Run ${newer}.` };
    }

    // 5. The plan.
    const jobs = new Map<string, JobObservation>();
    for (const task of status.tasks ?? []) {
      if (!task.job) continue;
      let job = caches.jobs.get(`${namespace}/${task.job}`);
      if (!job && task.state === TaskState.Running && !task.nextAttemptTime) {
        // Just created and not in the cache yet, or really gone: ask.
        job = await client.find(JOB, namespace, task.job);
      }
      if (job)
        jobs.set(task.job, observeJob(job, caches.pods.byIndex(JOB_INDEX, `${namespace}/${task.job}`), task.name));
    }
    const queued = (status.tasks ?? []).every((t) => t.reason === Reason.Queued);
    const plan = planRun({
      tasks,
      previous: queued ? undefined : status.tasks,
      jobs,
      nowMs,
      startMs,
      runTimeoutMs: runTimeout ? parseDuration(runTimeout) : undefined,
      stop,
      retryDelayMs: (attempt) => retryDelayMs(settings, attempt),
      jobName: (task, attempt) => jobName(name, task, attempt),
    });

    // 6. Jobs first, then status: a status that names a Job always names one that exists.
    const tenant = caches.namespaces.get(namespace)?.metadata.labels?.[LABEL_TENANT] ?? namespace;
    const context: ChildContext = { client, fieldManager: FIELD_MANAGER, owner: run };
    const parameters = base.parameters ?? {};
    for (const start of plan.start) {
      signal?.throwIfAborted();
      const desired = desiredJob({
        run: { name, namespace },
        owner: ownerReferenceTo(run),
        tenant,
        pipeline: pipelineName,
        task: start.task,
        attempt: start.attempt,
        jobName: start.job,
        parameters,
        secretName: pipelineName ? pipelineSecretName(pipelineName) : ONE_OFF_SECRET_NAME,
      });
      const result = await applyChild(context, JOB, caches.jobs, desired);
      if (result.outcome === "NotOwned") {
        throw new Error(`Job ${start.job} exists but does not belong to Run ${name}; delete it so the task can start.`);
      }
      if (result.outcome !== "Unchanged")
        log.info({ run: key, job: start.job, task: start.task.name, attempt: start.attempt }, "Created Job");
    }

    const now = deps.now().toISOString();
    // The message names the running tasks: it changes only when status.tasks does, so it costs no extra write.
    const running = plan.tasks.filter((t) => t.state === TaskState.Running).map((t) => t.name);
    const summary: ConditionInput = plan.outcome
      ? { type: ConditionType.Succeeded, ...plan.outcome }
      : {
          type: ConditionType.Succeeded,
          status: "Unknown",
          reason: Reason.Running,
          message: running.length > 0 ? `Running ${running.join(", ")}.` : "Waiting for the next attempt.",
        };
    if (plan.outcome) ledger.set(key, { ...ledger.get(key), finished: true });
    const started = new Date(startMs).toISOString();
    // When the work ended (the last task's end, from its Job), not when the operator noticed: a Run queued behind
    // this one may be admitted in between, and must not appear to start before this one finished.
    const taskEnds = plan.tasks.map((t) => (t.completionTime ? Date.parse(t.completionTime) : Number.NaN));
    const lastEnd = taskEnds.every((t) => !Number.isNaN(t)) && taskEnds.length > 0 ? Math.max(...taskEnds) : undefined;
    const completion = plan.outcome
      ? lastEnd !== undefined && lastEnd >= startMs
        ? new Date(lastEnd).toISOString()
        : now
      : undefined;
    await writeStatus(run, {
      ...base,
      observedGeneration: run.metadata.generation,
      conditions: setCondition(
        run.status?.conditions as Condition[] | undefined,
        summary,
        run.metadata.generation,
        now,
      ),
      tasks: plan.tasks,
      startTime: started,
      ...(completion ? { completionTime: completion, duration: formatDuration(Date.parse(completion) - startMs) } : {}),
    });

    // 7. Stop what no task wants any more.
    const wanted = new Set(
      plan.tasks.filter((t) => t.state === TaskState.Running && t.job && !t.nextAttemptTime).map((t) => t.job!),
    );
    const held = await stopJobs(run, wanted);

    const wakeMs = plan.wakeAtMs === undefined ? undefined : Math.max(plan.wakeAtMs - deps.now().getTime(), 1);
    if (held) return { requeueAfterMs: Math.min(wakeMs ?? HELD_JOB_RECHECK_MS, HELD_JOB_RECHECK_MS) };
    if (wakeMs !== undefined) return { requeueAfterMs: wakeMs };
    return undefined;
  }

  function fillExitCodes(tasks: TaskStatus[] | undefined, namespace: string): TaskStatus[] | undefined {
    if (!tasks?.some((t) => t.exitCode === undefined && t.job && isTerminal(t.state))) return undefined;
    return tasks.map((t) => {
      if (t.exitCode !== undefined || !t.job || !isTerminal(t.state)) return t;
      const code = podExitCode(caches.pods.byIndex(JOB_INDEX, `${namespace}/${t.job}`), t.name);
      return code === undefined ? t : { ...t, exitCode: code };
    });
  }

  /** Keys to reconcile when a Run changes: the Runs of its namespace that wait on others, or may be replaced. */
  function affectedBy(run: RunObject, previous: RunObject | undefined): ObjectKey[] {
    const relevant = !previous || isFinished(run) !== isFinished(previous) || isAdmitted(run) !== isAdmitted(previous);
    if (!relevant) return [];
    const key = keyOf(run);
    const namespace = run.metadata.namespace ?? "";
    const keys = new Set(waitingRuns(namespace).map(keyOf));
    // A new Run may replace older ones of its Pipeline (policy Replace): they decide that themselves.
    const pipeline = run.spec.pipelineRef?.name;
    if (!previous && pipeline) {
      for (const mate of caches.runs.byIndex(PIPELINE_INDEX, `${namespace}/${pipeline}`) as RunObject[]) {
        if (isAdmitted(mate) && !isFinished(mate)) keys.add(keyOf(mate));
      }
    }
    keys.delete(key);
    return [...keys];
  }

  return { reconcile, affectedBy, waitingRuns };
}
