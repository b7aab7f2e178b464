// The task graph drawn: elkjs lays the DAG out left to right, React Flow draws it. Each node says its task's state
// in words (colour only repeats it). Loaded on demand: only the Run page needs these libraries.
import "@xyflow/react/dist/style.css";
import { Background, type Edge, MarkerType, type Node, Position, ReactFlow } from "@xyflow/react";
import ELK from "elkjs/lib/elk.bundled.js";
import { useEffect, useState } from "react";
import type { GraphNode, TaskGraph } from "../run-graph-model.ts";

const WIDTH = 190;
const HEIGHT = 64;
const elk = new ELK();

type TaskNode = Node<{ label: React.ReactNode }>;

async function layout(graph: TaskGraph): Promise<{ nodes: TaskNode[]; edges: Edge[] }> {
  const laid = await elk.layout({
    id: "run",
    layoutOptions: {
      "elk.algorithm": "layered",
      "elk.direction": "RIGHT",
      "elk.spacing.nodeNode": "30",
      "elk.layered.spacing.nodeNodeBetweenLayers": "60",
    },
    children: graph.nodes.map((n) => ({ id: n.id, width: WIDTH, height: HEIGHT })),
    edges: graph.edges.map((e) => ({ id: e.id, sources: [e.from], targets: [e.to] })),
  });
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const nodes = (laid.children ?? []).map((child) => {
    const task = byId.get(child.id)!;
    return {
      id: child.id,
      position: { x: child.x ?? 0, y: child.y ?? 0 },
      data: { label: <TaskLabel task={task} /> },
      className: `task ${task.state.toLowerCase()}`,
      style: { width: WIDTH, height: HEIGHT },
      connectable: false,
      draggable: false,
      // The layout runs left to right: edges leave a task on its right and enter the next on its left.
      sourcePosition: Position.Right,
      targetPosition: Position.Left,
      ariaLabel: `Task ${task.id}: ${task.state}${task.exitCode !== undefined ? `, exit code ${task.exitCode}` : ""}`,
    } satisfies TaskNode;
  });
  const edges = graph.edges.map((e) => ({
    id: e.id,
    source: e.from,
    target: e.to,
    label: e.when === "Success" ? undefined : `on ${e.when}`,
    animated: byId.get(e.to)?.state === "Running",
    markerEnd: { type: MarkerType.ArrowClosed },
  }));
  return { nodes, edges };
}

function TaskLabel({ task }: { task: GraphNode }) {
  return (
    <div className="task-label">
      <strong>{task.id}</strong>
      <span>
        {task.state}
        {task.exitCode !== undefined && task.state === "Failed" ? ` (exit ${task.exitCode})` : ""}
      </span>
    </div>
  );
}

export default function RunGraph({ graph }: { graph: TaskGraph }) {
  const [drawn, setDrawn] = useState<{ nodes: TaskNode[]; edges: Edge[] }>();
  const [error, setError] = useState<string>();
  const key = JSON.stringify(graph);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the graph's content (key) is what matters, not its identity.
  useEffect(() => {
    let current = true;
    layout(graph).then(
      (result) => current && setDrawn(result),
      (failure: unknown) => current && setError((failure as Error).message),
    );
    return () => {
      current = false;
    };
  }, [key]);
  if (error) return <p role="alert">The graph could not be laid out: {error}</p>;
  if (!drawn) return <p role="status">Laying out the graph…</p>;
  return (
    <figure className="graph" aria-label="Task graph">
      <ReactFlow
        nodes={drawn.nodes}
        edges={drawn.edges}
        fitView
        nodesDraggable={false}
        nodesConnectable={false}
        elementsSelectable={false}
        minZoom={0.2}
      >
        <Background />
      </ReactFlow>
      <figcaption className="muted">
        Arrows point from a task to those that wait for it; "on Failure" or "on Any" marks a task that runs when its
        dependency fails (or either way).
      </figcaption>
    </figure>
  );
}
