import { describe, expect, it } from "vitest";
import type { Condition } from "../../runtime/conditions.ts";
import type { ConditionStamp } from "../condition-stamp.ts";
import { markPipelineReady, markTriggers } from "./status.ts";
import type { SpecProblem } from "./validation.ts";

const stamp: ConditionStamp = { generation: 5, now: "2026-12-05T10:00:00.000Z" };
const badCron: SpecProblem = { reason: "InvalidSchedule", message: "Trigger nightly does not parse." };
const cycle: SpecProblem = { reason: "DependencyCycle", message: "a and b depend on each other." };

describe("Pipeline condition set", () => {
  it.each<
    [
      string,
      number,
      SpecProblem[],
      "True" | "False" | "Unknown" | undefined,
      string | undefined,
      "True" | "False",
      string,
    ]
  >([
    ["valid, no triggers", 0, [], undefined, undefined, "True", "Available"],
    ["valid, with triggers", 2, [], "True", "Scheduled", "True", "Available"],
    ["invalid graph, no triggers", 0, [cycle], undefined, undefined, "False", "DependencyCycle"],
    ["invalid graph pauses the triggers", 1, [cycle], "Unknown", "Paused", "False", "DependencyCycle"],
    ["bad schedule", 1, [badCron], "False", "InvalidSchedule", "False", "InvalidSchedule"],
    [
      "bad schedule named first in TriggersReady",
      1,
      [cycle, badCron],
      "False",
      "InvalidSchedule",
      "False",
      "DependencyCycle",
    ],
  ])("%s → TriggersReady %s (%s), Ready %s (%s)", (_name, triggers, problems, trStatus, trReason, status, reason) => {
    const withTriggers = markTriggers([], stamp, triggers, problems);
    const { conditions, ready } = markPipelineReady(withTriggers, stamp, problems, { triggers, tasks: 2 });
    const triggersReady = conditions.find((c) => c.type === "TriggersReady");
    expect(triggersReady?.status).toBe(trStatus);
    expect(triggersReady?.reason).toBe(trReason);
    expect(ready).toMatchObject({ type: "Ready", status, reason });
    expect(conditions.find((c) => c.type === "Ready")).toMatchObject({ status, reason, observedGeneration: 5 });
  });

  it("drops TriggersReady when the last trigger goes", () => {
    const before: Condition[] = markTriggers([], stamp, 1, []);
    expect(markTriggers(before, stamp, 0, []).map((c) => c.type)).toEqual([]);
  });

  it("joins every problem's message into Ready", () => {
    const { ready } = markPipelineReady([], stamp, [cycle, badCron], { triggers: 1, tasks: 2 });
    expect(ready.message).toBe("a and b depend on each other. Trigger nightly does not parse.");
  });
});
