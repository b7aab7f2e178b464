// Deployments, replicas, finished Runs and tasks as metrics, recorded inside a reconcile (for its tenant) through
// the OpenTelemetry SDK's in-memory exporter.
import { context, metrics } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startReconcileTrace } from "../../kube/telemetry.ts";
import type { KubeObject } from "../../kube/types.ts";
import { recordStatusWrite, STATUS_METRICS } from "./status-metrics.ts";

const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
const meterProvider = new MeterProvider({ readers: [reader] });

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  metrics.setGlobalMeterProvider(meterProvider);
});

afterAll(async () => {
  await meterProvider.shutdown();
  metrics.disable();
  context.disable();
});

/** Records a status write as the operator does: inside the reconcile of the object's key. */
async function write(controller: string, live: KubeObject, status: Record<string, unknown>) {
  const reconcile = startReconcileTrace(controller, `${live.metadata.namespace}/${live.metadata.name}`, () => "acme");
  await reconcile.run(async () => recordStatusWrite(live, status));
  reconcile.end("success");
}

async function points(name: string) {
  exporter.reset();
  await reader.forceFlush();
  const metric = exporter
    .getMetrics()
    .at(-1)
    ?.scopeMetrics.flatMap((s) => s.metrics)
    .find((m) => m.descriptor.name === name);
  return (metric?.dataPoints ?? []).map((p) => ({ attributes: p.attributes, value: p.value }));
}

const app = (status: Record<string, unknown>): KubeObject => ({
  apiVersion: "loco.dev/v1alpha1",
  kind: "App",
  metadata: { name: "web", namespace: "acme-prod", uid: "app-1" },
  status,
});

describe("App status", () => {
  it("counts a new deploymentId once, even when the write repeats, and reports replicas", async () => {
    await write("app", app({}), { deploymentId: "01JD6Z7Q5V8K2M4N6P8R0T2W4Y", replicas: 3, readyReplicas: 1 });
    // The cache had not caught up: the same status is written again from the old one.
    await write("app", app({}), { deploymentId: "01JD6Z7Q5V8K2M4N6P8R0T2W4Y", replicas: 3, readyReplicas: 2 });
    await write("app", app({ deploymentId: "01JD6Z7Q5V8K2M4N6P8R0T2W4Y" }), {
      deploymentId: "01JD6Z7Q5V8K2M4N6P8R0T2W4Y",
      replicas: 3,
      readyReplicas: 3,
    });
    expect(await points(STATUS_METRICS.deployments)).toEqual([
      { attributes: { "loco.tenant": "acme", "loco.app": "web" }, value: 1 },
    ]);
    expect(await points(STATUS_METRICS.replicas)).toEqual(
      expect.arrayContaining([
        { attributes: { "loco.tenant": "acme", "loco.app": "web", state: "desired" }, value: 3 },
        { attributes: { "loco.tenant": "acme", "loco.app": "web", state: "ready" }, value: 3 },
      ]),
    );
  });
});

describe("Run status", () => {
  const run = (uid: string, status: Record<string, unknown> = {}): KubeObject => ({
    apiVersion: "loco.dev/v1alpha1",
    kind: "Run",
    metadata: { name: `ci-${uid}`, namespace: "acme-dev", uid, creationTimestamp: "2026-01-01T00:00:00Z" },
    spec: { pipelineRef: { name: "ci" } },
    status,
  });
  const finished = (status: "True" | "False", reason: string) => ({
    startTime: "2026-01-01T00:00:10Z",
    completionTime: "2026-01-01T00:01:40Z",
    conditions: [{ type: "Succeeded", status, reason }],
    tasks: [
      {
        name: "test",
        state: status === "True" ? "Succeeded" : "Failed",
        startTime: "2026-01-01T00:00:10Z",
        completionTime: "2026-01-01T00:01:10Z",
      },
    ],
  });

  it("counts finished Runs by pipeline and result, with run and task durations, never per Run", async () => {
    await write("run", run("r1"), { conditions: [{ type: "Succeeded", status: "Unknown", reason: "Running" }] });
    await write("run", run("r1"), finished("True", "Succeeded"));
    await write("run", run("r1"), finished("True", "Succeeded"));
    await write("run", run("r2"), finished("False", "AbnormalExit"));
    const runs = await points(STATUS_METRICS.runs);
    expect(runs).toEqual(
      expect.arrayContaining([
        {
          attributes: { "loco.tenant": "acme", "loco.pipeline": "ci", result: "Succeeded", reason: "Succeeded" },
          value: 1,
        },
        {
          attributes: { "loco.tenant": "acme", "loco.pipeline": "ci", result: "Failed", reason: "AbnormalExit" },
          value: 1,
        },
      ]),
    );
    expect(runs).toHaveLength(2);
    const durations = await points(STATUS_METRICS.runDuration);
    const succeeded = durations.find((p) => p.attributes.result === "Succeeded")?.value as { sum: number };
    expect(succeeded.sum).toBe(90);
    const tasks = await points(STATUS_METRICS.taskDuration);
    expect(tasks.map((p) => p.attributes)).toEqual(
      expect.arrayContaining([
        { "loco.tenant": "acme", "loco.pipeline": "ci", task: "test", state: "Succeeded" },
        { "loco.tenant": "acme", "loco.pipeline": "ci", task: "test", state: "Failed" },
      ]),
    );
    for (const point of [...runs, ...durations, ...tasks]) expect(point.attributes).not.toHaveProperty("loco.run");
  });
});
