// The Run's next step at admission (pure): a Run not yet started may be ended (cancelled, refused by policy
// Forbid, replaced while queued), wait (a slot, a lock) or be admitted now; a started one goes on, told to stop
// when it was cancelled or a newer Run of its Pipeline replaces it.

import { Reason } from "../../../crds/conditions.ts";
import type { PipelineSpec } from "../../../crds/pipeline.ts";
import { admissionFor, type Concurrency, type RunSummary, replacedBy } from "./admission.ts";
import type { PipelineObject, RunObject } from "./objects.ts";
import type { StopRequest } from "./progress.ts";

export type AdmissionStep =
  | { kind: "End"; reason: string; message: string }
  | { kind: "Wait"; message: string }
  /** Admitted now (not started yet) or already running; `stop` asks the planner to stop its tasks. */
  | { kind: "Go"; stop: StopRequest | undefined };

/** The Pipeline's concurrency, or the snapshot's once the Pipeline is gone. */
export function concurrencyOf(pipeline: PipelineObject | undefined, snapshot: PipelineSpec | undefined): Concurrency {
  const concurrency = pipeline?.spec.concurrency ?? snapshot?.concurrency;
  return { limit: concurrency?.limit ?? 1, policy: concurrency?.policy ?? "Queue" };
}

export function admissionStep(
  run: RunObject,
  self: RunSummary,
  others: readonly RunSummary[],
  concurrency: Concurrency,
  started: boolean,
): AdmissionStep {
  const pipelineName = run.spec.pipelineRef?.name;
  const cancelled = Boolean(run.spec.cancel);
  if (!started) {
    if (cancelled)
      return { kind: "End", reason: Reason.UserCancelled, message: "The Run was cancelled before it started." };
    const admission = admissionFor(self, others, pipelineName ? concurrency : undefined);
    switch (admission.decision) {
      case "Refuse":
        return { kind: "End", reason: Reason.ConcurrencyLimited, message: admission.message };
      case "Replaced":
        return { kind: "End", reason: Reason.Replaced, message: admission.message };
      case "Wait":
        return { kind: "Wait", message: admission.message };
      case "Admit":
        return { kind: "Go", stop: undefined };
    }
  }
  if (cancelled) return { kind: "Go", stop: { reason: Reason.UserCancelled, message: "The Run was cancelled." } };
  const newer = replacedBy(self, others, concurrency);
  const stop: StopRequest | undefined =
    pipelineName && newer
      ? { reason: Reason.Replaced, message: `The Run was replaced by the newer Run ${newer}.` }
      : undefined;
  return { kind: "Go", stop };
}
