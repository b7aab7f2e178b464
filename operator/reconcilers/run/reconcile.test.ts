// The reconciler's pure helpers: what a Job and its pods say, parameters, one-off tasks.
import { describe, expect, it } from "vitest";
import { PipelineSpec } from "../../../crds/pipeline.ts";
import type { KubeObject } from "../../../kube/types.ts";
import { inlineTask } from "./inline-task.ts";
import { observeJob, podExitCode } from "./job-observation.ts";
import type { RunObject } from "./objects.ts";
import { resolveParameters } from "./resolve-parameters.ts";

const job = (conditions: Record<string, unknown>[], status: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: { name: "r-a-1", creationTimestamp: "2026-01-01T00:00:00Z" },
  status: { conditions, ...status },
});
const pod = (exitCode: number, finishedAt: string, container = "build"): KubeObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: `p-${finishedAt}` },
  status: {
    containerStatuses: [
      // A sidecar that ended otherwise must not be taken for the task.
      { name: "istio-proxy", state: { terminated: { exitCode: 137, finishedAt: "2099-01-01T00:00:00Z" } } },
      { name: container, state: { terminated: { exitCode, finishedAt } } },
    ],
  },
});

describe("observeJob", () => {
  it("reads a running, a complete and a failed Job", () => {
    expect(observeJob(job([]), [], "build")).toMatchObject({
      state: "Active",
      createdMs: Date.parse("2026-01-01T00:00:00Z"),
    });
    expect(
      observeJob(job([{ type: "Complete", status: "True" }], { completionTime: "2026-01-01T00:01:00Z" }), [], "build"),
    ).toMatchObject({ state: "Succeeded", exitCode: 0, finishedMs: Date.parse("2026-01-01T00:01:00Z") });
    expect(
      observeJob(
        job([
          { type: "Failed", status: "True", reason: "DeadlineExceeded", lastTransitionTime: "2026-01-01T00:02:00Z" },
        ]),
        [],
        "build",
      ),
    ).toMatchObject({
      state: "Failed",
      failureReason: "DeadlineExceeded",
      finishedMs: Date.parse("2026-01-01T00:02:00Z"),
    });
  });

  it("takes the exit code of the task's container from the pod that finished last", () => {
    expect(podExitCode([pod(1, "2026-01-01T00:00:01Z"), pod(3, "2026-01-01T00:00:02Z")], "build")).toBe(3);
    expect(podExitCode([], "build")).toBeUndefined();
    expect(podExitCode([pod(1, "2026-01-01T00:00:01Z")], "test")).toBeUndefined();
    expect(observeJob(job([{ type: "Failed", status: "True" }]), [pod(7, "x")], "build").exitCode).toBe(7);
  });

  it("reads the container named task in Jobs created before containers were named after their task", () => {
    expect(podExitCode([pod(4, "2026-01-01T00:00:01Z", "task")], "build")).toBe(4);
  });
});

describe("resolveParameters", () => {
  const spec = PipelineSpec.parse({
    tasks: [{ name: "a", image: "busybox" }],
    parameters: [{ name: "REF", default: "main" }, { name: "TAG" }],
  });
  it("takes the Run's values, then the defaults", () => {
    expect(resolveParameters(spec, { TAG: "1.0" })).toEqual({ values: { REF: "main", TAG: "1.0" } });
  });
  it("names a required parameter without a value", () => {
    expect(resolveParameters(spec, {})).toEqual({ missing: "TAG" });
  });
});

describe("inlineTask", () => {
  it("turns a one-off Run into one task named run-task", () => {
    const run = {
      apiVersion: "loco.dev/v1alpha1",
      kind: "Run",
      metadata: { name: "m" },
      spec: { task: { image: "tools:1", command: ["./migrate"], timeout: "15m" }, cancel: false },
    } as unknown as RunObject;
    expect(inlineTask(run)).toEqual({
      name: "run-task",
      image: "tools:1",
      command: ["./migrate"],
      timeout: "15m",
      retries: 0,
    });
  });
});
