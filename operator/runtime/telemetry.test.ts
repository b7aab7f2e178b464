// Span and metric shape of reconciles, through a real Controller and the OpenTelemetry SDK's in-memory exporters.
import { Writable } from "node:stream";
import { context, metrics, SpanStatusCode, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../kube/logger.ts";
import { OperatorMetrics } from "../../kube/metrics.ts";
import {
  keyValueList,
  reconcileAttributes,
  startTelemetry,
  telemetrySettings,
  traceFields,
} from "../../kube/telemetry.ts";
import { Controller, type ReconcileFn, TerminalError } from "./controller.ts";

const spans = new InMemorySpanExporter();
const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] });
const meterProvider = new MeterProvider({ readers: [reader] });

const tenants: Record<string, string> = { "acme-prod": "acme", "globex-dev": "globex" };

async function reconcileOnce(name: string, key: string, reconcile: ReconcileFn): Promise<void> {
  const controller = new Controller({
    name,
    reconcile,
    metrics: new OperatorMetrics({ processMetrics: false }),
    log: silentLogger,
    concurrency: 1,
    baseDelayMs: 60_000,
    tenantOf: (namespace) => tenants[namespace],
  });
  const before = spans.getFinishedSpans().length;
  controller.start();
  controller.enqueue(key);
  // Done when its span has ended (a requeue-after leaves the key waiting in the queue).
  while (spans.getFinishedSpans().filter((s) => s.name.startsWith("reconcile ")).length <= before)
    await new Promise((r) => setTimeout(r, 5));
  await controller.stop();
}

async function collected(metric: string) {
  metricExporter.reset();
  await reader.forceFlush();
  return metricExporter
    .getMetrics()
    .at(-1)
    ?.scopeMetrics.flatMap((scope) => scope.metrics)
    .find((m) => m.descriptor.name === metric);
}

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
});

afterEach(() => spans.reset());

afterAll(async () => {
  await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
  trace.disable();
  metrics.disable();
  context.disable();
});

describe("reconcile spans", () => {
  it("name the kind and carry the key, tenant, app, result and duration", async () => {
    await reconcileOnce("app", "acme-prod/shop-api", async () => undefined);
    const [span] = spans.getFinishedSpans();
    expect(span?.name).toBe("reconcile App");
    expect(span?.attributes).toMatchObject({
      "loco.controller": "app",
      "loco.key": "acme-prod/shop-api",
      "k8s.namespace.name": "acme-prod",
      "loco.tenant": "acme",
      "loco.app": "shop-api",
      "loco.reconcile.result": "success",
    });
    expect(span?.attributes["loco.reconcile.duration_seconds"]).toBeTypeOf("number");
    expect(span?.status.code).not.toBe(SpanStatusCode.ERROR);
  });

  it("mark a terminal error as a failed span with its reason", async () => {
    await reconcileOnce("pipeline", "globex-dev/ci", async () => {
      throw new TerminalError("InvalidSchedule", "The cron schedule is not valid.");
    });
    const [span] = spans.getFinishedSpans();
    expect(span?.name).toBe("reconcile Pipeline");
    expect(span?.attributes).toMatchObject({
      "loco.tenant": "globex",
      "loco.pipeline": "ci",
      "loco.reconcile.result": "error",
      "error.type": "InvalidSchedule",
    });
    expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: "The cron schedule is not valid." });
    expect(span?.events.map((e) => e.name)).toContain("exception");
  });

  it("make spans started inside the reconcile its children, and log lines carry its trace id", async () => {
    const lines: string[] = [];
    const log = pino(
      { mixin: traceFields },
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    await reconcileOnce("run", "acme-prod/ci-x7k2p", async () => {
      trace.getTracer("test").startActiveSpan("apply Job", (child) => child.end());
      await new Promise((r) => setTimeout(r, 1));
      log.info({ kind: "Run" }, "Created Job");
      return undefined;
    });
    const reconcile = spans.getFinishedSpans().find((s) => s.name === "reconcile Run");
    const child = spans.getFinishedSpans().find((s) => s.name === "apply Job");
    expect(reconcile?.attributes).toMatchObject({ "loco.tenant": "acme", "loco.run": "ci-x7k2p" });
    expect(child?.parentSpanContext?.spanId).toBe(reconcile?.spanContext().spanId);
    const line = JSON.parse(lines[0] ?? "{}") as { trace_id?: string; span_id?: string };
    expect(line.trace_id).toBe(reconcile?.spanContext().traceId);
    expect(line.span_id).toBe(reconcile?.spanContext().spanId);
    expect(traceFields()).toEqual({});
  });
});

