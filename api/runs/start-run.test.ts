import { describe, expect, it } from "vitest";
import { LABEL_PIPELINE } from "../../crds/run-names.ts";
import type { KubeObject } from "../../kube/types.ts";
import type { ApiError } from "../errors.ts";
import { checkPipelineStart, commandRunObject, parameterProblems, pipelineRunObject } from "./start-run.ts";

const pipeline = (spec: unknown, conditions: unknown[] = []): KubeObject => ({
  apiVersion: "loco.dev/v1alpha1",
  kind: "Pipeline",
  metadata: { name: "ci", namespace: "acme-dev", uid: "u-1" },
  spec,
  status: { conditions },
});

describe("parameterProblems", () => {
  it("names unknown parameters and required ones left out, each by field", () => {
    expect(parameterProblems("ci", [], { ref: "main" })).toEqual([
      { field: "parameters.ref", message: "Pipeline ci declares no parameters" },
    ]);
    expect(parameterProblems("ci", [{ name: "ref" }, { name: "env", default: "dev" }], { colour: "blue" })).toEqual([
      { field: "parameters.colour", message: "Pipeline ci declares no parameter colour; it declares ref, env" },
      { field: "parameters.ref", message: "is required: the Pipeline gives it no default" },
    ]);
    expect(parameterProblems("ci", [{ name: "ref" }], { ref: "main" })).toEqual([]);
  });
});

describe("checkPipelineStart", () => {
  it("refuses mismatched parameters with 400 and a Pipeline that is not Ready with 409", () => {
    const bad = (() => {
      try {
        checkPipelineStart(pipeline({ parameters: [{ name: "ref" }] }), "ci", {});
      } catch (error) {
        return error as ApiError;
      }
    })();
    expect(bad?.code).toBe("InvalidRequest");
    expect(() =>
      checkPipelineStart(
        pipeline({}, [{ type: "Ready", status: "False", reason: "InvalidSpec", message: "Task a is missing." }]),
        "ci",
        {},
      ),
    ).toThrow(/Pipeline ci is not Ready \(InvalidSpec: Task a is missing\.\)/);
    expect(() => checkPipelineStart(pipeline({}, [{ type: "Ready", status: "Unknown" }]), "ci", {})).not.toThrow();
  });
});

describe("Run objects", () => {
  it("builds a Pipeline's Run owned by it, parameters only when given", () => {
    const run = pipelineRunObject({
      name: "ci-abc",
      namespace: "acme-dev",
      labels: { team: "a" },
      pipeline: { name: "ci", uid: "u-1" },
      parameters: {},
      startedBy: "alice",
    });
    expect(run.metadata.labels).toEqual({ team: "a", [LABEL_PIPELINE]: "ci" });
    expect(run.metadata.ownerReferences?.[0]).toMatchObject({
      kind: "Pipeline",
      uid: "u-1",
      blockOwnerDeletion: false,
    });
    expect(run.spec).toEqual({ pipelineRef: { name: "ci" }, startedBy: { kind: "API", user: "alice" } });
    const withValues = pipelineRunObject({
      name: "ci-abd",
      namespace: "acme-dev",
      labels: {},
      pipeline: { name: "ci", uid: "u-1" },
      parameters: { ref: "main" },
      timeout: "10m",
      startedBy: "alice",
    });
    expect(withValues.spec).toEqual({
      pipelineRef: { name: "ci", parameters: { ref: "main" } },
      timeout: "10m",
      startedBy: { kind: "API", user: "alice" },
    });
  });

  it("builds a one-off command's Run with only the options given", () => {
    const run = commandRunObject({
      name: "run-abc",
      namespace: "acme-dev",
      labels: {},
      task: { name: "main", image: "alpine" },
      locks: ["db"],
      startedBy: "bob",
    });
    expect(run.spec).toEqual({
      task: { name: "main", image: "alpine" },
      locks: ["db"],
      startedBy: { kind: "API", user: "bob" },
    });
  });
});
