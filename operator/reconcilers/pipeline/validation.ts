// What the schema can't check about a Pipeline: the DAG (unknown dependencies, cycles), the platform's timeout
// bounds, minimum trigger interval and allowed pod annotations, and the cron expressions. Pure; shared by the
// Pipeline reconciler (Ready=False) and the Run reconciler (a Run of an invalid spec fails with the same reason).
import { parseDuration } from "../../../crds/common.ts";
import { Reason } from "../../../crds/conditions.ts";
import type { PipelineSpec, Task, Trigger } from "../../../crds/pipeline.ts";
import type { BatchSettings } from "../../batch-settings.ts";
import { type PodAnnotationPolicy, podAnnotationProblem } from "./pod-annotations.ts";
import { cronMinimumGapMs, cronProblem, triggerName } from "./schedule.ts";
import { stepWiringProblems } from "./step-wiring.ts";

export interface SpecProblem {
  reason: Reason;
  message: string;
}

type TimeoutBounds = Pick<BatchSettings, "minTimeoutMs" | "maxTimeoutMs">;

/** The platform's rules a Pipeline is held to: operator settings and the namespace's Profile. */
export interface PipelineRules extends TimeoutBounds, Pick<BatchSettings, "minTriggerIntervalMs"> {
  podAnnotations: PodAnnotationPolicy;
}

export function formatDuration(ms: number): string {
  if (ms <= 0) return "0s";
  const parts: string[] = [];
  let rest = Math.round(ms);
  for (const [unit, size] of [
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1000],
  ] as const) {
    const amount = Math.floor(rest / size);
    if (amount > 0) parts.push(`${amount}${unit}`);
    rest -= amount * size;
  }
  if (rest > 0) parts.push(`${rest}ms`);
  return parts.join("");
}

/** A problem when `value` (a duration) is outside the platform's bounds. */
export function timeoutProblem(what: string, value: string, bounds: TimeoutBounds): SpecProblem | undefined {
  const ms = parseDuration(value);
  if (ms >= bounds.minTimeoutMs && ms <= bounds.maxTimeoutMs) return undefined;
  return {
    reason: Reason.TimeoutOutOfBounds,
    message: `${what} timeout ${value} is outside the platform's bounds of ${formatDuration(bounds.minTimeoutMs)} to ${formatDuration(bounds.maxTimeoutMs)}; choose a timeout in that range.`,
  };
}

/** Tasks in an order where every task comes after its dependencies; undefined when there is a cycle. */
export function topologicalOrder(tasks: readonly Pick<Task, "name" | "dependsOn">[]): string[] | undefined {
  const names = new Set(tasks.map((t) => t.name));
  const remaining = new Map(
    tasks.map((t) => [t.name, new Set(Object.keys(t.dependsOn ?? {}).filter((d) => names.has(d)))]),
  );
  const order: string[] = [];
  while (remaining.size > 0) {
    const ready = [...remaining].filter(([, deps]) => deps.size === 0).map(([name]) => name);
    if (ready.length === 0) return undefined;
    for (const name of ready) {
      remaining.delete(name);
      order.push(name);
      for (const deps of remaining.values()) deps.delete(name);
    }
  }
  return order;
}

/** One cycle of the graph, as task names with the first repeated at the end (`a → b → a`). */
function findCycle(tasks: readonly Pick<Task, "name" | "dependsOn">[]): string[] | undefined {
  const byName = new Map(tasks.map((t) => [t.name, t]));
  const state = new Map<string, "visiting" | "done">();
  const path: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === "done") return undefined;
    if (state.get(name) === "visiting") return [...path.slice(path.indexOf(name)), name];
    state.set(name, "visiting");
    path.push(name);
    for (const dep of Object.keys(byName.get(name)?.dependsOn ?? {})) {
      if (!byName.has(dep)) continue;
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(name, "done");
    return undefined;
  };
  for (const task of tasks) {
    const cycle = visit(task.name);
    if (cycle) return cycle;
  }
  return undefined;
}

const QUALIFIED_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Whether `key` is a valid Kubernetes annotation key (`[prefix/]name`), which the apiserver would otherwise refuse. */
export function isAnnotationKey(key: string): boolean {
  const slash = key.lastIndexOf("/");
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) return false;
  return QUALIFIED_NAME.test(name);
}

