import { describe, expect, it } from "vitest";
import type { RunView } from "../client/run-client.ts";
import { failingTask, fromRunView, runChanges, runFinalLine, runLines, withLogLine } from "./run-model.ts";

const view = (over: Partial<RunView>): RunView => ({
  name: "ci-1",
  tenant: "acme",
  profile: "dev",
  namespace: "acme-dev",
  pipeline: "ci",
  phase: "Running",
  reason: null,
  message: null,
  lost: false,
  cancelRequested: false,
  parameters: {},
  startedBy: null,
  createdAt: "2026-11-23T10:00:00Z",
  startTime: "2026-11-23T10:00:00Z",
  completionTime: null,
  duration: null,
  tasks: [],
  spec: {},
  status: { pipelineSpec: { tasks: [{ name: "build" }, { name: "test", dependsOn: { build: "Success" } }] } },
  ...over,
});

describe("the run-watch model", () => {
  it("takes each task's dependencies from the Run's snapshot, and keeps log lines across updates", () => {
    let state = fromRunView(
      view({
        tasks: [
          { name: "build", state: "Running" },
          { name: "test", state: "Pending" },
        ],
      }),
    );
    expect(state.tasks.map((t) => t.dependsOn)).toEqual([undefined, ["build"]]);
    for (const line of ["a", "b", "c", "d"]) state = withLogLine(state, "build", line);
    expect(state.logs.build).toEqual(["b", "c", "d"]);
    state = fromRunView(view({ tasks: [{ name: "build", state: "Succeeded" }] }), state);
    expect(state.logs.build).toEqual(["b", "c", "d"]);
  });

  it("blames the first task that failed, not one skipped for it", () => {
    const state = fromRunView(
      view({
        phase: "Failed",
        reason: "TaskFailed",
        tasks: [
          {
            name: "late",
            state: "Failed",
            completionTime: "2026-11-23T10:00:09Z",
            exitCode: 1,
            reason: "AbnormalExit",
          },
          { name: "first", state: "Failed", completionTime: "2026-11-23T10:00:05Z", exitCode: 2, reason: "TimedOut" },
          { name: "after", state: "Skipped", reason: "DependencyFailed" },
        ],
      }),
    );
    expect(failingTask(state)?.name).toBe("first");
    expect(runFinalLine(state)?.text).toContain("task first failed (TimedOut, exit code 2)");
  });

  it("says a cancelled Run was cancelled", () => {
    const state = fromRunView(
      view({ phase: "Failed", reason: "UserCancelled", completionTime: "2026-11-23T10:01:00Z" }),
    );
    expect(runFinalLine(state)?.text).toBe("✗ Run ci-1 of pipeline ci (dev) was cancelled after 1m00s");
  });

  it("prints one line per task transition when piped", () => {
    const before = fromRunView(
      view({
        tasks: [
          { name: "build", state: "Running" },
          { name: "test", state: "Pending" },
        ],
      }),
    );
    const after = fromRunView(
      view({
        tasks: [
          {
            name: "build",
            state: "Succeeded",
            startTime: "2026-11-23T10:00:00Z",
            completionTime: "2026-11-23T10:00:03Z",
            exitCode: 0,
          },
          { name: "test", state: "Running", startTime: "2026-11-23T10:00:03Z" },
        ],
      }),
    );
    expect(runChanges(undefined, before)).toEqual(["Run ci-1 of pipeline ci (dev)", "Running", "task build Running"]);
    expect(runChanges(before, after)).toEqual(["task build Succeeded in 3s", "task test Running"]);
    expect(runChanges(after, after)).toEqual([]);
  });

  it("keeps a failed task's last log lines under it, and none under a task that succeeded", () => {
    let state = fromRunView(
      view({
        phase: "Failed",
        tasks: [
          { name: "build", state: "Succeeded" },
          { name: "test", state: "Failed", exitCode: 3, reason: "AbnormalExit" },
        ],
      }),
    );
    state = withLogLine(state, "build", "compiled");
    state = withLogLine(state, "test", "FAIL parser.test: expected 3, got 4");
    const text = runLines(state).map((l) => l.text);
    expect(text.some((t) => t.endsWith("│ FAIL parser.test: expected 3, got 4"))).toBe(true);
    expect(text.some((t) => t.endsWith("│ compiled"))).toBe(false);
  });
});
