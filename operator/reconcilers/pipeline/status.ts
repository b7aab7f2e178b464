// The Pipeline's condition set: TriggersReady (only while it has triggers) summarised into Ready. A Pipeline whose
// spec has problems is not Ready whatever its triggers say: the first problem's reason, every problem's message.
// Every Pipeline condition is set through a helper here; each is pure over the conditions it is given.
import { ConditionType, Reason } from "../../../crds/conditions.ts";
import { type Condition, type ConditionInput, summarize } from "../../runtime/conditions.ts";
import { type ConditionStamp, mark } from "../condition-stamp.ts";
import type { SpecProblem } from "./validation.ts";

type Conditions = readonly Condition[] | undefined;

/** How an abandoned reconcile shows on a Pipeline (runtime/reconcile-timeout.ts): Ready=False, ReconcileTimeout. */
export const PIPELINE_TIMEOUT_REPORT = { summary: ConditionType.Ready, status: "False" } as const;

/** A trigger's cron expression or time zone does not parse, or it fires too often. */
export function markTriggersInvalid(
  conditions: Conditions,
  stamp: ConditionStamp,
  problems: readonly SpecProblem[],
): Condition[] {
  return mark(conditions, stamp, {
    type: ConditionType.TriggersReady,
    status: "False",
    reason: problems[0]!.reason,
    message: problems.map((p) => p.message).join(" "),
  });
}

/** The triggers are fine but the Pipeline is not: they fire only for a valid Pipeline. */
export function markTriggersWaiting(conditions: Conditions, stamp: ConditionStamp): Condition[] {
  return mark(conditions, stamp, {
    type: ConditionType.TriggersReady,
    status: "Unknown",
    reason: Reason.Paused,
    message: "Triggers wait until the Pipeline is valid.",
  });
}

export function markTriggersScheduled(conditions: Conditions, stamp: ConditionStamp, count: number): Condition[] {
  return mark(conditions, stamp, {
    type: ConditionType.TriggersReady,
    status: "True",
    reason: Reason.Scheduled,
    message: `${count} trigger(s) scheduled.`,
  });
}

/** A Pipeline without triggers carries no TriggersReady. */
export function clearTriggersReady(conditions: Conditions): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== ConditionType.TriggersReady);
}

/** TriggersReady from the spec's problems: schedule problems first, then any other problem pauses the triggers. */
export function markTriggers(
  conditions: Conditions,
  stamp: ConditionStamp,
  triggers: number,
  problems: readonly SpecProblem[],
): Condition[] {
  if (triggers === 0) return clearTriggersReady(conditions);
  const schedule = problems.filter(
    (p) => p.reason === Reason.InvalidSchedule || p.reason === Reason.TriggerTooFrequent,
  );
  if (schedule.length > 0) return markTriggersInvalid(conditions, stamp, schedule);
  if (problems.length > 0) return markTriggersWaiting(conditions, stamp);
  return markTriggersScheduled(conditions, stamp, triggers);
}

/** Sets Ready; returns the new list and the Ready it computed (for the warning event). */
export function markPipelineReady(
  conditions: Conditions,
  stamp: ConditionStamp,
  problems: readonly SpecProblem[],
  shape: { triggers: number; tasks: number },
): { conditions: Condition[]; ready: ConditionInput } {
  const ready: ConditionInput =
    problems.length > 0
      ? {
          type: ConditionType.Ready,
          status: "False",
          reason: problems[0]!.reason,
          message: problems.map((p) => p.message).join(" "),
        }
      : summarize(conditions ?? [], ConditionType.Ready, shape.triggers > 0 ? [ConditionType.TriggersReady] : [], {
          reason: Reason.Available,
          message: `The Pipeline's ${shape.tasks} task(s) form a valid graph.`,
        });
  return { conditions: mark(conditions, stamp, ready), ready };
}
