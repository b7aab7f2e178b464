import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../kube/types.ts";
import { timelineOf } from "../timeline.ts";
import { notificationOf, notificationTypeOf } from "./notification-of.ts";

const app = (conditions: Record<string, unknown>[], deploymentId = "01JD6Z7Q5V8K2M4N6P8R0T2W4Y"): KubeObject => ({
  apiVersion: "loco.dev/v1alpha1",
  kind: "App",
  metadata: { name: "web", namespace: "acme-prod", uid: "u1", creationTimestamp: "2026-12-01T00:00:00Z" },
  spec: { image: "nginx:1" },
  status: { deploymentId, lastDeployTime: "2026-12-01T00:00:01Z", conditions },
});
const at = "2026-12-01T00:01:00Z";
const types = (object: KubeObject) =>
  timelineOf(object)
    .events.map(notificationTypeOf)
    .filter((t) => t !== undefined);

describe("notificationTypeOf, over the timeline's own events", () => {
  it("tells of a release starting, then succeeding", () => {
    expect(types(app([{ type: "Ready", status: "Unknown", reason: "Progressing", lastTransitionTime: at }]))).toEqual([
      "release.started",
    ]);
    expect(types(app([{ type: "Ready", status: "True", reason: "Available", lastTransitionTime: at }]))).toEqual([
      "release.started",
      "release.succeeded",
    ]);
  });

  it("tells of a canary rolled back (and the release failing with it), but not of a completed rollout", () => {
    const rolledBack = app([
      { type: "Ready", status: "False", reason: "RolledBack", lastTransitionTime: at },
      {
        type: "Rollout",
        status: "False",
        reason: "RolledBack",
        message: "success rate 0.5 < 0.99",
        lastTransitionTime: at,
      },
    ]);
    expect(types(rolledBack).sort()).toEqual(["release.failed", "release.rolled_back", "release.started"]);
    const completed = app([{ type: "Rollout", status: "True", reason: "Completed", lastTransitionTime: at }]);
    expect(types(completed)).toEqual(["release.started"]);
  });

  it("tells of a Run that failed, not of one its user cancelled or one that succeeded", () => {
    const run = (status: string, reason: string): KubeObject => ({
      apiVersion: "loco.dev/v1alpha1",
      kind: "Run",
      metadata: { name: "ci-x7k2m", namespace: "acme-dev", uid: "r1" },
      status: { conditions: [{ type: "Succeeded", status, reason, lastTransitionTime: at }] },
    });
    expect(types(run("False", "AbnormalExit"))).toEqual(["run.failed"]);
    expect(types(run("False", "UserCancelled"))).toEqual([]);
    expect(types(run("True", "Completed"))).toEqual([]);
  });
});

describe("notificationOf", () => {
  it("builds the payload from the event, with the profile and deployment id", () => {
    const failed = timelineOf(
      app([{ type: "Ready", status: "False", reason: "ProgressDeadlineExceeded", lastTransitionTime: at }]),
    ).events.find((e) => e.reason === "DeploymentFailed");
    expect(failed).toBeDefined();
    expect(notificationOf(failed!, "acme", "evt_7")).toEqual({
      id: "evt_7",
      type: "release.failed",
      occurredAt: "2026-12-01T00:01:00.000Z",
      tenant: "acme",
      namespace: "acme-prod",
      profile: "prod",
      object: { kind: "App", name: "web" },
      deploymentId: "01JD6Z7Q5V8K2M4N6P8R0T2W4Y",
      reason: "DeploymentFailed",
      message: expect.stringContaining("01JD6Z7Q5V8K2M4N6P8R0T2W4Y"),
      actor: null,
    });
  });
});
