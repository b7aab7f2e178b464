// The Run's condition set (batch, in Knative's terms): one condition, Succeeded, which is itself the summary —
// Unknown while the Run waits or runs, True or False once it has finished (terminal). Every Run condition is set
// through a mark… helper here; each is pure over the conditions it is given.
import { ConditionType, Reason, TaskState } from "../../../crds/conditions.ts";
import type { TaskStatus } from "../../../crds/run.ts";
import { type Condition, findCondition } from "../../runtime/conditions.ts";
import { type ConditionStamp, mark } from "../condition-stamp.ts";
import type { RunObject } from "./objects.ts";
import type { RunOutcome, RunTask } from "./progress.ts";

type Conditions = readonly Condition[] | undefined;

/**
 * How an abandoned reconcile shows on a Run (runtime/reconcile-timeout.ts): Succeeded=Unknown, ReconcileTimeout,
 * and only while it is in flight — a timeout is not its outcome, and a finished Run's outcome stays.
 */
export const RUN_TIMEOUT_REPORT = { summary: ConditionType.Succeeded, status: "Unknown" } as const;

/** The Run's Succeeded condition, as the cache shows it. */
export const succeededOf = (run: RunObject): Condition | undefined =>
  findCondition(run.status?.conditions as Condition[] | undefined, ConditionType.Succeeded);

/** Finished: Succeeded is True or False, and stays so. */
export const isFinished = (run: RunObject): boolean => {
  const status = succeededOf(run)?.status;
  return status === "True" || status === "False";
};

/** Admitted: it got a concurrency slot and its locks (status.startTime is set then). */
export const isAdmitted = (run: RunObject): boolean => run.status?.startTime !== undefined;

/** The Run failed before any task ran (refused, invalid, cancelled or replaced while queued). */
export function markEndedEarly(conditions: Conditions, stamp: ConditionStamp, reason: string, message: string) {
  return mark(conditions, stamp, { type: ConditionType.Succeeded, status: "False", reason, message });
}

export function markWaitingForPipeline(
  conditions: Conditions,
  stamp: ConditionStamp,
  pipeline: string,
  namespace: string,
): Condition[] {
  return mark(conditions, stamp, {
    type: ConditionType.Succeeded,
    status: "Unknown",
    reason: Reason.PipelineNotFound,
    message: `Waiting for Pipeline ${pipeline} to exist in namespace ${namespace}.`,
  });
}

/** Waiting for a concurrency slot or a named lock; `message` says which. */
export function markQueued(conditions: Conditions, stamp: ConditionStamp, message: string): Condition[] {
  return mark(conditions, stamp, { type: ConditionType.Succeeded, status: "Unknown", reason: Reason.Queued, message });
}

/** The task list of a queued Run: every task Pending, for the same reason as the Run. */
export function queuedTasks(tasks: readonly RunTask[], message: string): TaskStatus[] {
  return tasks.map((t) => ({ name: t.name, state: TaskState.Pending, reason: Reason.Queued, message }));
}

/**
 * In flight. The message names the running tasks: it changes only when status.tasks does, so it costs no extra
 * write.
 */
export function markRunning(conditions: Conditions, stamp: ConditionStamp, running: readonly string[]): Condition[] {
  return mark(conditions, stamp, {
    type: ConditionType.Succeeded,
    status: "Unknown",
    reason: Reason.Running,
    message: running.length > 0 ? `Running ${running.join(", ")}.` : "Waiting for the next attempt.",
  });
}

/** Finished, with the outcome the planner (progress.ts) decided. */
export function markFinished(conditions: Conditions, stamp: ConditionStamp, outcome: RunOutcome): Condition[] {
  return mark(conditions, stamp, { type: ConditionType.Succeeded, ...outcome });
}
