// One snapshot of a Pipeline's Runs decides both what history goes and what the status says (pure). The status is
// computed over the Runs that remain once the history is pruned, so it never names a Run this reconcile deletes,
// and it is written before the deletions: whoever sees a Run pruned already finds a status at least as new as the
// snapshot that pruned it (issue #24: a reader saw the prune and then the previous status, {lastRun, activeRuns: 1}).
import type { PipelineSpec, TriggerStatus } from "../../../crds/pipeline.ts";
import type { RunObject } from "../run/objects.ts";
import { isFinished, succeededOf } from "../run/status.ts";
import { runsBeyondHistory } from "./desired.ts";
import { runFields } from "./run-fields.ts";

/** What the history keeps when the spec does not say (the schema's defaults). */
const DEFAULT_HISTORY = { successfulRuns: 10, failedRuns: 10 };

export interface RunReport {
  /** Finished Runs beyond the history limits, oldest first, that are not already being deleted. */
  prune: RunObject[];
  /** The status fields about Runs and triggers, over the Runs that remain. */
  fields: Record<string, unknown>;
}

export function runReport(
  runs: readonly RunObject[],
  triggers: readonly TriggerStatus[],
  history: PipelineSpec["history"] | undefined,
): RunReport {
  const finished = runs.filter(isFinished).map((r) => ({
    name: r.metadata.name ?? "",
    succeeded: succeededOf(r)?.status === "True",
    at: r.status?.completionTime ?? r.metadata.creationTimestamp ?? "",
  }));
  const beyond = new Set(runsBeyondHistory(finished, history ?? DEFAULT_HISTORY));
  const byName = new Map(runs.map((r) => [r.metadata.name ?? "", r]));
  const prune = [...beyond]
    .map((name) => byName.get(name))
    .filter((r): r is RunObject => r !== undefined && !r.metadata.deletionTimestamp);
  const remaining = runs.filter((r) => !beyond.has(r.metadata.name ?? ""));
  return { prune, fields: runFields(remaining, triggers) };
}
