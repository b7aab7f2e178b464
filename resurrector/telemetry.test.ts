// Restore results and object outcomes, and the spans and counters they become (the SDK's in-memory exporters).
import { context, metrics, SpanStatusCode, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inSpan, objectOutcomes, recordRestore, restoreResult } from "./telemetry.ts";

const spans = new InMemorySpanExporter();
const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] });
const meterProvider = new MeterProvider({ readers: [reader] });

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
});

afterAll(async () => {
  await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
  trace.disable();
  metrics.disable();
  context.disable();
});

describe("restoreResult", () => {
  it("is succeeded, partial or failed", () => {
    expect(restoreResult({ created: 3, updated: 0, failed: [] })).toBe("succeeded");
    expect(restoreResult({ created: 0, updated: 0, failed: [] })).toBe("succeeded");
    expect(restoreResult({ created: 2, updated: 0, failed: [{}] })).toBe("partial");
    expect(restoreResult({ created: 0, updated: 0, failed: [{}] })).toBe("failed");
  });
});

describe("objectOutcomes", () => {
  it("counts the items a restore acted on by kind and how each ended", () => {
    const app = { kind: "App", action: "create" };
    const failedApp = { kind: "App", action: "create" };
    const profile = { kind: "Profile", action: "update" };
    const skipped = { kind: "Pipeline", action: "create" };
    const items = [app, failedApp, profile, skipped, { kind: "Run", action: "interrupt" }];
    expect(Object.fromEntries(objectOutcomes(items, [{ item: failedApp }], [{ item: skipped }]))).toEqual({
      "App/created": 1,
      "App/failed": 1,
      "Profile/updated": 1,
      "Pipeline/skipped": 1,
    });
  });
});

describe("spans and metrics", () => {
  it("nest phases under their command and mark failures", async () => {
    await inSpan("resurrector apply", {}, () =>
      inSpan("restore Apps", { "loco.resurrector.objects": 2 }, async () => undefined),
    );
    await expect(
      inSpan("resurrector probe", {}, async () => {
        throw new Error("connection refused");
      }),
    ).rejects.toThrow("connection refused");
    const finished = spans.getFinishedSpans();
    const apply = finished.find((s) => s.name === "resurrector apply");
    const phase = finished.find((s) => s.name === "restore Apps");
    expect(phase?.parentSpanContext?.spanId).toBe(apply?.spanContext().spanId);
    expect(finished.find((s) => s.name === "resurrector probe")?.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: "connection refused",
    });
  });

  it("count restores by result and objects by kind and outcome", async () => {
    recordRestore("partial", 12.5, new Map([["App/created", 4]]));
    await reader.forceFlush();
    const all =
      exporter
        .getMetrics()
        .at(-1)
        ?.scopeMetrics.flatMap((s) => s.metrics) ?? [];
    const restores = all.find((m) => m.descriptor.name === "loco.resurrector.restores");
    expect(restores?.dataPoints.map((p) => [p.attributes, p.value])).toEqual([[{ result: "partial" }, 1]]);
    const objects = all.find((m) => m.descriptor.name === "loco.resurrector.objects");
    expect(objects?.dataPoints.map((p) => [p.attributes, p.value])).toEqual([[{ kind: "App", outcome: "created" }, 4]]);
    expect(all.find((m) => m.descriptor.name === "loco.resurrector.restore.duration")?.descriptor.unit).toBe("s");
  });
});
