// Admissions and endings this process decided but the cache may not show yet: two Runs reconciled back to back
// must not both take the last slot. Decided and recorded synchronously, so no lock is needed.
import { keyOf, type ObjectKey } from "../../../kube/types.ts";
import type { Informer } from "../../runtime/informer.ts";
import type { RunSummary } from "./admission.ts";
import type { PipelineObject, RunObject } from "./objects.ts";
import { isAdmitted, isFinished } from "./status.ts";

export class RunLedger {
  private readonly noted = new Map<ObjectKey, { admittedMs?: number; finished?: boolean }>();

  /** When this process admitted the Run, if the cache may not show its startTime yet. */
  admittedMs(key: ObjectKey): number | undefined {
    return this.noted.get(key)?.admittedMs;
  }

  noteAdmitted(key: ObjectKey, atMs: number): void {
    this.noted.set(key, { admittedMs: atMs });
  }

  noteFinished(key: ObjectKey): void {
    this.noted.set(key, { ...this.noted.get(key), finished: true });
  }

  forget(key: ObjectKey): void {
    this.noted.delete(key);
  }

  /** What admission needs to know of a Run: the cache's view, amended by what this process decided. */
  summaryOf(run: RunObject, pipelines: Informer): RunSummary {
    const key = keyOf(run);
    const noted = this.noted.get(key);
    const pipeline = run.spec.pipelineRef?.name;
    const snapshot = run.status?.pipelineSpec as { locks?: string[] } | undefined;
    const pipelineLocks = pipeline
      ? (snapshot?.locks ??
        (pipelines.get(`${run.metadata.namespace}/${pipeline}`) as PipelineObject | undefined)?.spec.locks ??
        [])
      : [];
    return {
      key,
      name: run.metadata.name ?? "",
      pipeline,
      locks: [...new Set([...pipelineLocks, ...(run.spec.locks ?? [])])],
      createdAt: run.metadata.creationTimestamp ?? "",
      admitted: isAdmitted(run) || noted?.admittedMs !== undefined,
      finished: isFinished(run) || noted?.finished === true,
    };
  }
}
