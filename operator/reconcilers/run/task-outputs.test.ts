import { describe, expect, it } from "vitest";
import type { TaskStatus } from "../../../crds/run.ts";
import type { KubeObject } from "../../../kube/types.ts";
import { outputsByTask, parseOutputs, referencedTasks, substituteOutputs, withOutputs } from "./task-outputs.ts";

const pod = (container: string, message: string | undefined, exitCode = 0): KubeObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "p" },
  status: {
    containerStatuses: [{ name: container, state: { terminated: { exitCode, ...(message ? { message } : {}) } } }],
  },
});

describe("task outputs", () => {
  it("are the string values of a JSON object in the termination message", () => {
    expect(parseOutputs('{"digest":"sha256:abc","image":"r.example.com/a","size":3}')).toEqual({
      digest: "sha256:abc",
      image: "r.example.com/a",
    });
    expect(parseOutputs("done")).toBeUndefined();
    expect(parseOutputs("{not json")).toBeUndefined();
    expect(parseOutputs("[1]")).toBeUndefined();
    expect(parseOutputs('{"bad name":"x"}')).toBeUndefined();
    expect(parseOutputs(undefined)).toBeUndefined();
  });

  it("are read once from the succeeded task's container, and kept", () => {
    const tasks: TaskStatus[] = [
      { name: "build", state: "Succeeded", job: "r-build-1" },
      { name: "test", state: "Failed", job: "r-test-1" },
      { name: "old", state: "Succeeded", job: "r-old-1", outputs: { digest: "kept" } },
    ];
    const pods: Record<string, KubeObject[]> = {
      "r-build-1": [pod("build", '{"digest":"sha256:1"}')],
      "r-test-1": [pod("test", '{"digest":"sha256:2"}', 1)],
      "r-old-1": [pod("old", '{"digest":"new"}')],
    };
    const filled = withOutputs(tasks, (job) => pods[job] ?? []);
    expect(outputsByTask(filled)).toEqual({ build: { digest: "sha256:1" }, old: { digest: "kept" } });
  });

  it("are substituted where later tasks refer to them", () => {
    const outputs = { build: { digest: "sha256:1" } };
    expect(substituteOutputs("r.example.com/web@$(tasks.build.outputs.digest)", outputs)).toBe(
      "r.example.com/web@sha256:1",
    );
    expect(substituteOutputs("$(tasks.build.outputs.missing) $(GIT_REF)", outputs)).toBe(
      "$(tasks.build.outputs.missing) $(GIT_REF)",
    );
    expect(referencedTasks("a $(tasks.build.outputs.digest) b $(tasks.scan.outputs.x)")).toEqual(["build", "scan"]);
  });
});
