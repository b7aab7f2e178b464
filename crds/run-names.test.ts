import { describe, expect, it } from "vitest";
import { INLINE_TASK, jobName, labelValue, taskContainerName } from "./run-names.ts";

describe("names", () => {
  it("names a Job after run, task and attempt", () => {
    expect(jobName("ci-7f3k2", "build", 2)).toBe("ci-7f3k2-build-2");
  });

  it("names a task's container after the task, a one-off Run's after its inline task", () => {
    expect(taskContainerName("build")).toBe("build");
    expect(taskContainerName(INLINE_TASK)).toBe("run-task");
  });

  it("keeps long names within 63 characters and distinct", () => {
    const a = jobName("a".repeat(60), "build", 1);
    const b = jobName("a".repeat(60), "build", 2);
    expect(a.length).toBeLessThanOrEqual(63);
    expect(a).not.toBe(b);
    expect(labelValue("x".repeat(100)).length).toBeLessThanOrEqual(63);
  });
});
