// Task outputs: what a task publishes for later tasks — a JSON object of strings written to its container's
// termination message (/dev/termination-log, at most 4 KiB, which the kubelet copies into the pod's status) — and
// the substitution of `$(tasks.<task>.outputs.<name>)` in later tasks. Pure functions over pods and statuses.
import { TaskState } from "../../../crds/conditions.ts";
import type { TaskStatus } from "../../../crds/run.ts";
import { taskContainerName } from "../../../crds/run-names.ts";
import type { KubeObject } from "../../../kube/types.ts";

const MAX_OUTPUTS = 16;
const OUTPUT_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,62}$/;
const REFERENCE = /\$\(tasks\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.outputs\.([A-Za-z_][A-Za-z0-9_-]{0,62})\)/g;

type Terminated = { message?: string; exitCode?: number };
type ContainerStatus = { name: string; state?: { terminated?: Terminated } };

/** The task container's terminated state in any of the pods, if one shows it. */
function terminatedOf(pods: readonly KubeObject[], task: string): Terminated | undefined {
  for (const pod of pods) {
    const statuses = ((pod.status ?? {}) as { containerStatuses?: ContainerStatus[] }).containerStatuses;
    const terminated = statuses?.find((s) => s.name === taskContainerName(task))?.state?.terminated;
    if (terminated && terminated.exitCode === 0) return terminated;
  }
  return undefined;
}

/**
 * The outputs a task's termination message publishes: a JSON object whose string values are kept (at most 16,
 * names as for environment variables, values up to 4096 characters). Anything else — no message, plain text, a
 * number — publishes nothing: a task that writes no outputs simply has none.
 */
export function parseOutputs(message: string | undefined): Record<string, string> | undefined {
  if (!message?.trim().startsWith("{")) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
  const outputs: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (Object.keys(outputs).length >= MAX_OUTPUTS) break;
    if (OUTPUT_NAME.test(name) && typeof value === "string" && value.length <= 4096) outputs[name] = value;
  }
  return Object.keys(outputs).length > 0 ? outputs : undefined;
}

/** True when a Succeeded task's outputs are not read yet and its pod does not show its end yet. */
export function outputsPending(task: TaskStatus, pods: readonly KubeObject[]): boolean {
  return task.state === TaskState.Succeeded && !!task.job && !task.outputs && !terminatedOf(pods, task.name);
}

/** Tasks that succeeded with their outputs filled in from their pods (once: outputs already read are kept). */
export function withOutputs(
  tasks: readonly TaskStatus[],
  podsOfJob: (job: string) => readonly KubeObject[],
): TaskStatus[] {
  return tasks.map((t) => {
    if (t.state !== TaskState.Succeeded || !t.job || t.outputs) return t;
    const outputs = parseOutputs(terminatedOf(podsOfJob(t.job), t.name)?.message);
    return outputs ? { ...t, outputs } : t;
  });
}

/** Every task's outputs, by task name. */
export function outputsByTask(tasks: readonly TaskStatus[] | undefined): Record<string, Record<string, string>> {
  return Object.fromEntries((tasks ?? []).filter((t) => t.outputs).map((t) => [t.name, t.outputs!]));
}

/** `$(tasks.<task>.outputs.<name>)` replaced by the value; a reference to nothing published is left as written. */
export function substituteOutputs(text: string, outputs: Readonly<Record<string, Record<string, string>>>): string {
  return text.replace(REFERENCE, (whole, task: string, _inner, name: string) => outputs[task]?.[name] ?? whole);
}

/** The tasks a text refers to through output references. */
export function referencedTasks(text: string): string[] {
  return [...text.matchAll(REFERENCE)].map((m) => m[1]!);
}
