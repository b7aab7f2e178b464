import { describe, expect, it } from "vitest";
import type { KubeClient } from "../../kube/kube-client.ts";
import { silentLogger } from "../../kube/logger.ts";
import { OperatorMetrics } from "../../kube/metrics.ts";
import { EventRecorder } from "./events.ts";

describe("EventRecorder", () => {
  it("bounds the events in flight and counts what it drops in a metric", async () => {
    // An apiserver that never answers: only the recorder's own bookkeeping is under test here.
    const stalled = { request: () => new Promise(() => {}) } as unknown as KubeClient;
    const metrics = new OperatorMetrics({ processMetrics: false });
    const recorder = new EventRecorder(stalled, "loco-operator", silentLogger, () => metrics.eventsDropped.inc());
    const app = { apiVersion: "loco.dev/v1alpha1", kind: "App", metadata: { name: "a", namespace: "n", uid: "u" } };
    for (let i = 0; i < 70; i++) recorder.record(app, "Normal", "Created", `event ${i}`);
    expect(recorder.dropped).toBe(6);
    expect(await metrics.registry.getSingleMetricAsString("loco_operator_events_dropped_total")).toContain(
      "loco_operator_events_dropped_total 6",
    );
  });
});