describe("reconcile metrics over OTLP", () => {
  it("count reconciles under controller-runtime's names with tenant and app, never per Run", async () => {
    await reconcileOnce("app", "acme-prod/web", async () => undefined);
    await reconcileOnce("app", "acme-prod/web", async () => ({ requeueAfterMs: 60_000 }));
    await reconcileOnce("run", "acme-prod/ci-abcde", async () => undefined);
    const totals = (await collected("controller_runtime_reconcile_total"))?.dataPoints ?? [];
    expect(totals.map((p) => ({ attributes: p.attributes, value: p.value }))).toEqual(
      expect.arrayContaining([
        {
          attributes: { controller: "app", "loco.tenant": "acme", "loco.app": "web", result: "success" },
          value: 1,
        },
        {
          attributes: { controller: "app", "loco.tenant": "acme", "loco.app": "web", result: "requeue_after" },
          value: 1,
        },
      ]),
    );
    // Runs are counted per tenant only (the run test above reconciled one too): no series per Run.
    expect(totals.map((p) => p.attributes)).toContainEqual({
      controller: "run",
      "loco.tenant": "acme",
      result: "success",
    });
    for (const point of totals) expect(Object.keys(point.attributes)).not.toContain("loco.run");
    const time = await collected("controller_runtime_reconcile_time_seconds");
    expect(time?.dataPointType).toBe(DataPointType.HISTOGRAM);
    const web = time?.dataPoints.find((p) => p.attributes["loco.app"] === "web");
    expect((web?.value as { count: number } | undefined)?.count).toBe(2);
  });
});

describe("configuration", () => {
  it("takes the flag over OTEL_EXPORTER_OTLP_ENDPOINT and reads OTEL_EXPORTER_OTLP_HEADERS", () => {
    const env = {
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
      OTEL_EXPORTER_OTLP_HEADERS: "Authorization=Basic%20cm9vdDpwYXNz,stream-name=loco",
    };
    expect(telemetrySettings(undefined, env)).toEqual({
      endpoint: "http://collector:4318",
      headers: { Authorization: "Basic cm9vdDpwYXNz", "stream-name": "loco" },
    });
    expect(telemetrySettings("https://o2.example.com/api/default", env).endpoint).toBe(
      "https://o2.example.com/api/default",
    );
    expect(telemetrySettings(undefined, {})).toEqual({ endpoint: undefined, headers: {} });
  });

  it("reads OTEL_RESOURCE_ATTRIBUTES' list format (the chart sets service.namespace)", () => {
    expect(keyValueList("service.namespace=loco-system, deployment.environment=prod%20eu,broken")).toEqual({
      "service.namespace": "loco-system",
      "deployment.environment": "prod eu",
    });
    expect(keyValueList(undefined)).toEqual({});
  });

  it("starts nothing without an endpoint", async () => {
    const telemetry = await startTelemetry({ endpoint: undefined, headers: {}, serviceName: "loco-operator" });
    expect(telemetry.enabled).toBe(false);
    const off = await startTelemetry(
      { endpoint: "http://127.0.0.1:1", headers: {}, serviceName: "loco-operator" },
      { OTEL_SDK_DISABLED: "true" },
    );
    expect(off.enabled).toBe(false);
  });

  it("names cluster-scoped objects without a tenant", () => {
    expect(reconcileAttributes("profile", "prod", () => "never")).toEqual({
      "loco.controller": "profile",
      "loco.key": "prod",
      "loco.profile": "prod",
    });
  });
});
