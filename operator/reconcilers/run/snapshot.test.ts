import { describe, expect, it } from "vitest";
import type { PipelineObject, RunObject } from "./objects.ts";
import { takeSnapshot } from "./snapshot.ts";

const spec = { tasks: [{ name: "a", image: "busybox:1" }], parameters: [{ name: "ref", default: "main" }] };
const pipeline = (s: Record<string, unknown> = spec): PipelineObject =>
  ({
    apiVersion: "loco.dev/v1alpha1",
    kind: "Pipeline",
    metadata: { name: "build", namespace: "team", generation: 4 },
    spec: s,
  }) as unknown as PipelineObject;
const run = (status: Record<string, unknown> = {}, parameters?: Record<string, string>): RunObject =>
  ({
    apiVersion: "loco.dev/v1alpha1",
    kind: "Run",
    metadata: { name: "r", namespace: "team" },
    spec: { pipelineRef: { name: "build", ...(parameters ? { parameters } : {}) } },
    status,
  }) as unknown as RunObject;

describe("takeSnapshot", () => {
  it("takes the Pipeline as it is when the Run is first seen, with resolved parameters", () => {
    const taken = takeSnapshot(run({}, { ref: "v2" }), pipeline());
    expect(taken).toMatchObject({ kind: "Taken", base: { pipelineGeneration: 4, parameters: { ref: "v2" } } });
    if (taken.kind === "Taken") expect(taken.spec?.tasks[0]?.name).toBe("a");
  });

  it("keeps the snapshot in status whatever the Pipeline now says", () => {
    const taken = takeSnapshot(run({ pipelineSpec: spec, pipelineGeneration: 1 }), pipeline({ tasks: [] }));
    expect(taken).toMatchObject({ kind: "Taken", base: { pipelineGeneration: 1, pipelineSpec: spec } });
  });

  it("waits for a Pipeline that does not exist", () => {
    expect(takeSnapshot(run(), undefined)).toEqual({ kind: "PipelineMissing", pipeline: "build" });
  });

  it("ends the Run on a missing parameter or a spec that does not parse", () => {
    const noDefault = pipeline({ tasks: spec.tasks, parameters: [{ name: "ref" }] });
    expect(takeSnapshot(run(), noDefault)).toMatchObject({ kind: "Unusable", reason: "MissingParameter" });
    expect(takeSnapshot(run(), pipeline({ tasks: "no" }))).toMatchObject({ kind: "Unusable", reason: "InvalidSpec" });
    expect(takeSnapshot(run({ pipelineSpec: { tasks: 1 } }), pipeline())).toMatchObject({
      kind: "Unusable",
      reason: "InvalidSpec",
    });
  });

  it("takes nothing for a one-off Run", () => {
    const oneOff = { ...run(), spec: { task: { image: "busybox:1" } } } as unknown as RunObject;
    expect(takeSnapshot(oneOff, undefined)).toEqual({ kind: "Taken", spec: undefined, base: {} });
  });
});
