import { describe, expect, it } from "vitest";
import { graphOf } from "./run-graph-model.ts";

describe("graphOf", () => {
  it("has a node per task of the snapshot with its state and an edge per dependency", () => {
    const graph = graphOf({
      spec: { pipelineRef: { name: "ci" } },
      status: {
        pipelineSpec: {
          tasks: [
            { name: "test" },
            { name: "build", dependsOn: { test: "Success" } },
            { name: "notify", dependsOn: { test: "Failure" } },
          ],
        },
      },
      tasks: [{ name: "test", state: "Failed", exitCode: 3, reason: "AbnormalExit" }],
    });
    expect(graph.nodes).toEqual([
      { id: "test", state: "Failed", exitCode: 3, reason: "AbnormalExit" },
      { id: "build", state: "Pending", exitCode: undefined, reason: undefined },
      { id: "notify", state: "Pending", exitCode: undefined, reason: undefined },
    ]);
    expect(graph.edges).toEqual([
      { id: "test->build", from: "test", to: "build", when: "Success" },
      { id: "test->notify", from: "test", to: "notify", when: "Failure" },
    ]);
  });

  it("draws a one-off command's single task", () => {
    const graph = graphOf({ spec: { task: { name: "migrate" } }, status: {}, tasks: [] });
    expect(graph.nodes.map((n) => n.id)).toEqual(["migrate"]);
    expect(graph.edges).toEqual([]);
  });
});
