import { describe, expect, it } from "vitest";
import type { Condition } from "../../runtime/conditions.ts";
import type { ConditionStamp } from "../condition-stamp.ts";
import type { RunObject } from "./objects.ts";
import {
  isAdmitted,
  isFinished,
  markEndedEarly,
  markFinished,
  markQueued,
  markRunning,
  markWaitingForPipeline,
  queuedTasks,
  succeededOf,
} from "./status.ts";

const stamp: ConditionStamp = { generation: 1, now: "2026-12-05T10:00:00.000Z" };
const runWith = (conditions: Condition[], startTime?: string): RunObject =>
  ({
    apiVersion: "loco.dev/v1alpha1",
    kind: "Run",
    metadata: { name: "r", namespace: "team" },
    spec: {},
    status: { conditions, ...(startTime ? { startTime } : {}) },
  }) as unknown as RunObject;

type Mark = (c: Condition[]) => Condition[];

describe("Run condition set (batch: Succeeded)", () => {
  it.each<[string, Mark[], "True" | "False" | "Unknown" | undefined, string | undefined, boolean]>([
    ["nothing marked yet", [], undefined, undefined, false],
    [
      "waiting for its Pipeline",
      [(c) => markWaitingForPipeline(c, stamp, "build", "team")],
      "Unknown",
      "PipelineNotFound",
      false,
    ],
    ["queued", [(c) => markQueued(c, stamp, "Waiting for lock deploy.")], "Unknown", "Queued", false],
    ["running", [(c) => markRunning(c, stamp, ["test"])], "Unknown", "Running", false],
    [
      "ended before it started",
      [(c) => markQueued(c, stamp, "Waiting."), (c) => markEndedEarly(c, stamp, "UserCancelled", "Cancelled.")],
      "False",
      "UserCancelled",
      true,
    ],
    [
      "completed",
      [
        (c) => markRunning(c, stamp, ["test"]),
        (c) => markFinished(c, stamp, { status: "True", reason: "Completed", message: "Done." }),
      ],
      "True",
      "Completed",
      true,
    ],
    [
      "a task failed",
      [
        (c) => markRunning(c, stamp, []),
        (c) => markFinished(c, stamp, { status: "False", reason: "TaskFailed", message: "test failed." }),
      ],
      "False",
      "TaskFailed",
      true,
    ],
  ])("%s → Succeeded %s (%s), finished %s", (_name, marks, status, reason, finished) => {
    const run = runWith(marks.reduce<Condition[]>((c, m) => m(c), []));
    expect(succeededOf(run)?.status).toBe(status);
    expect(succeededOf(run)?.reason).toBe(reason);
    expect(isFinished(run)).toBe(finished);
  });

  it("keeps one Succeeded condition however many marks", () => {
    const marked = markRunning(markQueued([], stamp, "Waiting."), stamp, ["a"]);
    expect(marked).toHaveLength(1);
    expect(marked[0]).toMatchObject({ type: "Succeeded", lastTransitionTime: stamp.now, observedGeneration: 1 });
  });

  it("names the running tasks, or the wait for the next attempt", () => {
    expect(markRunning([], stamp, ["a", "b"])[0]?.message).toBe("Running a, b.");
    expect(markRunning([], stamp, [])[0]?.message).toBe("Waiting for the next attempt.");
  });

  it("is admitted once it has a start time", () => {
    expect(isAdmitted(runWith([]))).toBe(false);
    expect(isAdmitted(runWith([], stamp.now))).toBe(true);
  });

  it("queues every task with the Run's reason", () => {
    expect(queuedTasks([{ name: "a", image: "x", timeout: "1h", retries: 0 }], "Waiting.")).toEqual([
      { name: "a", state: "Pending", reason: "Queued", message: "Waiting." },
    ]);
  });
});
