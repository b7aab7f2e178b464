// What a task's Job and its pods say, for the planner (progress.ts): active, succeeded or failed, when, and the
// task container's exit code.

import { TaskState } from "../../../crds/conditions.ts";
import type { TaskStatus } from "../../../crds/run.ts";
import { LEGACY_CONTAINER_NAME, taskContainerName } from "../../../crds/run-names.ts";
import type { KubeClient } from "../../../kube/kube-client.ts";
import { JOB } from "../../../kube/resources.ts";
import type { KubeObject } from "../../../kube/types.ts";
import type { Informer } from "../../runtime/informer.ts";
import { JOB_INDEX } from "./indexes.ts";
import { isTerminal, type JobObservation } from "./progress.ts";

/** The Job's condition of `type` when it is True (Complete, Failed). */
export function jobCondition(job: KubeObject, type: string) {
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

/** The observation of each task's current Job, by Job name. */
export async function observeTaskJobs(
  client: KubeClient,
  caches: { jobs: Informer; pods: Informer },
  namespace: string,
  tasks: readonly TaskStatus[] | undefined,
): Promise<Map<string, JobObservation>> {
  const jobs = new Map<string, JobObservation>();
  for (const task of tasks ?? []) {
    if (!task.job) continue;
    let job = caches.jobs.get(`${namespace}/${task.job}`);
    if (!job && task.state === TaskState.Running && !task.nextAttemptTime) {
      // Just created and not in the cache yet, or really gone: ask.
      job = await client.find(JOB, namespace, task.job);
    }
    if (job) jobs.set(task.job, observeJob(job, caches.pods.byIndex(JOB_INDEX, `${namespace}/${task.job}`), task.name));
  }
  return jobs;
}

/** Finished tasks whose exit code the pods show only now; undefined when there is none to fill in. */
export function fillExitCodes(
  tasks: TaskStatus[] | undefined,
  podsOfJob: (job: string) => readonly KubeObject[],
): TaskStatus[] | undefined {
  if (!tasks?.some((t) => t.exitCode === undefined && t.job && isTerminal(t.state))) return undefined;
  return tasks.map((t) => {
    if (t.exitCode !== undefined || !t.job || !isTerminal(t.state)) return t;
    const code = podExitCode(podsOfJob(t.job), t.name);
    return code === undefined ? t : { ...t, exitCode: code };
  });
}
