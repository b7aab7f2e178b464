// What keeps a Run from starting within the platform's bounds: the snapshot's problems, and for a one-off Run its
// command's timeout and pod annotations; the Run's own timeout either way. Checked before the Run starts only: a
// started Run keeps the rules it started under.
import type { PipelineSpec } from "../../../crds/pipeline.ts";
import { INLINE_TASK } from "../../../crds/run-names.ts";
import type { BatchSettings } from "../../batch-settings.ts";
import { podAnnotationProblem } from "../pipeline/pod-annotations.ts";
import {
  annotationProblem,
  type SpecProblem,
  timeoutProblem,
  validatePipeline,
  validKeysOnly,
} from "../pipeline/validation.ts";
import type { RunObject } from "./objects.ts";
import type { RunTask } from "./progress.ts";

export function runSpecProblems(
  run: RunObject,
  snapshot: PipelineSpec | undefined,
  tasks: readonly RunTask[],
  rules: Parameters<typeof validatePipeline>[1],
  settings: BatchSettings,
): SpecProblem[] {
  const problems: SpecProblem[] = snapshot ? validatePipeline(snapshot, rules) : [];
  if (!run.spec.pipelineRef?.name) {
    const task = tasks[0]!;
    const timeout = timeoutProblem("The command's", task.timeout, settings);
    if (timeout) problems.push(timeout);
    const annotations = annotationProblem(INLINE_TASK, task.podAnnotations);
    if (annotations) problems.push(annotations);
    const denied = podAnnotationProblem("The command's", validKeysOnly(task.podAnnotations), rules.podAnnotations);
    if (denied) problems.push(denied);
  }
  if (run.spec.timeout) {
    const problem = timeoutProblem("The Run's", run.spec.timeout, settings);
    if (problem) problems.push(problem);
  }
  return problems;
}
