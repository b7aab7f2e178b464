import { describe, expect, it } from "vitest";
import { loggingOffRecord, mergeByTime, podLines, tasksWithLoggingOff } from "./run-logs.ts";

describe("podLines", () => {
  const source = { task: "build", attempt: 2, pod: "ci-1-build-2-x" };

  it("splits a pod's log into lines with normalised times (so that string order is time order)", () => {
    const text = "2026-11-23T10:00:00.1Z compiling\n2026-11-23T10:00:00.12Z linking\r\n";
    expect(podLines(text, source)).toEqual([
      { ...source, time: "2026-11-23T10:00:00.100000000Z", line: "compiling" },
      { ...source, time: "2026-11-23T10:00:00.120000000Z", line: "linking" },
    ]);
  });

  it("gives a line without a time the time of the line before it", () => {
    expect(podLines("2026-11-23T10:00:01Z a\nno stamp\n", source).map((l) => l.time)).toEqual([
      "2026-11-23T10:00:01.000000000Z",
      "2026-11-23T10:00:01.000000000Z",
    ]);
  });
});

describe("mergeByTime", () => {
  it("interleaves tasks by time, keeping the order of lines of the same time", () => {
    const line = (task: string, time: string, text: string) => ({ task, time, line: text });
    const merged = mergeByTime([
      line("build", "2026-11-23T10:00:00.100000000Z", "b1"),
      line("build", "2026-11-23T10:00:00.300000000Z", "b2"),
      line("build", "2026-11-23T10:00:00.300000000Z", "b3"),
      line("test", "2026-11-23T10:00:00.200000000Z", "t1"),
      line("test", "2026-11-23T10:00:00.300000000Z", "t2"),
    ]);
    expect(merged.map((l) => l.line)).toEqual(["b1", "t1", "b2", "b3", "t2"]);
  });
});

describe("tasksWithLoggingOff", () => {
  it("names the tasks whose snapshot says logging: false", () => {
    const spec = { pipelineRef: { name: "ci" } };
    const status = {
      pipelineSpec: {
        tasks: [{ name: "build", logging: true }, { name: "deploy", logging: false }, { name: "test" }],
      },
    };
    expect(tasksWithLoggingOff(spec, status)).toEqual(new Set(["deploy"]));
  });

  it("is unknown until the operator took the snapshot, and empty for a one-off command", () => {
    expect(tasksWithLoggingOff({ pipelineRef: { name: "ci" } }, {})).toBeUndefined();
    expect(tasksWithLoggingOff({ pipelineRef: { name: "ci" } }, null)).toBeUndefined();
    expect(tasksWithLoggingOff({ task: { image: "x:1" } }, {})).toEqual(new Set());
  });

  it("says so in a record, instead of the output", () => {
    expect(loggingOffRecord("deploy")).toEqual({
      task: "deploy",
      pod: "",
      error:
        "Logging is off for task deploy (logging: false in its Pipeline), so its output is neither kept nor shown.",
      reason: "LoggingDisabled",
    });
  });
});
