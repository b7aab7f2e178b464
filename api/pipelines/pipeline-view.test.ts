import { describe, expect, it } from "vitest";
import { pipelineObject } from "./pipeline-object.ts";
import { pipelineView } from "./pipeline-view.ts";

describe("pipelineView", () => {
  it("puts the Ready condition in front, Unknown until the operator reports it", () => {
    const base = { uid: "u-1", generation: 3, spec: { tasks: [] } };
    expect(pipelineView("acme", "dev", "acme-dev", "ci", { ...base, status: null })).toMatchObject({
      ready: "Unknown",
      reason: null,
      message: null,
      status: {},
    });
    const failing = { type: "Ready", status: "False", reason: "DependencyCycle", message: "Task a depends on b." };
    expect(pipelineView("acme", "dev", "acme-dev", "ci", { ...base, status: { conditions: [failing] } })).toMatchObject(
      { name: "ci", profile: "dev", ready: "False", reason: "DependencyCycle", generation: 3 },
    );
  });
});

describe("pipelineObject", () => {
  it("is a loco Pipeline with the server's object labels", () => {
    expect(pipelineObject("ci", "acme-dev", { team: "a" }, { tasks: [] })).toEqual({
      apiVersion: "loco.dev/v1alpha1",
      kind: "Pipeline",
      metadata: { name: "ci", namespace: "acme-dev", labels: { team: "a" } },
      spec: { tasks: [] },
    });
  });
});
