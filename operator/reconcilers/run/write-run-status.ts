// Writing a Run's status: nothing when it equals the live status (steady state), nothing either when the Run was
// deleted meanwhile. When Succeeded changes, the change is logged, and recorded as an event once the Run runs or
// has finished (a queued Run's waiting is not news).
import { ConditionType, Reason } from "../../../crds/conditions.ts";
import { RUN } from "../../../crds/kinds.ts";
import type { RunStatus } from "../../../crds/run.ts";
import { FIELD_MANAGER } from "../../../crds/run-names.ts";
import type { KubeClient } from "../../../kube/kube-client.ts";
import type { Logger } from "../../../kube/logger.ts";
import { keyOf } from "../../../kube/types.ts";
import { type Condition, findCondition } from "../../runtime/conditions.ts";
import type { EventRecorder } from "../../runtime/events.ts";
import { applyStatusIfChanged } from "../../runtime/status.ts";
import { formatDuration } from "../pipeline/validation.ts";
import { writeIfPresent } from "../write-if-present.ts";
import type { RunObject } from "./objects.ts";
import type { RunPlan } from "./progress.ts";
import { succeededOf } from "./status.ts";

export async function writeRunStatus(
  deps: { client: KubeClient; events: EventRecorder; log: Logger },
  run: RunObject,
  status: RunStatus,
): Promise<void> {
  const previous = succeededOf(run);
  const clean = Object.fromEntries(Object.entries(status).filter(([, v]) => v !== undefined));
  if (!(await writeIfPresent(() => applyStatusIfChanged(deps.client, RUN, run, clean, FIELD_MANAGER)))) return;
  const now = findCondition(status.conditions as Condition[], ConditionType.Succeeded);
  if (now && (now.status !== previous?.status || now.reason !== previous?.reason)) {
    deps.log.info({ run: keyOf(run), status: now.status, reason: now.reason }, "Updated Run");
    if (now.status !== "Unknown" || now.reason === Reason.Running) {
      deps.events.record(run, now.status === "False" ? "Warning" : "Normal", now.reason, now.message);
    }
  }
}

/**
 * When a finished Run's work ended: the last task's end (from its Job), not when the operator noticed — a Run
 * queued behind this one may be admitted in between, and must not appear to start before this one finished.
 * Undefined while the Run is in flight.
 */
export function completionFields(
  plan: RunPlan,
  startMs: number,
  now: string,
): Pick<RunStatus, "completionTime" | "duration"> {
  if (!plan.outcome) return {};
  const taskEnds = plan.tasks.map((t) => (t.completionTime ? Date.parse(t.completionTime) : Number.NaN));
  const lastEnd = taskEnds.every((t) => !Number.isNaN(t)) && taskEnds.length > 0 ? Math.max(...taskEnds) : undefined;
  const completion = lastEnd !== undefined && lastEnd >= startMs ? new Date(lastEnd).toISOString() : now;
  return { completionTime: completion, duration: formatDuration(Date.parse(completion) - startMs) };
}
