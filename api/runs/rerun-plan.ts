// What a rerun keeps: pure, from the earlier Run's recorded tasks and task graph. Without `from`, every task that
// succeeded there is reused; with `from`, that task and everything downstream of it run again, and the rest that
// succeeded is reused. A task reused in the earlier Run (itself a rerun) succeeded there too.
import { ApiError } from "../errors.ts";

export interface RecordedTask {
  name: string;
  state: string;
  reason?: string;
}

export interface GraphTask {
  name: string;
  dependsOn?: Record<string, string>;
}

const succeeded = (t: RecordedTask) => t.state === "Succeeded" || (t.state === "Skipped" && t.reason === "Reused");

/** `from` and every task that depends on it, directly or not. */
export function downstreamOf(graph: readonly GraphTask[], from: string): Set<string> {
  const found = new Set([from]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const task of graph) {
      if (found.has(task.name)) continue;
      if (Object.keys(task.dependsOn ?? {}).some((dep) => found.has(dep))) {
        found.add(task.name);
        grew = true;
      }
    }
  }
  return found;
}

/**
 * The tasks the rerun reuses, in the earlier Run's order. Throws InvalidRequest naming `from` when it is not a task
 * of that Run, and Conflict when nothing would run again.
 */
export function reusedTasks(options: {
  run: string;
  tasks: readonly RecordedTask[];
  graph: readonly GraphTask[];
  /** Task names the Pipeline has now: a task it no longer has cannot be reused. */
  current: ReadonlySet<string>;
  from?: string | undefined;
}): string[] {
  const { run, tasks, from } = options;
  if (from !== undefined && !tasks.some((t) => t.name === from)) {
    throw new ApiError(
      "InvalidRequest",
      `Run ${run} has no task "${from}"; it has ${tasks.map((t) => t.name).join(", ")}. Pass one of them as from.`,
      { errors: [{ field: "from", message: `is not a task of run ${run}` }] },
    );
  }
  const again = from === undefined ? new Set<string>() : downstreamOf(options.graph, from);
  const reused = tasks.filter((t) => succeeded(t) && !again.has(t.name) && options.current.has(t.name));
  if (reused.length === tasks.length) {
    throw new ApiError(
      "Conflict",
      `Every task of run ${run} succeeded, so a rerun would run nothing. Pass from to run a task (and what follows it) again, or start a new Run.`,
    );
  }
  return reused.map((t) => t.name);
}