/** A problem naming the task when its podAnnotations have a key Kubernetes would refuse. */
export function annotationProblem(
  task: string,
  annotations: Readonly<Record<string, string>> | undefined,
): SpecProblem | undefined {
  const bad = Object.keys(annotations ?? {}).filter((key) => !isAnnotationKey(key));
  if (bad.length === 0) return undefined;
  return {
    reason: Reason.InvalidSpec,
    message: `Task ${task}: podAnnotations key(s) ${bad.map((k) => JSON.stringify(k)).join(", ")} are not valid annotation keys (such as example.com/name); fix them.`,
  };
}

/**
 * A problem naming the trigger when it would fire more often than the platform allows: an interval below the
 * minimum, or a cron schedule with two fire times closer than it (such as a 6-field schedule firing every second).
 */
export function triggerFrequencyProblem(
  trigger: Trigger,
  index: number,
  rules: Pick<BatchSettings, "minTriggerIntervalMs">,
): SpecProblem | undefined {
  const minimum = formatDuration(rules.minTriggerIntervalMs);
  const name = triggerName(trigger, index);
  if (trigger.interval) {
    if (parseDuration(trigger.interval.every) >= rules.minTriggerIntervalMs) return undefined;
    return {
      reason: Reason.TriggerTooFrequent,
      message: `Trigger ${name}: interval ${trigger.interval.every} is shorter than the platform's minimum of ${minimum}; set spec.triggers[${index}].interval.every to ${minimum} or more.`,
    };
  }
  if (!trigger.cron) return undefined;
  const gap = cronMinimumGapMs(trigger.cron.schedule);
  if (gap === undefined || gap >= rules.minTriggerIntervalMs) return undefined;
  return {
    reason: Reason.TriggerTooFrequent,
    message: `Trigger ${name}: cron schedule ${JSON.stringify(trigger.cron.schedule)} fires as often as every ${formatDuration(gap)}, more often than the platform's minimum of ${minimum}; change spec.triggers[${index}].cron.schedule so that its runs are at least ${minimum} apart.`,
  };
}

/** Every problem with the spec, most fundamental first; empty when the Pipeline can run. */
export function validatePipeline(spec: PipelineSpec, rules: PipelineRules): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const seen = new Set<string>();
  for (const task of spec.tasks) {
    if (seen.has(task.name)) {
      problems.push({
        reason: Reason.DuplicateTask,
        message: `Task ${task.name} is defined more than once; give each task a unique name.`,
      });
    }
    seen.add(task.name);
  }
  for (const task of spec.tasks) {
    for (const dep of Object.keys(task.dependsOn ?? {})) {
      if (dep === task.name) {
        problems.push({
          reason: Reason.DependencyCycle,
          message: `Task ${task.name} depends on itself; remove it from its own dependsOn.`,
        });
      } else if (!seen.has(dep)) {
        problems.push({
          reason: Reason.UnknownDependency,
          message: `Task ${task.name} depends on ${dep}, which is not a task of this Pipeline; fix dependsOn or add the task.`,
        });
      }
    }
  }
  const cycle = findCycle(spec.tasks);
  if (cycle && cycle.length > 2) {
    problems.push({
      reason: Reason.DependencyCycle,
      message: `Tasks ${cycle.join(" → ")} depend on each other in a cycle; remove one of those dependencies.`,
    });
  }
  problems.push(...stepWiringProblems(spec));
  for (const task of spec.tasks) {
    const problem = timeoutProblem(`Task ${task.name}:`, task.timeout, rules);
    if (problem) problems.push(problem);
    const annotations = annotationProblem(task.name, task.podAnnotations);
    if (annotations) problems.push(annotations);
    const denied = podAnnotationProblem(`Task ${task.name}:`, validKeysOnly(task.podAnnotations), rules.podAnnotations);
    if (denied) problems.push(denied);
  }
  if (spec.timeout) {
    const problem = timeoutProblem("The Pipeline's", spec.timeout, rules);
    if (problem) problems.push(problem);
  }
  (spec.triggers ?? []).forEach((trigger, index) => {
    const problem = trigger.cron ? cronProblem(trigger.cron.schedule, trigger.cron.timeZone) : undefined;
    if (problem) {
      problems.push({
        reason: Reason.InvalidSchedule,
        message: `Trigger ${triggerName(trigger, index)}: ${problem}; fix spec.triggers.`,
      });
      return;
    }
    const frequency = triggerFrequencyProblem(trigger, index, rules);
    if (frequency) problems.push(frequency);
  });
  return problems;
}

/** Keys Kubernetes would refuse are reported by annotationProblem; the policy speaks only about the others. */
export function validKeysOnly(
  annotations: Readonly<Record<string, string>> | undefined,
): Record<string, string> | undefined {
  return annotations && Object.fromEntries(Object.entries(annotations).filter(([key]) => isAnnotationKey(key)));
}
