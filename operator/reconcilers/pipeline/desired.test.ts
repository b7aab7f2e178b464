import { describe, expect, it } from "vitest";
import type { Trigger } from "../../../crds/pipeline.ts";
import { desiredTriggeredRun, runsBeyondHistory, triggerStep } from "./desired.ts";
import { triggeredRunName } from "./names.ts";
import { scheduleOf } from "./schedule.ts";

const anchor = Date.parse("2026-01-01T00:00:00Z");
const minute = 60_000;
const trigger = (missedPolicy: "RunOnce" | "Skip"): Trigger => ({
  name: "tick",
  interval: { every: "1m" },
  missedPolicy,
});
const schedule = (t: Trigger) => scheduleOf(t, anchor, "uid/tick");
const iso = (ms: number) => new Date(ms).toISOString();

describe("triggerStep", () => {
  it("starts counting when it first sees the trigger, without firing", () => {
    const t = trigger("RunOnce");
    const step = triggerStep({
      trigger: t,
      name: "tick",
      schedule: schedule(t),
      previous: undefined,
      nowMs: anchor + 30_000,
      toleranceMs: 10_000,
    });
    expect(step.fire).toBeUndefined();
    expect(step.status.nextScheduleTime).toBe(iso(anchor + minute));
  });

  it("fires a due slot once, and not again at the same time", () => {
    const t = trigger("RunOnce");
    const previous = { name: "tick", schedule: "every 1m", nextScheduleTime: iso(anchor + minute) };
    const step = triggerStep({
      trigger: t,
      name: "tick",
      schedule: schedule(t),
      previous,
      nowMs: anchor + minute + 5,
      toleranceMs: 10_000,
    });
    expect(step.fire).toBe(anchor + minute);
    expect(step.status).toMatchObject({
      lastScheduleTime: iso(anchor + minute),
      nextScheduleTime: iso(anchor + 2 * minute),
    });
    const again = triggerStep({
      trigger: t,
      name: "tick",
      schedule: schedule(t),
      previous: step.status,
      nowMs: anchor + minute + 10,
      toleranceMs: 10_000,
    });
    expect(again.fire).toBeUndefined();
  });

  it("RunOnce catches up with one Run for the newest missed slot and records the others as skipped", () => {
    const t = trigger("RunOnce");
    const previous = { name: "tick", schedule: "every 1m", nextScheduleTime: iso(anchor + minute) };
    const step = triggerStep({
      trigger: t,
      name: "tick",
      schedule: schedule(t),
      previous,
      nowMs: anchor + 4 * minute + 30_000,
      toleranceMs: 10_000,
    });
    expect(step.fire).toBe(anchor + 4 * minute);
    expect(step.skipped).toEqual([anchor + minute, anchor + 2 * minute, anchor + 3 * minute]);
    expect(step.status.nextScheduleTime).toBe(iso(anchor + 5 * minute));
  });

  it("Skip drops a late slot and records it", () => {
    const t = trigger("Skip");
    const previous = { name: "tick", schedule: "every 1m", nextScheduleTime: iso(anchor + minute) };
    const step = triggerStep({
      trigger: t,
      name: "tick",
      schedule: schedule(t),
      previous,
      nowMs: anchor + minute + 30_000,
      toleranceMs: 10_000,
    });
    expect(step.fire).toBeUndefined();
    expect(step.skipped).toEqual([anchor + minute]);
    const onTime = triggerStep({
      trigger: t,
      name: "tick",
      schedule: schedule(t),
      previous,
      nowMs: anchor + minute + 1000,
      toleranceMs: 10_000,
    });
    expect(onTime.fire).toBe(anchor + minute);
  });

  it("resets when the schedule changes", () => {
    const t: Trigger = { name: "tick", interval: { every: "5m" }, missedPolicy: "RunOnce" };
    const previous = { name: "tick", schedule: "every 1m", nextScheduleTime: iso(anchor + minute) };
    const step = triggerStep({
      trigger: t,
      name: "tick",
      schedule: schedule(t),
      previous,
      nowMs: anchor + 2 * minute,
      toleranceMs: 10_000,
    });
    expect(step.fire).toBeUndefined();
    expect(step.status).toMatchObject({ schedule: "every 5m", nextScheduleTime: iso(anchor + 5 * minute) });
  });
});

describe("desiredTriggeredRun", () => {
  it("names the Run after its slot, so that a slot can't start two", () => {
    const owner = { apiVersion: "loco.dev/v1alpha1", kind: "Pipeline", name: "ci", uid: "u", controller: true };
    const run = desiredTriggeredRun(
      { name: "ci", namespace: "acme", labels: { team: "a" } },
      owner,
      { name: "tick", parameters: { MODE: "x" } },
      anchor,
    );
    expect(run.metadata.name).toBe(triggeredRunName("ci", "tick", anchor));
    expect(run.metadata.labels).toEqual({ team: "a", "loco.dev/pipeline": "ci", "loco.dev/trigger": "tick" });
    expect(run.spec).toEqual({
      pipelineRef: { name: "ci", parameters: { MODE: "x" } },
      startedBy: { kind: "Trigger", trigger: "tick" },
    });
    expect(triggeredRunName("x".repeat(60), "nightly", anchor).length).toBeLessThanOrEqual(40);
  });
});

describe("runsBeyondHistory", () => {
  it("keeps the newest per outcome and lists the rest oldest first", () => {
    const runs = [1, 2, 3, 4].flatMap((i) => [
      { name: `ok-${i}`, succeeded: true, at: `2026-01-01T00:0${i}:00Z` },
      { name: `bad-${i}`, succeeded: false, at: `2026-01-01T00:0${i}:30Z` },
    ]);
    expect(runsBeyondHistory(runs, { successfulRuns: 2, failedRuns: 3 })).toEqual(["ok-1", "bad-1", "ok-2"]);
    expect(new Set(runsBeyondHistory(runs, { successfulRuns: 2, failedRuns: 3 }))).toEqual(
      new Set(["ok-1", "ok-2", "bad-1"]),
    );
  });
});
