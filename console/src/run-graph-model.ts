// A Run's task graph as data: one node per task of the Pipeline snapshot the Run executes (or its one-off task),
// with the task's state; one edge per dependsOn entry, labelled with the outcome it waits for. Pure.
import type { RunView } from "../../api/contract.ts";

export interface GraphNode {
  id: string;
  state: string;
  exitCode: number | undefined;
  reason: string | undefined;
}

export interface GraphEdge {
  id: string;
  from: string;
  to: string;
  /** Success, Failure or Any. */
  when: string;
}

export interface TaskGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

type SpecTask = { name: string; dependsOn?: Record<string, string> };

export function graphOf(run: Pick<RunView, "status" | "spec" | "tasks">): TaskGraph {
  const snapshot = (run.status as { pipelineSpec?: { tasks?: SpecTask[] } }).pipelineSpec?.tasks;
  const oneOff = (run.spec as { task?: { name?: string } }).task;
  const specTasks: SpecTask[] = snapshot ?? (oneOff ? [{ name: oneOff.name ?? "task" }] : []);
  const states = new Map(run.tasks.map((t) => [t.name, t]));
  // Tasks reported by the operator but missing from the snapshot still appear (a snapshot is never partial, but
  // an old Run's may predate a field).
  const names = [...new Set([...specTasks.map((t) => t.name), ...run.tasks.map((t) => t.name)])];
  const nodes = names.map((name) => {
    const status = states.get(name);
    return { id: name, state: status?.state ?? "Pending", exitCode: status?.exitCode, reason: status?.reason };
  });
  const known = new Set(names);
  const edges = specTasks.flatMap((task) =>
    Object.entries(task.dependsOn ?? {})
      .filter(([from]) => known.has(from))
      .map(([from, when]) => ({ id: `${from}->${task.name}`, from, to: task.name, when })),
  );
  return { nodes, edges };
}
