// Metrics under controller-runtime's names (and client-go's workqueue/rest_client names), so the dashboards and
// alerts people already have for Go operators work for loco unchanged.

import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { HEAP_AFTER_GC_HELP, HEAP_AFTER_GC_METRIC, heapAfterGcBytes } from "./heap-after-gc.ts";

export interface RestClientMetrics {
  observe(method: string, code: string, host: string, seconds: number): void;
  /** A request (not a watch) started (+1) or finished, its body read (-1). */
  inFlight?(delta: 1 | -1): void;
  /** A watch was answered and streams (+1), or ended (-1). */
  watchesOpen?(delta: 1 | -1): void;
}

export class OperatorMetrics implements RestClientMetrics {
  readonly registry = new Registry();

  readonly reconcileTotal = new Counter({
    name: "controller_runtime_reconcile_total",
    help: "Total number of reconciliations per controller",
    labelNames: ["controller", "result"] as const,
    registers: [this.registry],
  });
  readonly reconcileErrors = new Counter({
    name: "controller_runtime_reconcile_errors_total",
    help: "Total number of reconciliation errors per controller",
    labelNames: ["controller"] as const,
    registers: [this.registry],
  });
  readonly terminalReconcileErrors = new Counter({
    name: "controller_runtime_terminal_reconcile_errors_total",
    help: "Total number of terminal reconciliation errors per controller",
    labelNames: ["controller"] as const,
    registers: [this.registry],
  });
  readonly reconcileTime = new Histogram({
    name: "controller_runtime_reconcile_time_seconds",
    help: "Length of time per reconciliation per controller",
    labelNames: ["controller"] as const,
    buckets: [
      0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.25, 1.5, 1.75,
      2, 2.5, 3, 3.5, 4, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
    ],
    registers: [this.registry],
  });
  readonly reconcileTimeouts = new Counter({
    name: "loco_operator_reconcile_timeouts_total",
    help: "Reconciles abandoned because they exceeded the time budget (--reconcile-timeout), per controller",
    labelNames: ["controller"] as const,
    registers: [this.registry],
  });
  readonly maxConcurrentReconciles = new Gauge({
    name: "controller_runtime_max_concurrent_reconciles",
    help: "Maximum number of concurrent reconciles per controller",
    labelNames: ["controller"] as const,
    registers: [this.registry],
  });
  readonly activeWorkers = new Gauge({
    name: "controller_runtime_active_workers",
    help: "Number of currently used workers per controller",
    labelNames: ["controller"] as const,
    registers: [this.registry],
  });
  readonly workqueueDepth = new Gauge({
    name: "workqueue_depth",
    help: "Current depth of workqueue",
    labelNames: ["name", "controller"] as const,
    registers: [this.registry],
  });
  readonly workqueueAdds = new Counter({
    name: "workqueue_adds_total",
    help: "Total number of adds handled by workqueue",
    labelNames: ["name", "controller"] as const,
    registers: [this.registry],
  });
  readonly workqueueRetries = new Counter({
    name: "workqueue_retries_total",
    help: "Total number of retries handled by workqueue",
    labelNames: ["name", "controller"] as const,
    registers: [this.registry],
  });
  readonly workqueueQueueDuration = new Histogram({
    name: "workqueue_queue_duration_seconds",
    help: "How long in seconds an item stays in workqueue before being requested",
    labelNames: ["name", "controller"] as const,
    buckets: [1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 0.01, 0.1, 1, 10, 100, 1000],
    registers: [this.registry],
  });
  readonly workqueueWorkDuration = new Histogram({
    name: "workqueue_work_duration_seconds",
    help: "How long in seconds processing an item from workqueue takes",
    labelNames: ["name", "controller"] as const,
    buckets: [1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 0.01, 0.1, 1, 10, 100, 1000],
    registers: [this.registry],
  });
  readonly restClientRequests = new Counter({
    name: "rest_client_requests_total",
    help: "Number of HTTP requests, partitioned by status code, method, and host",
    labelNames: ["code", "method", "host"] as const,
    registers: [this.registry],
  });
  readonly restClientLatency = new Histogram({
    name: "rest_client_request_duration_seconds",
    help: "Request latency in seconds, by verb and host",
    labelNames: ["verb", "host"] as const,
    buckets: [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60],
    registers: [this.registry],
  });
  readonly restClientInFlight = new Gauge({
    name: "loco_rest_client_requests_in_flight",
    help: "Requests to the apiserver made and not yet answered in full, those waiting for a connection included (watches not counted)",
    registers: [this.registry],
  });
  private inFlightNow = 0;
  private inFlightPeak = 0;
  readonly restClientInFlightPeak = new Gauge({
    name: "loco_rest_client_requests_in_flight_peak",
    help: "The most requests to the apiserver in flight at once since the previous scrape (watches not counted)",
    registers: [this.registry],
    collect: () => {
      this.restClientInFlightPeak.set(this.inFlightPeak);
      this.inFlightPeak = this.inFlightNow;
    },
  });
  private watchesNow = 0;
  readonly restClientWatchesOpen = new Gauge({
    name: "loco_rest_client_watches_open",
    help: "Watches this process holds open on the apiserver: a count that grows with time is a leak",
    registers: [this.registry],
  });
  readonly leaderElectionMaster = new Gauge({
    name: "leader_election_master_status",
    help: "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master",
    labelNames: ["name"] as const,
    registers: [this.registry],
  });

  readonly eventsDropped = new Counter({
    name: "loco_operator_events_dropped_total",
    help: "Kubernetes Events not sent because too many were already in flight (the apiserver was slow)",
    registers: [this.registry],
  });

  /** Requests by method, kept in memory as well so tests and benchmarks can assert "no writes". */
  private readonly requestCounts = new Map<string, number>();

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics ?? true) {
      collectDefaultMetrics({ register: this.registry });
      heapAfterGcBytes();
      new Gauge({
        name: HEAP_AFTER_GC_METRIC,
        help: HEAP_AFTER_GC_HELP,
        registers: [this.registry],
        collect() {
          this.set(heapAfterGcBytes());
        },
      });
    }
  }

  observe(method: string, code: string, host: string, seconds: number): void {
    this.restClientRequests.inc({ code, method, host });
    this.restClientLatency.observe({ verb: method, host }, seconds);
    this.requestCounts.set(method, (this.requestCounts.get(method) ?? 0) + 1);
  }

  inFlight(delta: 1 | -1): void {
    this.inFlightNow += delta;
    this.restClientInFlight.set(this.inFlightNow);
    this.inFlightPeak = Math.max(this.inFlightPeak, this.inFlightNow);
  }

  watchesOpen(delta: 1 | -1): void {
    this.watchesNow += delta;
    this.restClientWatchesOpen.set(this.watchesNow);
  }

  /** Requests sent so far, by HTTP method (GET, PATCH, POST, PUT, DELETE). */
  requestsByMethod(): Record<string, number> {
    return Object.fromEntries(this.requestCounts);
  }

  writes(): number {
    let total = 0;
    for (const [method, count] of this.requestCounts) if (method !== "GET") total += count;
    return total;
  }
}
