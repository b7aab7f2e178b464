import { describe, expect, it } from "vitest";
import type { KubeObject } from "../kube/types.ts";
import { deploymentOf, kubernetesEvent, slimEvent, taskEvents, timelineOf } from "./timeline.ts";

const app = (status: Record<string, unknown>): KubeObject => ({
  apiVersion: "loco.dev/v1alpha1",
  kind: "App",
  metadata: { name: "shop", namespace: "acme-prod", uid: "u-1", creationTimestamp: "2026-11-01T00:00:00Z" },
  spec: { image: "shop:1" },
  status,
});

const ready = (status: string, reason: string, at: string) => ({
  type: "Ready",
  status,
  reason,
  message: "",
  lastTransitionTime: at,
});

describe("timelineOf", () => {
  it("turns an App's new deployment into a row and a started event, and its readiness into the outcome", () => {
    const rolling = app({
      deploymentId: "01JD0000000000000000000000",
      lastDeployTime: "2026-11-01T00:01:00Z",
      conditions: [ready("False", "Progressing", "2026-11-01T00:01:00Z")],
    });
    expect(deploymentOf(rolling)).toMatchObject({ outcome: "Progressing", image: "shop:1", finishedAt: null });
    const done = app({
      deploymentId: "01JD0000000000000000000000",
      lastDeployTime: "2026-11-01T00:01:00Z",
      conditions: [ready("True", "Available", "2026-11-01T00:02:00Z")],
    });
    const { events, deployment } = timelineOf(done);
    expect(deployment).toMatchObject({ outcome: "Available", finishedAt: "2026-11-01T00:02:00Z" });
    expect(events.map((e) => e.reason)).toEqual(["Available", "DeploymentStarted", "DeploymentAvailable"]);
    const failed = app({
      deploymentId: "01JD0000000000000000000000",
      conditions: [ready("False", "ProgressDeadlineExceeded", "2026-11-01T00:12:00Z")],
    });
    expect(deploymentOf(failed)?.outcome).toBe("Failed");
    expect(timelineOf(failed).events[0]?.type).toBe("Warning");
    // A blocked deployment is failed in the history as it is for `loco deploy --wait`; a passing state is not.
    for (const [reason, outcome] of [
      ["PodsRefused", "Failed"],
      ["RouteConflict", "Failed"],
      ["WaitingForGateway", "Progressing"],
    ] as const) {
      const app1 = app({
        deploymentId: "01JD0000000000000000000000",
        conditions: [ready("False", reason, "2026-11-01T00:12:00Z")],
      });
      expect(deploymentOf(app1)?.outcome, reason).toBe(outcome);
    }
  });

  it("gives each fact one stable key, so a replayed snapshot adds nothing and a new transition does", () => {
    const a = timelineOf(app({ conditions: [ready("True", "Available", "2026-11-01T00:02:00Z")] })).events;
    const b = timelineOf(app({ conditions: [ready("True", "Available", "2026-11-01T00:02:00Z")] })).events;
    const c = timelineOf(app({ conditions: [ready("False", "RouteConflict", "2026-11-01T00:03:00Z")] })).events;
    expect(a.map((e) => e.sourceKey)).toEqual(b.map((e) => e.sourceKey));
    expect(c[0]?.sourceKey).not.toBe(a[0]?.sourceKey);
  });

  it("records each task state of a Run per attempt", () => {
    const run: KubeObject = {
      apiVersion: "loco.dev/v1alpha1",
      kind: "Run",
      metadata: { name: "build-1", namespace: "acme-dev", uid: "r-1" },
      status: {
        tasks: [
          { name: "test", state: "Failed", attempts: 2, exitCode: 3, completionTime: "2026-11-01T00:05:00Z" },
          { name: "deploy", state: "Skipped", reason: "DependencyFailed", completionTime: "2026-11-01T00:05:00Z" },
          { name: "lint", state: "Pending" },
        ],
      },
    };
    const events = taskEvents(run);
    expect(events.map((e) => [e.reason, e.type, e.sourceKey])).toEqual([
      ["TaskFailed", "Warning", "task:r-1:test:2:Failed"],
      ["DependencyFailed", "Normal", "task:r-1:deploy:0:Skipped"],
    ]);
    expect(events[0]?.message).toContain("exit code 3");
  });

  it("maps a Kubernetes Event onto the object it is about", () => {
    const event = kubernetesEvent({
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: "shop.1", namespace: "acme-prod", uid: "e-1" },
      involvedObject: { kind: "App", namespace: "acme-prod", name: "shop" },
      reason: "RouteConflict",
      message: "shop.example.com is taken",
      type: "Warning",
      reportingComponent: "loco-operator",
      firstTimestamp: "2026-11-01T00:00:00Z",
    });
    expect(event).toMatchObject({
      kind: "App",
      name: "shop",
      type: "Warning",
      actor: "loco-operator",
      sourceKey: "k8s-event:e-1",
    });
  });

  it("slims a cached Event to what the timeline reads, reading the same from it", () => {
    // An Event as the apiserver answers it (the operator's informer strips managedFields itself).
    const full = {
      apiVersion: "v1",
      kind: "Event",
      metadata: {
        name: "shop.18a2b3c4d5e6f708",
        namespace: "acme-prod",
        uid: "5d1c2b6e-1111-4c3a-9a4e-2f9d7c1e0a01",
        resourceVersion: "48213",
        creationTimestamp: "2026-12-06T06:12:54Z",
        labels: { "app.kubernetes.io/managed-by": "loco" },
        annotations: { "loco.dev/trace": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" },
      },
      involvedObject: {
        kind: "App",
        namespace: "acme-prod",
        name: "shop",
        uid: "9f0c1d2e-2222-4c3a-9a4e-2f9d7c1e0a02",
        apiVersion: "loco.dev/v1alpha1",
        resourceVersion: "48190",
        fieldPath: "spec.routes[0]",
      },
      reason: "Deployed",
      message: "Deployment shop rolled out 01JEXAMPLE",
      type: "Normal",
      reportingComponent: "loco-operator",
      reportingInstance: "loco-operator-6d4f9c7b8-x2x9p",
      source: { component: "loco-operator", host: "node-1" },
      action: "Apply",
      count: 3,
      series: { count: 3, lastObservedTime: "2026-12-06T06:13:04.000000Z" },
      related: { kind: "Deployment", namespace: "acme-prod", name: "shop" },
      eventTime: null,
      firstTimestamp: "2026-12-06T06:12:54Z",
      lastTimestamp: "2026-12-06T06:13:04Z",
    };
    const slim = slimEvent(structuredClone(full));
    expect(kubernetesEvent(slim)).toEqual(kubernetesEvent(full));
    // What the mirror keys and tenants it by stays.
    expect(slim.metadata).toEqual({
      name: full.metadata.name,
      namespace: full.metadata.namespace,
      uid: full.metadata.uid,
      resourceVersion: full.metadata.resourceVersion,
      creationTimestamp: full.metadata.creationTimestamp,
    });
    expect(JSON.stringify(slim).length).toBeLessThan(JSON.stringify(full).length * 0.6);
  });
});
