import { describe, expect, it } from "vitest";
import type { RunObject } from "../run/objects.ts";
import { runReport } from "./run-report.ts";

type State = "queued" | "running" | "succeeded" | "failed";

/** Run `n` of the "history" Pipeline, created at second n and (when finished) completed at second n + 30. */
function run(n: number, state: State): RunObject {
  const at = (s: number) =>
    `2026-12-05T10:${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}Z`;
  const succeeded = { queued: "Unknown", running: "Unknown", succeeded: "True", failed: "False" }[state];
  return {
    apiVersion: "loco.dev/v1alpha1",
    kind: "Run",
    metadata: { name: `history-${n}`, namespace: "acmeq7-dev", uid: `uid-${n}`, creationTimestamp: at(n) },
    spec: { pipelineRef: { name: "history" } },
    status: {
      ...(state === "queued" ? {} : { startTime: at(n) }),
      ...(state === "succeeded" || state === "failed" ? { completionTime: at(n + 30) } : {}),
      conditions: [{ type: "Succeeded", status: succeeded, reason: "R", message: "m.", lastTransitionTime: at(n) }],
    },
  } as unknown as RunObject;
}

const names = (runs: readonly RunObject[]) => runs.map((r) => r.metadata.name);

describe("runReport: one snapshot decides the pruning and the status", () => {
  it("reports the newest Run and none active once it has finished, pruning the oldest", () => {
    // The snapshot of the pipeline.test.ts history case at the moment history-4 finished.
    const report = runReport([run(1, "succeeded"), run(2, "succeeded"), run(3, "succeeded"), run(4, "succeeded")], [], {
      successfulRuns: 2,
      failedRuns: 1,
    });
    expect(names(report.prune)).toEqual(["history-1", "history-2"]);
    expect(report.fields).toMatchObject({ lastRun: "history-4", activeRuns: 0, queuedRuns: 0 });
  });

  it("counts the newest Run active while it runs, and prunes only what is beyond the limits then", () => {
    const report = runReport([run(1, "succeeded"), run(2, "succeeded"), run(3, "succeeded"), run(4, "running")], [], {
      successfulRuns: 2,
      failedRuns: 1,
    });
    expect(names(report.prune)).toEqual(["history-1"]);
    expect(report.fields).toMatchObject({ lastRun: "history-4", activeRuns: 1, queuedRuns: 0 });
  });

  it("never names a Run it prunes: with no history kept, the status reports what remains", () => {
    const report = runReport([run(1, "failed"), run(2, "succeeded"), run(3, "queued")], [], {
      successfulRuns: 0,
      failedRuns: 0,
    });
    expect(names(report.prune)).toEqual(["history-1", "history-2"]);
    expect(report.fields).toMatchObject({ lastRun: "history-3", activeRuns: 0, queuedRuns: 1 });
    const none = runReport([run(1, "succeeded")], [], { successfulRuns: 0, failedRuns: 0 });
    expect(none.fields.lastRun).toBeUndefined();
    expect(none.fields.activeRuns).toBe(0);
  });

  it("the status it reports is the status of the Runs that remain (a second snapshot after the pruning agrees)", () => {
    const history = { successfulRuns: 1, failedRuns: 1 };
    const snapshot = [run(1, "failed"), run(2, "succeeded"), run(3, "failed"), run(4, "succeeded"), run(5, "running")];
    const first = runReport(snapshot, [], history);
    const pruned = new Set(names(first.prune));
    const after = runReport(
      snapshot.filter((r) => !pruned.has(r.metadata.name)),
      [],
      history,
    );
    expect(after.prune).toEqual([]);
    expect(after.fields).toEqual(first.fields);
  });

  it("leaves a Run already being deleted out of the deletions, and keeps the defaults without a history", () => {
    const deleting = run(1, "succeeded");
    deleting.metadata.deletionTimestamp = "2026-12-05T11:00:00Z";
    const many = [deleting, ...Array.from({ length: 11 }, (_, i) => run(i + 2, "succeeded"))];
    const report = runReport(many, [], undefined);
    expect(names(report.prune)).toEqual(["history-2"]);
    expect(report.fields).toMatchObject({ lastRun: "history-12", activeRuns: 0 });
  });
});
