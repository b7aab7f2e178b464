// The status fields a Pipeline reports about its Runs and triggers (pure): the latest Run, the last and next
// trigger times, and how many Runs are active and queued.
import type { TriggerStatus } from "../../../crds/pipeline.ts";
import type { RunObject } from "../run/objects.ts";
import { isAdmitted, isFinished } from "../run/status.ts";

export function runFields(runs: readonly RunObject[], triggers: readonly TriggerStatus[]): Record<string, unknown> {
  // Newest by creation, the name breaking ties: the same Runs always name the same one (no flapping status).
  const age = (r: RunObject) => `${r.metadata.creationTimestamp ?? ""} ${r.metadata.name ?? ""}`;
  const latest = runs.reduce<RunObject | undefined>((best, r) => (!best || age(r) > age(best) ? r : best), undefined);
  const unfinished = runs.filter((r) => !isFinished(r));
  const times = (field: "lastScheduleTime" | "nextScheduleTime", pick: (a: string, b: string) => boolean) =>
    triggers
      .map((t) => t[field])
      .filter((t): t is string => t !== undefined)
      .reduce<string | undefined>((best, t) => (best === undefined || pick(t, best) ? t : best), undefined);
  return {
    lastRun: latest?.metadata.name,
    lastRunTime: latest?.metadata.creationTimestamp,
    lastScheduleTime: times("lastScheduleTime", (a, b) => a > b),
    nextScheduleTime: times("nextScheduleTime", (a, b) => a < b),
    activeRuns: unfinished.filter(isAdmitted).length,
    queuedRuns: unfinished.filter((r) => !isAdmitted(r)).length,
    triggers: triggers.length > 0 ? triggers : undefined,
  };
}
