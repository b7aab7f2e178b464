import { describe, expect, it } from "vitest";
import { ApiError } from "../errors.ts";
import { downstreamOf, type GraphTask, reusedTasks } from "./rerun-plan.ts";

const graph: GraphTask[] = [
  { name: "checkout" },
  { name: "lint", dependsOn: { checkout: "Success" } },
  { name: "test", dependsOn: { checkout: "Success" } },
  { name: "build", dependsOn: { test: "Success" } },
  { name: "deploy", dependsOn: { build: "Success", lint: "Success" } },
];
const all = new Set(graph.map((t) => t.name));

describe("reusedTasks", () => {
  it("without from reuses every task that succeeded (or was itself reused)", () => {
    const tasks = [
      { name: "checkout", state: "Skipped", reason: "Reused" },
      { name: "lint", state: "Succeeded" },
      { name: "test", state: "Failed" },
      { name: "build", state: "Skipped", reason: "DependencyFailed" },
      { name: "deploy", state: "Skipped", reason: "DependencyFailed" },
    ];
    expect(reusedTasks({ run: "ci-1", tasks, graph, current: all })).toEqual(["checkout", "lint"]);
  });

  it("with from runs that task and everything downstream again", () => {
    const tasks = graph.map((t) => ({ name: t.name, state: "Succeeded" }));
    expect(downstreamOf(graph, "test")).toEqual(new Set(["test", "build", "deploy"]));
    expect(reusedTasks({ run: "ci-1", tasks, graph, current: all, from: "test" })).toEqual(["checkout", "lint"]);
    // A task the Pipeline no longer has is not reused.
    expect(
      reusedTasks({ run: "ci-1", tasks, graph, current: new Set(["test", "build", "deploy"]), from: "test" }),
    ).toEqual([]);
  });

  it("refuses an unknown from (naming the field) and a rerun that would run nothing", () => {
    const tasks = graph.map((t) => ({ name: t.name, state: "Succeeded" }));
    const unknown = () => reusedTasks({ run: "ci-1", tasks, graph, current: all, from: "nope" });
    expect(unknown).toThrow(ApiError);
    expect(unknown).toThrow(/has no task "nope"/);
    expect(() => reusedTasks({ run: "ci-1", tasks, graph, current: all })).toThrow(/would run nothing/);
  });
});
