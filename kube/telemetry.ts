// OpenTelemetry for loco's processes (operator, API, resurrector): traces and metrics over OTLP/HTTP when an
// endpoint is configured, optionally a Prometheus /metrics listener, and only the no-op OpenTelemetry API otherwise
// (the SDK is imported lazily, so a process without either never loads it). Reconciles become spans named after
// the kind ("reconcile App") carrying the key, result, duration and the loco.tenant / loco.app (loco.pipeline,
// loco.run) attributes; the same reconciles are counted over OTLP under controller-runtime's metric names, next to
// the Prometheus /metrics that OperatorMetrics serves.

import {
  type Attributes,
  type Counter,
  context,
  createContextKey,
  type Histogram,
  type MeterProvider,
  metrics,
  propagation,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import { HEAP_AFTER_GC_HELP, HEAP_AFTER_GC_METRIC, heapAfterGcBytes } from "./heap-after-gc.ts";

/** The instrumentation scope of every span and instrument loco creates. */
export const INSTRUMENTATION_SCOPE = "loco";

export interface TelemetrySettings {
  /** OTLP/HTTP base URL (http://host:4318, or OpenObserve's https://host/api/<org>); off when undefined. */
  endpoint: string | undefined;
  /** Sent with every export, e.g. OpenObserve's `Authorization: Basic …`. */
  headers: Record<string, string>;
}

/**
 * Where telemetry goes: the flag wins over OTEL_EXPORTER_OTLP_ENDPOINT; headers come from
 * OTEL_EXPORTER_OTLP_HEADERS (`key=value,key2=value2`, values URL-encoded, as the OpenTelemetry spec defines).
 */
export function telemetrySettings(flag: string | undefined, env: NodeJS.ProcessEnv): TelemetrySettings {
  const endpoint = (flag ?? env.OTEL_EXPORTER_OTLP_ENDPOINT)?.trim() || undefined;
  const headers = keyValueList(env.OTEL_EXPORTER_OTLP_HEADERS);
  return { endpoint, headers: env.OTEL_SDK_DISABLED === "true" ? {} : headers };
}

export interface TelemetryOptions extends TelemetrySettings {
  serviceName: string;
  serviceVersion?: string;
  /** How often metrics are exported (default 60 s; tests shorten it). */
  metricIntervalMs?: number;
  /**
   * Also serve every metric in Prometheus' text format at http://host:port/metrics, on a listener of its own (so it
   * is never reachable through the port the process serves users on). Starts the metrics SDK even without an OTLP
   * endpoint; port 0 picks a free one (see Telemetry.metricsAddress).
   */
  prometheus?: { host: string; port: number };
  /** Instruments not exported, e.g. an instrumentation's histogram that loco records itself with more attributes. */
  dropInstruments?: { meterName: string; instrumentName: string }[];
  /**
   * Enables auto-instrumentations once the global providers are registered (only when telemetry is on, so their
   * packages are never loaded otherwise); what it returns is disabled again on shutdown.
   */
  instrument?: () => Promise<{ disable(): void }[]>;
}

export interface Telemetry {
  /** Something is exported: over OTLP, or to Prometheus. */
  readonly enabled: boolean;
  /** Spans are recorded and exported (an OTLP endpoint is set). */
  readonly tracing: boolean;
  /** Where the Prometheus /metrics listener is bound, when one was asked for. */
  readonly metricsAddress: { host: string; port: number } | undefined;
  /** Exports what is buffered now (tests, and before exit). */
  flush(): Promise<void>;
  /** Flushes, then stops exporting and unregisters the global providers. */
  shutdown(): Promise<void>;
}

const off: Telemetry = {
  enabled: false,
  tracing: false,
  metricsAddress: undefined,
  flush: async () => {},
  shutdown: async () => {},
};

/**
 * Starts the OpenTelemetry SDK and registers it globally when an endpoint (or a Prometheus listener) is set;
 * otherwise returns a no-op handle and loads nothing. OTEL_SDK_DISABLED=true turns it off whatever the endpoint.
 * The resource is the service name plus OTEL_RESOURCE_ATTRIBUTES (OTEL_SERVICE_NAME overrides the name).
 */
export async function startTelemetry(
  options: TelemetryOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Telemetry> {
  if ((!options.endpoint && !options.prometheus) || env.OTEL_SDK_DISABLED === "true") return off;
  const base = options.endpoint?.replace(/\/+$/, "");
  const [
    { AsyncLocalStorageContextManager },
    { W3CTraceContextPropagator },
    { resourceFromAttributes },
    { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION },
    { BatchSpanProcessor, TracerProvider },
    { OTLPTraceExporter },
    { AggregationType, MeterProvider: SdkMeterProvider, PeriodicExportingMetricReader },
    { OTLPMetricExporter },
  ] = await Promise.all([
    import("@opentelemetry/context-async-hooks"),
    import("@opentelemetry/core"),
    import("@opentelemetry/resources"),
    import("@opentelemetry/semantic-conventions"),
    import("@opentelemetry/sdk-trace"),
    import("@opentelemetry/exporter-trace-otlp-http"),
    import("@opentelemetry/sdk-metrics"),
    import("@opentelemetry/exporter-metrics-otlp-http"),
  ]);
  // OpenTelemetry's precedence for the name: OTEL_SERVICE_NAME, then OTEL_RESOURCE_ATTRIBUTES, then loco's default.
  const fromEnv = keyValueList(env.OTEL_RESOURCE_ATTRIBUTES);
  const resource = resourceFromAttributes(fromEnv).merge(
    resourceFromAttributes({
      [ATTR_SERVICE_NAME]: env.OTEL_SERVICE_NAME ?? fromEnv[ATTR_SERVICE_NAME] ?? options.serviceName,
      ...(options.serviceVersion ? { [ATTR_SERVICE_VERSION]: options.serviceVersion } : {}),
    }),
  );
  const tracerProvider = base
    ? new TracerProvider({
        resource,
        spanProcessors: [
          new BatchSpanProcessor({
            exporter: new OTLPTraceExporter({ url: `${base}/v1/traces`, headers: options.headers }),
          }),
        ],
      })
    : undefined;
  const prometheus = options.prometheus ? await startPrometheus(options.prometheus) : undefined;
  const meterProvider = new SdkMeterProvider({
    resource,
    views: (options.dropInstruments ?? []).map((instrument) => ({
      ...instrument,
      aggregation: { type: AggregationType.DROP },
    })),
    readers: [
      ...(base
        ? [
            new PeriodicExportingMetricReader({
              exporter: new OTLPMetricExporter({ url: `${base}/v1/metrics`, headers: options.headers }),
              exportIntervalMillis: options.metricIntervalMs ?? 60_000,
            }),
          ]
        : []),
      ...(prometheus ? [prometheus.reader] : []),
    ],
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  if (tracerProvider) trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  heapAfterGcBytes();
  meterProvider
    .getMeter(INSTRUMENTATION_SCOPE)
    .createObservableGauge(HEAP_AFTER_GC_METRIC, { description: HEAP_AFTER_GC_HELP })
    .addCallback((result) => {
      const bytes = heapAfterGcBytes();
      if (bytes > 0) result.observe(bytes);
    });
  const instrumentations = (await options.instrument?.()) ?? [];
  let stopped = false;
  return {
    enabled: true,
    tracing: tracerProvider !== undefined,
    metricsAddress: prometheus?.address,
    async flush() {
      await Promise.all([tracerProvider?.forceFlush(), meterProvider.forceFlush()]);
    },
    async shutdown() {
      if (stopped) return;
      stopped = true;
      for (const instrumentation of instrumentations) instrumentation.disable();
      await Promise.allSettled([tracerProvider?.shutdown(), meterProvider.shutdown(), prometheus?.close()]);
      trace.disable();
      metrics.disable();
      propagation.disable();
      context.disable();
    },
  };
}

/** OpenTelemetry's `key=value,key2=value2` lists (OTEL_EXPORTER_OTLP_HEADERS, OTEL_RESOURCE_ATTRIBUTES), URL-decoded. */
export function keyValueList(value: string | undefined): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const pair of (value ?? "").split(",")) {
    const index = pair.indexOf("=");
    if (index <= 0) continue;
    attributes[decodeURIComponent(pair.slice(0, index).trim())] = decodeURIComponent(pair.slice(index + 1).trim());
  }
  return attributes;
}

/**
 * The Prometheus exporter as a metric reader, served by a listener of loco's own: GET /metrics answers the text
 * format, anything else 404 (the exporter's built-in server cannot report the port it bound).
 */
async function startPrometheus(where: { host: string; port: number }) {
  const [{ PrometheusExporter }, { createServer }] = await Promise.all([
    import("@opentelemetry/exporter-prometheus"),
    import("node:http"),
  ]);
  const reader = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true });
  const server = createServer((request, response) => {
    if (request.method === "GET" && request.url?.split("?")[0] === "/metrics") {
      reader.getMetricsRequestHandler(request, response);
      return;
    }
    response.statusCode = 404;
    response.end("Only GET /metrics is served here.\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(where.port, where.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const bound = server.address();
  const port = typeof bound === "object" && bound ? bound.port : where.port;
  return {
    reader,
    address: { host: where.host, port },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// --- Reconcile instrumentation -----------------------------------------------------------------------------------

/** The attribute naming the reconciled object, per controller ("app" → loco.app). */
const objectAttribute: Record<string, string> = {
  app: "loco.app",
  pipeline: "loco.pipeline",
  run: "loco.run",
  profile: "loco.profile",
};

/** Kinds as users write them, for span names ("reconcile App"). */
const kindOf: Record<string, string> = { app: "App", pipeline: "Pipeline", run: "Run", profile: "Profile" };

/** Resolves a namespace to its tenant (the namespace's loco.dev/tenant label). */
export type TenantOf = (namespace: string) => string | undefined;

/** Span attributes naming what a reconcile of `key` is about. */
export function reconcileAttributes(controller: string, key: string, tenantOf?: TenantOf): Attributes {
  const slash = key.indexOf("/");
  const namespace = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const attributes: Attributes = { "loco.controller": controller, "loco.key": key };
  if (namespace !== undefined) attributes["k8s.namespace.name"] = namespace;
  const tenant = namespace !== undefined ? tenantOf?.(namespace) : undefined;
  if (tenant) attributes["loco.tenant"] = tenant;
  attributes[objectAttribute[controller] ?? `loco.${controller}`] = name;
  return attributes;
}

/**
 * Metric attributes: `controller` (controller-runtime's label) plus the span's loco.* attributes minus what would
 * make series unbounded. Runs are many and short-lived, so
 * `loco.run` (and the key) stay on spans only; Apps and Pipelines are long-lived and few per tenant, so they stay.
 */
function metricAttributes(attributes: Attributes): Attributes {
  const {
    "loco.controller": controller,
    "loco.key": _key,
    "loco.run": _run,
    "k8s.namespace.name": _namespace,
    ...kept
  } = attributes;
  return { controller, ...kept };
}

/** The reconcile metrics exported over OTLP: controller-runtime's names (Prometheus /metrics uses the same). */
export const RECONCILE_METRICS = {
  total: "controller_runtime_reconcile_total",
  errors: "controller_runtime_reconcile_errors_total",
  time: "controller_runtime_reconcile_time_seconds",
} as const;

/** How a reconcile ended, in controller-runtime's vocabulary (the `result` label). */
export type ReconcileOutcome = "success" | "requeue_after" | "requeue" | "error";

interface Instruments {
  provider: MeterProvider;
  total: Counter;
  errors: Counter;
  time: Histogram;
}
let instruments: Instruments | undefined;

/** Instruments of the current global MeterProvider (the no-op one until the SDK registers, then the SDK's). */
function currentInstruments(): Instruments {
  const provider = metrics.getMeterProvider();
  if (instruments?.provider === provider) return instruments;
  const meter = provider.getMeter(INSTRUMENTATION_SCOPE);
  instruments = {
    provider,
    total: meter.createCounter(RECONCILE_METRICS.total, {
      description: "Total number of reconciliations per controller",
    }),
    errors: meter.createCounter(RECONCILE_METRICS.errors, {
      description: "Total number of reconciliation errors per controller",
    }),
    time: meter.createHistogram(RECONCILE_METRICS.time, {
      description: "Length of time per reconciliation per controller",
      unit: "s",
      advice: { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] },
    }),
  };
  return instruments;
}

export interface ReconcileTrace {
  /** Runs `fn` with the reconcile span active (child spans and log lines see its trace id). */
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** Ends the span and records the metrics; `error` marks the span failed. */
  end(outcome: ReconcileOutcome, error?: unknown): void;
}

/** The attributes of the reconcile in progress, in its context (see reconcileContextAttributes). */
const RECONCILE_ATTRIBUTES = createContextKey("loco reconcile attributes");

/** loco.tenant, loco.app, … of the reconcile running now (with telemetry on), for metrics recorded inside it. */
export function reconcileContextAttributes(): Attributes | undefined {
  return context.active().getValue(RECONCILE_ATTRIBUTES) as Attributes | undefined;
}

/** Starts the span and timer of one reconcile. With telemetry off this is the no-op API and a clock read. */
export function startReconcileTrace(controller: string, key: string, tenantOf?: TenantOf): ReconcileTrace {
  const attributes = reconcileAttributes(controller, key, tenantOf);
  const span = trace
    .getTracer(INSTRUMENTATION_SCOPE)
    .startSpan(`reconcile ${kindOf[controller] ?? controller}`, { attributes });
  const started = performance.now();
  const active = trace.setSpan(context.active(), span).setValue(RECONCILE_ATTRIBUTES, attributes);
  return {
    run: (fn) => context.with(active, fn),
    end(outcome, error) {
      const seconds = (performance.now() - started) / 1000;
      span.setAttribute("loco.reconcile.result", outcome);
      span.setAttribute("loco.reconcile.duration_seconds", seconds);
      if (error !== undefined) {
        const err = error instanceof Error ? error : new Error(String(error));
        span.recordException(err);
        const reason = (err as { reason?: unknown }).reason;
        span.setAttribute("error.type", typeof reason === "string" ? reason : err.name);
        span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
      }
      span.end();
      const { total, errors, time } = currentInstruments();
      const labels = metricAttributes(attributes);
      total.add(1, { ...labels, result: outcome });
      if (outcome === "error") errors.add(1, labels);
      time.record(seconds, labels);
    },
  };
}

/** Trace and span ids of the active span, for log lines (pino `mixin`); empty outside a span. */
export function traceFields(): { trace_id?: string; span_id?: string } {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId, traceFlags } = span.spanContext();
  return traceFlags === undefined ? {} : { trace_id: traceId, span_id: spanId };
}
