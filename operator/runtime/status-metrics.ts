// Metrics of what loco's objects report, counted where the operator writes their status: deployments rolled out and
// replicas per App, Runs finished by result with their durations, and task durations. Attributes are the
// reconcile's (loco.tenant, loco.app / loco.pipeline) — never a Run's name, which would make a series per Run.
// Through the OpenTelemetry API: no-ops until the SDK registers (telemetry off).
import {
  type Attributes,
  type Counter,
  type Gauge,
  type Histogram,
  type MeterProvider,
  metrics,
} from "@opentelemetry/api";
import { INSTRUMENTATION_SCOPE, reconcileContextAttributes } from "../../kube/telemetry.ts";
import type { KubeObject } from "../../kube/types.ts";

/** The names, in OpenTelemetry's dotted style (Prometheus: loco_app_deployments_total, loco_run_duration_seconds…). */
export const STATUS_METRICS = {
  deployments: "loco.app.deployments",
  replicas: "loco.app.replicas",
  runs: "loco.runs",
  runDuration: "loco.run.duration",
  taskDuration: "loco.task.duration",
} as const;

const DURATION_BUCKETS = [1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14_400, 28_800];

interface Instruments {
  provider: MeterProvider;
  deployments: Counter;
  replicas: Gauge;
  runs: Counter;
  runDuration: Histogram;
  taskDuration: Histogram;
}
let instruments: Instruments | undefined;

function current(): Instruments {
  const provider = metrics.getMeterProvider();
  if (instruments?.provider === provider) return instruments;
  const meter = provider.getMeter(INSTRUMENTATION_SCOPE);
  instruments = {
    provider,
    deployments: meter.createCounter(STATUS_METRICS.deployments, {
      description: "Deployments rolled out (a new status.deploymentId), per App",
    }),
    replicas: meter.createGauge(STATUS_METRICS.replicas, {
      description: "Replicas of an App (state: desired, or ready: passing their readiness check)",
    }),
    runs: meter.createCounter(STATUS_METRICS.runs, {
      description: "Runs finished, by result (Succeeded or Failed) and reason",
    }),
    runDuration: meter.createHistogram(STATUS_METRICS.runDuration, {
      description: "Duration of finished Runs, from the first task's start to the end",
      unit: "s",
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    }),
    taskDuration: meter.createHistogram(STATUS_METRICS.taskDuration, {
      description: "Duration of finished tasks of Runs, by task and state",
      unit: "s",
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    }),
  };
  return instruments;
}

/**
 * What was already counted: a status write can repeat when the cache lags behind the operator's own write, and
 * a deployment or a finished Run must count once. Bounded; old entries go first.
 */
class Seen {
  private readonly keys = new Set<string>();
  private readonly limit: number;
  constructor(limit = 10_000) {
    this.limit = limit;
  }
  /** True the first time `key` is offered. */
  first(key: string): boolean {
    if (this.keys.has(key)) return false;
    this.keys.add(key);
    if (this.keys.size > this.limit) this.keys.delete(this.keys.values().next().value as string);
    return true;
  }
}
const seen = new Seen();

type Condition = { type?: string; status?: string; reason?: string };
type Task = { name?: string; state?: string; startTime?: string; completionTime?: string };

const TERMINAL_TASK_STATES = new Set(["Succeeded", "Failed", "Cancelled"]);

function seconds(from: string | undefined, to: string | undefined): number | undefined {
  if (!from || !to) return undefined;
  const value = (Date.parse(to) - Date.parse(from)) / 1000;
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** Metric attributes of the object: the reconcile's tenant, and the App's or the Run's Pipeline's name. */
function attributesOf(live: KubeObject): Attributes {
  const attributes: Attributes = {};
  const tenant = reconcileContextAttributes()?.["loco.tenant"];
  if (tenant !== undefined) attributes["loco.tenant"] = tenant;
  if (live.kind === "App" && live.metadata.name) attributes["loco.app"] = live.metadata.name;
  const pipeline = (live as { spec?: { pipelineRef?: { name?: string } } }).spec?.pipelineRef?.name;
  if (live.kind === "Run" && pipeline) attributes["loco.pipeline"] = pipeline;
  return attributes;
}

/** Records what a status write of `live` (App or Run) to `status` reports. Call after the write succeeded. */
export function recordStatusWrite(live: KubeObject, status: Record<string, unknown>): void {
  if (live.kind === "App") recordApp(live, status);
  else if (live.kind === "Run") recordRun(live, status);
}

function recordApp(live: KubeObject, status: Record<string, unknown>): void {
  const before = (live.status ?? {}) as Record<string, unknown>;
  const { deployments, replicas } = current();
  const attributes = attributesOf(live);
  const deploymentId = status.deploymentId;
  if (typeof deploymentId === "string" && deploymentId !== before.deploymentId && seen.first(deploymentId)) {
    deployments.add(1, attributes);
  }
  if (typeof status.replicas === "number") replicas.record(status.replicas, { ...attributes, state: "desired" });
  if (typeof status.readyReplicas === "number")
    replicas.record(status.readyReplicas, { ...attributes, state: "ready" });
}

function recordRun(live: KubeObject, status: Record<string, unknown>): void {
  const uid = live.metadata.uid ?? `${live.metadata.namespace}/${live.metadata.name}`;
  const attributes = attributesOf(live);
  const { runs, runDuration, taskDuration } = current();
  const beforeTasks = new Map(
    (((live.status ?? {}) as { tasks?: Task[] }).tasks ?? []).map((task) => [task.name, task.state]),
  );
  for (const task of (status.tasks ?? []) as Task[]) {
    if (!task.name || !task.state || !TERMINAL_TASK_STATES.has(task.state)) continue;
    if (beforeTasks.get(task.name) === task.state || !seen.first(`${uid}/${task.name}`)) continue;
    const took = seconds(task.startTime, task.completionTime);
    if (took !== undefined) taskDuration.record(took, { ...attributes, task: task.name, state: task.state });
  }
  const succeeded = ((status.conditions ?? []) as Condition[]).find((c) => c.type === "Succeeded");
  if (!succeeded || (succeeded.status !== "True" && succeeded.status !== "False")) return;
  const previous = (((live.status ?? {}) as { conditions?: Condition[] }).conditions ?? []).find(
    (c) => c.type === "Succeeded",
  );
  if (previous?.status === succeeded.status || !seen.first(uid)) return;
  const result = succeeded.status === "True" ? "Succeeded" : "Failed";
  runs.add(1, { ...attributes, result, reason: succeeded.reason ?? result });
  const took = seconds(
    (status.startTime as string | undefined) ?? live.metadata.creationTimestamp,
    status.completionTime as string | undefined,
  );
  if (took !== undefined) runDuration.record(took, { ...attributes, result });
}
