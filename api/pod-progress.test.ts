import { describe, expect, it } from "vitest";
import { podProgress } from "./pod-progress.ts";

const pod = (name: string, status: Record<string, unknown>, deleting = false) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, ...(deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}) },
  status,
});

describe("podProgress", () => {
  it("summarises readiness, restarts and why a pod is not ready; leaves out pods being deleted", () => {
    expect(
      podProgress([
        pod("web-b", {
          phase: "Pending",
          conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable" }],
        }),
        pod("web-a", {
          phase: "Running",
          conditions: [{ type: "Ready", status: "True" }],
          containerStatuses: [{ restartCount: 2, state: { running: {} } }],
        }),
        pod("web-c", {
          phase: "Running",
          conditions: [{ type: "Ready", status: "False" }],
          containerStatuses: [{ restartCount: 1, state: { waiting: { reason: "CrashLoopBackOff" } } }],
        }),
        pod("web-old", { phase: "Running" }, true),
      ]),
    ).toEqual([
      { name: "web-a", phase: "Running", ready: true, restarts: 2 },
      { name: "web-b", phase: "Pending", ready: false, restarts: 0, reason: "Unschedulable" },
      { name: "web-c", phase: "Running", ready: false, restarts: 1, reason: "CrashLoopBackOff" },
    ]);
  });
});
