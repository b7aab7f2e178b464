import { describe, expect, it } from "vitest";
import { jobName, labelValue } from "./names.ts";

describe("names", () => {
  it("names a Job after run, task and attempt", () => {
    expect(jobName("ci-7f3k2", "build", 2)).toBe("ci-7f3k2-build-2");
  });

  it("keeps long names within 63 characters and distinct", () => {
    const a = jobName("a".repeat(60), "build", 1);
    const b = jobName("a".repeat(60), "build", 2);
    expect(a.length).toBeLessThanOrEqual(63);
    expect(a).not.toBe(b);
    expect(labelValue("x".repeat(100)).length).toBeLessThanOrEqual(63);
  });
});
