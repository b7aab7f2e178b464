// Firing a valid Pipeline's due triggers: the pure step (desired.ts triggerStep) decides per trigger whether a
// slot is due and which were missed; this creates the slot's Run (by name, so a slot never starts two), warns
// about skipped slots, and says when the next trigger is due.
import { Reason } from "../../../crds/conditions.ts";
import { RUN } from "../../../crds/kinds.ts";
import type { PipelineSpec, TriggerStatus } from "../../../crds/pipeline.ts";
import { KubeApiError, type KubeClient, resourcePath } from "../../../kube/kube-client.ts";
import type { Logger } from "../../../kube/logger.ts";
import { type KubeObject, keyOf } from "../../../kube/types.ts";
import { ownerReferenceTo } from "../../runtime/children.ts";
import type { EventRecorder } from "../../runtime/events.ts";
import { desiredTriggeredRun, triggerStep } from "./desired.ts";
import { FIELD_MANAGER } from "./names.ts";
import { scheduleOf, triggerName } from "./schedule.ts";

export interface FiredTriggers {
  statuses: TriggerStatus[];
  /** When the soonest trigger is next due; undefined without one. */
  requeueAtMs: number | undefined;
}

/** The trigger status that has got further (the later next time), of the cached and the remembered one. */
export function newerOf(
  cached: TriggerStatus | undefined,
  remembered: TriggerStatus | undefined,
): TriggerStatus | undefined {
  if (!cached || !remembered || cached.schedule !== remembered.schedule) return cached;
  return (remembered.nextScheduleTime ?? "") > (cached.nextScheduleTime ?? "") ? remembered : cached;
}

/** Creates the Run of a slot unless it exists: its name is the slot, so a slot never starts two Runs. */
async function createOnce(client: KubeClient, run: KubeObject): Promise<void> {
  try {
    await client.request("POST", resourcePath(RUN, run.metadata.namespace), {
      body: run,
      query: { fieldManager: FIELD_MANAGER },
    });
  } catch (error) {
    if (error instanceof KubeApiError && error.isAlreadyExists) return;
    throw error;
  }
}

export async function fireTriggers(
  deps: { client: KubeClient; events: EventRecorder; log: Logger; toleranceMs: number },
  pipeline: KubeObject,
  spec: PipelineSpec,
  /** The trigger statuses this process decided last, which the cache may not show yet. */
  remembered: readonly TriggerStatus[] | undefined,
  nowMs: number,
  signal: AbortSignal | undefined,
): Promise<FiredTriggers> {
  const key = keyOf(pipeline);
  const previous = (pipeline.status ?? {}) as { triggers?: TriggerStatus[] };
  const identity = {
    name: pipeline.metadata.name ?? "",
    namespace: pipeline.metadata.namespace ?? "",
    labels: pipeline.metadata.labels ?? {},
  };
  const anchorMs = Date.parse(pipeline.metadata.creationTimestamp ?? new Date(nowMs).toISOString()) || nowMs;
  const fired: FiredTriggers = { statuses: [], requeueAtMs: undefined };
  for (const [index, trigger] of (spec.triggers ?? []).entries()) {
    const name = triggerName(trigger, index);
    const step = triggerStep({
      trigger,
      name,
      schedule: scheduleOf(trigger, anchorMs, `${pipeline.metadata.uid}/${name}`),
      previous: newerOf(
        previous.triggers?.find((t) => t.name === name),
        remembered?.find((t) => t.name === name),
      ),
      nowMs,
      toleranceMs: deps.toleranceMs,
    });
    let status = step.status;
    if (step.fire !== undefined) {
      signal?.throwIfAborted();
      const owner = ownerReferenceTo(pipeline);
      const run = desiredTriggeredRun(identity, owner, { name, parameters: trigger.parameters }, step.fire);
      await createOnce(deps.client, run);
      status = { ...status, lastRun: run.metadata.name };
      deps.log.info({ pipeline: key, trigger: name, run: run.metadata.name }, "Created Run");
    }
    if (step.skipped.length > 0) {
      const times = step.skipped.map((s) => new Date(s).toISOString());
      const message = `Trigger ${name} skipped ${times.length} slot(s) missed while the operator was unavailable (missedPolicy ${trigger.missedPolicy}): ${times.slice(-5).join(", ")}${times.length > 5 ? ", …" : ""}.`;
      deps.events.record(pipeline, "Warning", Reason.Skipped, message);
      deps.log.warn({ pipeline: key, trigger: name, skipped: times.length }, "Skipped trigger slots");
    }
    fired.statuses.push(status);
    const next = Date.parse(status.nextScheduleTime ?? "");
    if (!Number.isNaN(next))
      fired.requeueAtMs = fired.requeueAtMs === undefined ? next : Math.min(fired.requeueAtMs, next);
  }
  return fired;
}
