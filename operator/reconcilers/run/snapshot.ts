// The Run's snapshot of its Pipeline: taken once, from the Pipeline as it is when the Run is first seen, and kept
// in status so that editing the Pipeline never changes a Run already made. Pure: it decides, the caller writes.
import { Reason } from "../../../crds/conditions.ts";
import { PipelineSpec } from "../../../crds/pipeline.ts";
import type { RunStatus } from "../../../crds/run.ts";
import type { PipelineObject, RunObject } from "./objects.ts";
import { resolveParameters } from "./resolve-parameters.ts";
import { isFinished } from "./status.ts";

export type Snapshot =
  /** The Pipeline spec the Run follows (none for a one-off Run), and the status fields that record it. */
  | { kind: "Taken"; spec: PipelineSpec | undefined; base: RunStatus }
  /** The Run cannot start from it: it ends with this reason. */
  | { kind: "Unusable"; base: RunStatus; reason: string; message: string }
  /** The Pipeline does not exist (yet): the Run waits. */
  | { kind: "PipelineMissing"; pipeline: string };

export function takeSnapshot(run: RunObject, pipeline: PipelineObject | undefined): Snapshot {
  const status = (run.status ?? {}) as RunStatus;
  const pipelineName = run.spec.pipelineRef?.name;
  if (!pipelineName) return { kind: "Taken", spec: undefined, base: {} };
  if (status.pipelineSpec) {
    const parsed = PipelineSpec.safeParse(status.pipelineSpec);
    if (!parsed.success) {
      const message = `The Pipeline snapshot in status does not parse: ${parsed.error.message}`;
      return { kind: "Unusable", base: status, reason: Reason.InvalidSpec, message };
    }
    const base = {
      pipelineGeneration: status.pipelineGeneration,
      pipelineSpec: status.pipelineSpec,
      parameters: status.parameters,
    };
    return { kind: "Taken", spec: parsed.data, base };
  }
  if (isFinished(run)) return { kind: "Taken", spec: undefined, base: {} };
  if (!pipeline) return { kind: "PipelineMissing", pipeline: pipelineName };
  const generation = { pipelineGeneration: pipeline.metadata.generation };
  const parsed = PipelineSpec.safeParse(pipeline.spec);
  if (!parsed.success) {
    const message = `Pipeline ${pipelineName} does not parse: ${parsed.error.message}`;
    return { kind: "Unusable", base: generation, reason: Reason.InvalidSpec, message };
  }
  const resolved = resolveParameters(parsed.data, run.spec.pipelineRef?.parameters);
  if ("missing" in resolved) {
    const message = `Parameter ${resolved.missing} has no value and no default; start the Run with it set.`;
    return { kind: "Unusable", base: generation, reason: Reason.MissingParameter, message };
  }
  const base = {
    ...generation,
    pipelineSpec: pipeline.spec as unknown as Record<string, unknown>,
    parameters: Object.keys(resolved.values).length > 0 ? resolved.values : undefined,
  };
  return { kind: "Taken", spec: parsed.data, base };
}
