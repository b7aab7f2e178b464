// OpenTelemetry for loco's processes: traces and metrics over OTLP/HTTP when an endpoint is configured, and only
// the no-op OpenTelemetry API otherwise (the SDK is imported lazily, so a process without an endpoint never
// loads it). Reconciles become spans named after the kind ("reconcile App") carrying the key, result, duration
// and the loco.tenant / loco.app (loco.pipeline, loco.run) attributes; the same reconciles are counted over OTLP
// under controller-runtime's metric names, next to the Prometheus /metrics that OperatorMetrics serves.
import {
  type Attributes,
  type Counter,
  context,
  type Histogram,
  type MeterProvider,
  metrics,
  propagation,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";

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
  const headers: Record<string, string> = {};
  for (const pair of (env.OTEL_EXPORTER_OTLP_HEADERS ?? "").split(",")) {
    const index = pair.indexOf("=");
    if (index <= 0) continue;
    headers[decodeURIComponent(pair.slice(0, index).trim())] = decodeURIComponent(pair.slice(index + 1).trim());
  }
  return { endpoint, headers: env.OTEL_SDK_DISABLED === "true" ? {} : headers };
}

export interface TelemetryOptions extends TelemetrySettings {
  serviceName: string;
  serviceVersion?: string;
  /** How often metrics are exported (default 60 s; tests shorten it). */
  metricIntervalMs?: number;
}

export interface Telemetry {
  readonly enabled: boolean;
  /** Exports what is buffered now (tests, and before exit). */
  flush(): Promise<void>;
  /** Flushes, then stops exporting and unregisters the global providers. */
  shutdown(): Promise<void>;
}

const off: Telemetry = { enabled: false, flush: async () => {}, shutdown: async () => {} };

/**
 * Starts the OpenTelemetry SDK and registers it globally when an endpoint is set; otherwise returns a no-op handle
 * and loads nothing. OTEL_SDK_DISABLED=true turns it off whatever the endpoint.
 */
export async function startTelemetry(
  options: TelemetryOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Telemetry> {
  if (!options.endpoint || env.OTEL_SDK_DISABLED === "true") return off;
  const base = options.endpoint.replace(/\/+$/, "");
  const [
    { AsyncLocalStorageContextManager },
    { W3CTraceContextPropagator },
    { resourceFromAttributes },
    { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION },
    { BatchSpanProcessor, TracerProvider },
    { OTLPTraceExporter },
    { MeterProvider: SdkMeterProvider, PeriodicExportingMetricReader },
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
  const resource = resourceFromAttributes({
    [ATTR_SERVICE_NAME]: env.OTEL_SERVICE_NAME ?? options.serviceName,
    ...(options.serviceVersion ? { [ATTR_SERVICE_VERSION]: options.serviceVersion } : {}),
  });
  const tracerProvider = new TracerProvider({
    resource,
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({ url: `${base}/v1/traces`, headers: options.headers }),
      }),
    ],
  });
  const meterProvider = new SdkMeterProvider({
    resource,
    readers: [
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: `${base}/v1/metrics`, headers: options.headers }),
        exportIntervalMillis: options.metricIntervalMs ?? 60_000,
      }),
    ],
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  let stopped = false;
  return {
    enabled: true,
    async flush() {
      await Promise.all([tracerProvider.forceFlush(), meterProvider.forceFlush()]);
    },
    async shutdown() {
      if (stopped) return;
      stopped = true;
      await Promise.allSettled([tracerProvider.shutdown(), meterProvider.shutdown()]);
      trace.disable();
      metrics.disable();
      propagation.disable();
      context.disable();
    },
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
    total: meter.createCounter("controller_runtime_reconcile_total", {
      description: "Total number of reconciliations per controller",
    }),
    errors: meter.createCounter("controller_runtime_reconcile_errors_total", {
      description: "Total number of reconciliation errors per controller",
    }),
    time: meter.createHistogram("controller_runtime_reconcile_time_seconds", {
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

/** Starts the span and timer of one reconcile. With telemetry off this is the no-op API and a clock read. */
export function startReconcileTrace(controller: string, key: string, tenantOf?: TenantOf): ReconcileTrace {
  const attributes = reconcileAttributes(controller, key, tenantOf);
  const span = trace
    .getTracer(INSTRUMENTATION_SCOPE)
    .startSpan(`reconcile ${kindOf[controller] ?? controller}`, { attributes });
  const started = performance.now();
  const active = trace.setSpan(context.active(), span);
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
