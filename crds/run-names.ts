// Every name and label the Run reconciler gives its Jobs, in one place.
import { createHash } from "node:crypto";

export { FIELD_MANAGER, LABEL_MANAGED_BY, LABEL_TENANT, MANAGED_BY } from "./app-names.ts";

export const LABEL_RUN = "loco.dev/run";
export const LABEL_TASK = "loco.dev/task";
export const LABEL_PIPELINE = "loco.dev/pipeline";
export const LABEL_ATTEMPT = "loco.dev/attempt";
/** "false" on the Jobs of tasks whose output is not collected (logging: false). */
export const ANNOTATION_LOGGING = "loco.dev/logging";
/** Set by the Job controller on a Job's pods. */
export const LABEL_JOB_NAME = "batch.kubernetes.io/job-name";

/** Selects the pods of Runs' Jobs in the pod informer. */
export const RUN_POD_SELECTOR = LABEL_RUN;

/** The task name of a one-off Run (spec.task). */
export const INLINE_TASK = "run-task";
/**
 * A task's container is named after the task (a DNS label, like a container name), so that `kubectl logs` and the
 * log capture can tell tasks apart by container, and the pod's status names the task.
 */
export const taskContainerName = (task: string): string => task;
/** The container name of Jobs created before containers were named after their task. */
export const LEGACY_CONTAINER_NAME = "task";

/** Label values are at most 63 characters; a longer Run name is shortened with a digest to stay unique. */
export function labelValue(value: string): string {
  return shorten(value, 63);
}

function shorten(value: string, max: number): string {
  if (value.length <= max) return value;
  const digest = createHash("sha256").update(value).digest("hex").slice(0, 8);
  return `${value.slice(0, max - 9).replace(/[-.]+$/, "")}-${digest}`;
}

/** `<run>-<task>-<attempt>`, shortened to 63 characters (the Job controller puts it in a pod label). */
export function jobName(run: string, task: string, attempt: number): string {
  return shorten(`${run}-${task}-${attempt}`, 63);
}

/** The Secret a Pipeline's tasks read secretEnv from (the operator creates it empty; the API fills it). */
// Not `<name>-secrets` (an App's Secret: an App and a Pipeline may share a name). App names cannot hold a dot, so no
// App's Secret can ever take this name.
export const pipelineSecretName = (pipeline: string) => `${pipeline}.pipeline-secrets`;
/** The Secret a one-off Run reads secretEnv from: one per namespace. */
// With a dot, so that no App (whose Secret is `<app>-secrets`, and whose name has no dot) can ever own it.
export const ONE_OFF_SECRET_NAME = "loco.run-secrets";
