import { describe, expect, it } from "vitest";
import { PipelineSpec, type PipelineSpecInput } from "../../../crds/pipeline.ts";
import { topologicalOrder, validatePipeline } from "./validation.ts";

const bounds = { minTimeoutMs: 5 * 60_000, maxTimeoutMs: 8 * 3_600_000 };
const spec = (input: PipelineSpecInput) => PipelineSpec.parse(input);
const task = (name: string, dependsOn?: Record<string, "Success" | "Failure" | "Any">) => ({
  name,
  image: "busybox",
  ...(dependsOn ? { dependsOn } : {}),
});

describe("validatePipeline", () => {
  it("accepts a valid DAG", () => {
    expect(validatePipeline(spec({ tasks: [task("a"), task("b", { a: "Success" })] }), bounds)).toEqual([]);
  });

  it("names the task with an unknown dependency", () => {
    const [problem] = validatePipeline(spec({ tasks: [task("a"), task("b", { c: "Success" })] }), bounds);
    expect(problem).toMatchObject({
      reason: "UnknownDependency",
      message: expect.stringContaining("Task b depends on c"),
    });
  });

  it("names the tasks of a cycle", () => {
    const problems = validatePipeline(
      spec({ tasks: [task("a", { c: "Any" }), task("b", { a: "Success" }), task("c", { b: "Success" })] }),
      bounds,
    );
    expect(problems).toEqual([
      expect.objectContaining({ reason: "DependencyCycle", message: expect.stringMatching(/a → c → b → a/) }),
    ]);
  });

  it("refuses timeouts outside the platform's bounds", () => {
    const problems = validatePipeline(spec({ timeout: "9h", tasks: [{ ...task("a"), timeout: "1m" }] }), bounds);
    expect(problems.map((p) => p.reason)).toEqual(["TimeoutOutOfBounds", "TimeoutOutOfBounds"]);
    expect(problems[0]?.message).toMatch(/Task a: timeout 1m is outside the platform's bounds of 5m to 8h/);
  });

  it("refuses pod annotation keys Kubernetes would refuse", () => {
    const problems = validatePipeline(
      spec({ tasks: [{ ...task("a"), podAnnotations: { "example.com/ok": "1", "not ok": "2", "Bad_/x": "3" } }] }),
      bounds,
    );
    expect(problems).toEqual([
      expect.objectContaining({
        reason: "InvalidSpec",
        message: expect.stringContaining('Task a: podAnnotations key(s) "not ok", "Bad_/x"'),
      }),
    ]);
  });

  it("refuses a cron expression that doesn't parse", () => {
    const problems = validatePipeline(
      spec({ tasks: [task("a")], triggers: [{ name: "nightly", cron: { schedule: "0 25 * * *" } }] }),
      bounds,
    );
    expect(problems).toEqual([
      expect.objectContaining({ reason: "InvalidSchedule", message: expect.stringContaining("Trigger nightly") }),
    ]);
  });
});

describe("topologicalOrder", () => {
  it("puts dependencies first and says undefined for a cycle", () => {
    expect(topologicalOrder([task("b", { a: "Any" }), task("a")])).toEqual(["a", "b"]);
    expect(topologicalOrder([task("a", { b: "Any" }), task("b", { a: "Any" })])).toBeUndefined();
  });
});
