// Pure builders and decisions for the Pipeline reconciler: the Secret its tasks read, the Run a trigger starts,
// what a trigger does at a given time, and which finished Runs history no longer keeps.
import type { Trigger, TriggerStatus } from "../../../crds/pipeline.ts";
import type { KubeObject, OwnerReference } from "../../../kube/types.ts";
import {
  ANNOTATION_SCHEDULED_TIME,
  LABEL_MANAGED_BY,
  LABEL_PIPELINE,
  LABEL_TENANT,
  LABEL_TRIGGER,
  MANAGED_BY,
  pipelineSecretName,
  triggeredRunName,
} from "./names.ts";
import { describeSchedule, dueSlots, type Schedule, slotAfter } from "./schedule.ts";

export interface PipelineIdentity {
  name: string;
  namespace: string;
  labels: Readonly<Record<string, string>>;
}

/** Holds the values of the Pipeline's secretEnv; the operator owns the object, the API its data. */
export function desiredSecret(pipeline: PipelineIdentity, owner: OwnerReference, tenant: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: pipelineSecretName(pipeline.name),
      namespace: pipeline.namespace,
      labels: { [LABEL_MANAGED_BY]: MANAGED_BY, [LABEL_PIPELINE]: pipeline.name, [LABEL_TENANT]: tenant },
      ownerReferences: [owner],
    },
    type: "Opaque",
  };
}

/** The Run a trigger starts for one slot. It carries the Pipeline's labels (so a sharded operator sees it). */
export function desiredTriggeredRun(
  pipeline: PipelineIdentity,
  owner: OwnerReference,
  trigger: { name: string; parameters?: Record<string, string> },
  slotMs: number,
): KubeObject {
  const parameters = trigger.parameters && Object.keys(trigger.parameters).length > 0 ? trigger.parameters : undefined;
  return {
    apiVersion: "loco.dev/v1alpha1",
    kind: "Run",
    metadata: {
      name: triggeredRunName(pipeline.name, trigger.name, slotMs),
      namespace: pipeline.namespace,
      labels: { ...pipeline.labels, [LABEL_PIPELINE]: pipeline.name, [LABEL_TRIGGER]: trigger.name },
      annotations: { [ANNOTATION_SCHEDULED_TIME]: new Date(slotMs).toISOString() },
      ownerReferences: [{ ...owner, blockOwnerDeletion: false }],
    },
    spec: {
      pipelineRef: { name: pipeline.name, ...(parameters ? { parameters: { ...parameters } } : {}) },
      startedBy: { kind: "Trigger", trigger: trigger.name },
    },
  };
}

export interface TriggerStep {
  status: TriggerStatus;
  /** The slot to start a Run for now, if any. */
  fire: number | undefined;
  /** Slots that fell due but will not run (missed while the operator was away). */
  skipped: number[];
}

/**
 * What one trigger does at `nowMs`. A trigger new to status (or whose schedule changed) starts counting from now;
 * otherwise every slot from the stored next time up to now is due: the newest runs (policy RunOnce, or Skip when
 * it is not late), the others are skipped — never more than one Run per reconcile, never one twice.
 */
export function triggerStep(input: {
  trigger: Trigger;
  name: string;
  schedule: Schedule;
  previous: TriggerStatus | undefined;
  nowMs: number;
  toleranceMs: number;
}): TriggerStep {
  const { trigger, name, schedule, nowMs } = input;
  const description = describeSchedule(trigger);
  const previous = input.previous?.schedule === description ? input.previous : undefined;
  const iso = (ms: number) => new Date(ms).toISOString();
  const storedNext = previous?.nextScheduleTime ? Date.parse(previous.nextScheduleTime) : undefined;
  if (storedNext === undefined || Number.isNaN(storedNext)) {
    const next = slotAfter(schedule, nowMs);
    return {
      status: clean({
        name,
        schedule: description,
        lastScheduleTime: previous?.lastScheduleTime,
        lastRun: previous?.lastRun,
        nextScheduleTime: iso(next),
      }),
      fire: undefined,
      skipped: [],
    };
  }
  if (nowMs < storedNext) {
    return { status: clean({ ...previous!, name, schedule: description }), fire: undefined, skipped: [] };
  }
  const due = dueSlots(schedule, storedNext, nowMs);
  const latest = due.at(-1)!;
  const late = nowMs - latest > input.toleranceMs;
  const fire = trigger.missedPolicy === "Skip" && late ? undefined : latest;
  const skipped = due.filter((slot) => slot !== fire);
  return {
    status: clean({
      name,
      schedule: description,
      lastScheduleTime: iso(latest),
      lastRun: fire === undefined ? previous?.lastRun : undefined,
      nextScheduleTime: iso(slotAfter(schedule, Math.max(latest, nowMs))),
    }),
    fire,
    skipped,
  };
}

function clean<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export interface FinishedRun {
  name: string;
  succeeded: boolean;
  /** When it finished (or was created); newer is kept. */
  at: string;
}

/** Finished Runs beyond the history limits, oldest first: the ones to delete. */
export function runsBeyondHistory(
  runs: readonly FinishedRun[],
  history: { successfulRuns: number; failedRuns: number },
): string[] {
  const newestFirst = [...runs].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : a.name < b.name ? 1 : -1));
  const succeeded = newestFirst.filter((r) => r.succeeded).slice(history.successfulRuns);
  const failed = newestFirst.filter((r) => !r.succeeded).slice(history.failedRuns);
  return [...succeeded, ...failed]
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.name < b.name ? -1 : 1))
    .map((r) => r.name);
}
