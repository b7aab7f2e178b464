import { INLINE_TASK } from "../../../crds/run-names.ts";
import type { RunObject } from "./objects.ts";
import type { RunTask } from "./progress.ts";

/** The one task of a one-off Run. */
export function inlineTask(run: RunObject): RunTask {
  const task = run.spec.task!;
  return {
    name: INLINE_TASK,
    image: task.image,
    ...(task.command ? { command: task.command } : {}),
    ...(task.args ? { args: task.args } : {}),
    ...(task.env ? { env: task.env } : {}),
    ...(task.secretEnv ? { secretEnv: task.secretEnv } : {}),
    ...(task.resources ? { resources: task.resources } : {}),
    ...(task.podAnnotations ? { podAnnotations: task.podAnnotations } : {}),
    timeout: task.timeout ?? "8h",
    retries: 0,
  };
}
