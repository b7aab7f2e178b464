// The resurrector's spans and metrics, through the OpenTelemetry API (no-ops until loco-resurrector starts the SDK
// of kube/telemetry.ts): one span per command phase ("resurrector probe", "resurrector plan",
// "resurrector apply", with a "restore <phase>" child per group of objects written), and counters of restores by
// result and of objects by kind and outcome.
import {
  type Attributes,
  type Counter,
  type Histogram,
  type MeterProvider,
  metrics,
  type Span,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import { INSTRUMENTATION_SCOPE } from "../kube/telemetry.ts";

/** Metric names, in OpenTelemetry's dotted style (Prometheus: loco_resurrector_restores_total, …). */
export const RESURRECTOR_METRICS = {
  restores: "loco.resurrector.restores",
  restoreDuration: "loco.resurrector.restore.duration",
  objects: "loco.resurrector.objects",
  probes: "loco.resurrector.probes",
} as const;

/** How a restore (an `apply`, by hand or from `watch`) ended. */
export type RestoreResult = "succeeded" | "partial" | "failed";

/** Runs `fn` inside a span `name`; a throw marks the span failed (and is rethrown). */
export async function inSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  return trace.getTracer(INSTRUMENTATION_SCOPE).startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      span.recordException(err);
      span.setAttribute("error.type", err.name);
      span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
      throw error;
    } finally {
      span.end();
    }
  });
}

interface Instruments {
  provider: MeterProvider;
  probes: Counter;
  restores: Counter;
  restoreDuration: Histogram;
  objects: Counter;
}
let instruments: Instruments | undefined;

/** Instruments of the current global MeterProvider (no-ops until the SDK registers one). */
function current(): Instruments {
  const provider = metrics.getMeterProvider();
  if (instruments?.provider === provider) return instruments;
  const meter = provider.getMeter(INSTRUMENTATION_SCOPE);
  instruments = {
    provider,
    probes: meter.createCounter(RESURRECTOR_METRICS.probes, {
      description: "Probes of the cluster, by whether it was ready",
    }),
    restores: meter.createCounter(RESURRECTOR_METRICS.restores, { description: "Restores (apply), by result" }),
    restoreDuration: meter.createHistogram(RESURRECTOR_METRICS.restoreDuration, {
      description: "Duration of restores (apply), by result",
      unit: "s",
      advice: { explicitBucketBoundaries: [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800] },
    }),
    objects: meter.createCounter(RESURRECTOR_METRICS.objects, {
      description: "Objects a restore acted on, by kind and outcome",
    }),
  };
  return instruments;
}

export type ObjectOutcome = "created" | "updated" | "skipped" | "failed";

/** One probe of the cluster, by whether it was ready. */
export function recordProbe(ready: boolean): void {
  current().probes.add(1, { "loco.cluster.ready": ready });
}

/** One restore: its result, how long it took, and what happened to the objects it acted on, by kind. */
export function recordRestore(result: RestoreResult, seconds: number, objects: Map<string, number>): void {
  const { restores, restoreDuration, objects: counter } = current();
  restores.add(1, { result });
  restoreDuration.record(seconds, { result });
  for (const [key, count] of objects) {
    const [kind, outcome] = key.split("/");
    counter.add(count, { kind, outcome });
  }
}

/** succeeded: everything written; partial: some objects failed; failed: nothing could be written. */
export function restoreResult(outcome: { created: number; updated: number; failed: unknown[] }): RestoreResult {
  if (outcome.failed.length === 0) return "succeeded";
  return outcome.created + outcome.updated > 0 ? "partial" : "failed";
}

/** Objects by `kind/outcome` ("App/created"), from the items a restore acted on and how each ended. */
export function objectOutcomes(
  items: { kind: string; action: string }[],
  failed: { item: unknown }[],
  skipped: { item: unknown }[],
): Map<string, number> {
  const failedItems = new Set(failed.map((f) => f.item));
  const skippedItems = new Set(skipped.map((s) => s.item));
  const counts = new Map<string, number>();
  for (const item of items) {
    if (item.action !== "create" && item.action !== "update") continue;
    const outcome: ObjectOutcome = failedItems.has(item)
      ? "failed"
      : skippedItems.has(item)
        ? "skipped"
        : item.action === "create"
          ? "created"
          : "updated";
    const key = `${item.kind}/${outcome}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}
