// What a loco object's state says happened, as timeline events and deployment records — pure functions of one
// object snapshot, so the mirror can replay them any number of times: each event carries a `sourceKey` naming
// the fact it records (a condition transition, a task reaching a state, a deployment), and the events table
// keeps one row per key.
import { createHash } from "node:crypto";
import { BLOCKING_APP_REASONS } from "../crds/conditions.ts";
import type { KubeObject } from "../kube/types.ts";
import type { DeploymentRowOutcome } from "./schema.ts";

export interface TimelineEvent {
  namespace: string;
  kind: string;
  name: string;
  type: "Normal" | "Warning";
  reason: string;
  message: string;
  actor: string | null;
  occurredAt: string;
  sourceKey: string;
}

/** What an App's status says of its deployment; the mirror marks it Superseded when a newer one starts. */
export type DeploymentOutcome = Exclude<DeploymentRowOutcome, "Superseded">;

export interface DeploymentRecord {
  id: string;
  namespace: string;
  app: string;
  appUid: string;
  image: string;
  specHash: string;
  requestedBy: string | null;
  createdAt: string;
  outcome: DeploymentOutcome;
  finishedAt: string | null;
}

/** Set by the API on an App it deploys, so the deployment row names the person or token behind it. */
export const ANNOTATION_REQUESTED_BY = "loco.dev/requested-by";

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

interface TaskState {
  name: string;
  state: string;
  attempts?: number;
  reason?: string;
  message?: string;
  exitCode?: number;
  startTime?: string;
  completionTime?: string;
}

const statusOf = (object: KubeObject) => (object.status ?? {}) as Record<string, unknown>;
const conditionsOf = (object: KubeObject) => (statusOf(object).conditions ?? []) as Condition[];

/** Condition types whose True is the good state; a False is worth a warning. Others (e.g. Progressing) are neutral. */
const SUMMARY_TYPES = new Set(["Ready", "Succeeded", "Available", "ProfileResolved"]);

function base(object: KubeObject) {
  return { namespace: object.metadata.namespace ?? "", kind: object.kind, name: object.metadata.name ?? "" };
}

/** One event per condition transition (status or reason) the object reports. */
export function conditionEvents(object: KubeObject): TimelineEvent[] {
  const uid = object.metadata.uid ?? "";
  return conditionsOf(object)
    .filter((c) => c.lastTransitionTime)
    .map((c) => ({
      ...base(object),
      type: SUMMARY_TYPES.has(c.type) && c.status === "False" ? "Warning" : "Normal",
      reason: c.reason || `${c.type}${c.status}`,
      message: `${c.type} is ${c.status}${c.message ? `: ${c.message}` : ""}`,
      actor: null,
      occurredAt: c.lastTransitionTime ?? "",
      sourceKey: `condition:${uid}:${c.type}:${c.status}:${c.reason ?? ""}:${c.lastTransitionTime}`,
    }));
}

/** One event per state each task of a Run reaches (per attempt). */
export function taskEvents(object: KubeObject): TimelineEvent[] {
  if (object.kind !== "Run") return [];
  const uid = object.metadata.uid ?? "";
  const tasks = (statusOf(object).tasks ?? []) as TaskState[];
  return tasks
    .filter((t) => t.state !== "Pending")
    .map((t) => {
      const finished = ["Succeeded", "Failed", "Skipped", "Cancelled"].includes(t.state);
      const exit = t.exitCode === undefined ? "" : ` (exit code ${t.exitCode})`;
      return {
        ...base(object),
        type: t.state === "Failed" ? "Warning" : "Normal",
        reason: t.reason || `Task${t.state}`,
        message: `Task ${t.name} ${t.state.toLowerCase()}${exit}${t.message ? `: ${t.message}` : ""}`,
        actor: null,
        occurredAt:
          (finished ? t.completionTime : t.startTime) ?? object.metadata.creationTimestamp ?? new Date(0).toISOString(),
        sourceKey: `task:${uid}:${t.name}:${t.attempts ?? 0}:${t.state}`,
      };
    });
}

function appOutcome(object: KubeObject): DeploymentOutcome {
  const ready = conditionsOf(object).find((c) => c.type === "Ready");
  if (ready?.status === "True") return "Available";
  // The API tells a waiting `loco deploy` the same (api/deploy/blocked-deployment.ts): the history must agree.
  if (ready?.status === "False" && ready.reason && BLOCKING_APP_REASONS.has(ready.reason)) return "Failed";
  return "Progressing";
}

export const specHash = (spec: unknown): string =>
  createHash("sha256")
    .update(JSON.stringify(spec ?? null))
    .digest("hex")
    .slice(0, 16);

/** The deployment an App's status reports (each new `status.deploymentId` is a new deployment). */
export function deploymentOf(object: KubeObject): DeploymentRecord | undefined {
  if (object.kind !== "App") return undefined;
  const status = statusOf(object);
  const id = status.deploymentId as string | undefined;
  if (!id) return undefined;
  const outcome = appOutcome(object);
  const ready = conditionsOf(object).find((c) => c.type === "Ready");
  const spec = (object.spec ?? {}) as { image?: string };
  return {
    id,
    ...{ namespace: object.metadata.namespace ?? "", app: object.metadata.name ?? "" },
    appUid: object.metadata.uid ?? "",
    image: (status.image as string | undefined) ?? spec.image ?? "",
    specHash: specHash(object.spec),
    requestedBy: object.metadata.annotations?.[ANNOTATION_REQUESTED_BY] ?? null,
    createdAt: (status.lastDeployTime as string | undefined) ?? object.metadata.creationTimestamp ?? "",
    outcome,
    finishedAt: outcome === "Progressing" ? null : (ready?.lastTransitionTime ?? null),
  };
}

/** Timeline events for a deployment: when it started and how it ended. */
export function deploymentEvents(deployment: DeploymentRecord): TimelineEvent[] {
  const about = { namespace: deployment.namespace, kind: "App", name: deployment.app, actor: deployment.requestedBy };
  const events: TimelineEvent[] = [
    {
      ...about,
      type: "Normal",
      reason: "DeploymentStarted",
      message: `Deployment ${deployment.id} of ${deployment.image} started`,
      occurredAt: deployment.createdAt,
      sourceKey: `deployment:${deployment.id}:started`,
    },
  ];
  if (deployment.outcome !== "Progressing") {
    events.push({
      ...about,
      type: deployment.outcome === "Failed" ? "Warning" : "Normal",
      reason: deployment.outcome === "Failed" ? "DeploymentFailed" : "DeploymentAvailable",
      message:
        deployment.outcome === "Failed"
          ? `Deployment ${deployment.id} did not become ready in time`
          : `Deployment ${deployment.id} is available`,
      occurredAt: deployment.finishedAt ?? deployment.createdAt,
      sourceKey: `deployment:${deployment.id}:${deployment.outcome}`,
    });
  }
  return events;
}

/** Everything one snapshot of a loco object adds to the timeline. */
export function timelineOf(object: KubeObject): { events: TimelineEvent[]; deployment: DeploymentRecord | undefined } {
  const deployment = deploymentOf(object);
  return {
    events: [...conditionEvents(object), ...taskEvents(object), ...(deployment ? deploymentEvents(deployment) : [])],
    deployment,
  };
}

/** The timeline event a deleted object leaves. */
export function deletionEvent(object: KubeObject, at: string): TimelineEvent {
  return {
    ...base(object),
    type: "Normal",
    reason: "Deleted",
    message: `${object.kind} ${object.metadata.name} was deleted`,
    actor: null,
    occurredAt: at,
    sourceKey: `deleted:${object.metadata.uid}`,
  };
}

interface KubernetesEvent extends KubeObject {
  involvedObject?: { kind?: string; namespace?: string; name?: string; uid?: string };
  reason?: string;
  message?: string;
  type?: string;
  reportingComponent?: string;
  source?: { component?: string };
  eventTime?: string | null;
  firstTimestamp?: string | null;
  lastTimestamp?: string | null;
}

/**
 * Only what kubernetesEvent and the mirror read of an Event, for the operator's cache of them: it holds every Event
 * about a loco object for as long as the apiserver keeps it (an hour by default), so under churn it is the largest
 * cache the operator has (a quarter of its live heap after 25 minutes of the soak's 20 App changes a second).
 */
export function slimEvent<T extends KubeObject>(object: T): T {
  const event = object as KubernetesEvent;
  const { name, namespace, uid, resourceVersion, creationTimestamp } = event.metadata;
  const involved = event.involvedObject;
  return {
    apiVersion: event.apiVersion,
    kind: event.kind,
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    ...(involved
      ? { involvedObject: { kind: involved.kind, namespace: involved.namespace, name: involved.name } }
      : {}),
    type: event.type,
    reason: event.reason,
    message: event.message,
    reportingComponent: event.reportingComponent,
    ...(event.source?.component ? { source: { component: event.source.component } } : {}),
    eventTime: event.eventTime,
    firstTimestamp: event.firstTimestamp,
    lastTimestamp: event.lastTimestamp,
  } as KubernetesEvent as T;
}

/** A Kubernetes Event about a loco object, as a timeline event (its first occurrence; repeats add nothing). */
export function kubernetesEvent(object: KubeObject): TimelineEvent {
  const event = object as KubernetesEvent;
  const involved = event.involvedObject ?? {};
  return {
    namespace: involved.namespace ?? event.metadata.namespace ?? "",
    kind: involved.kind ?? "",
    name: involved.name ?? "",
    type: event.type === "Warning" ? "Warning" : "Normal",
    reason: event.reason || "Event",
    message: event.message ?? "",
    actor: event.reportingComponent || event.source?.component || null,
    occurredAt:
      event.firstTimestamp ||
      event.eventTime ||
      event.lastTimestamp ||
      event.metadata.creationTimestamp ||
      new Date(0).toISOString(),
    sourceKey: `k8s-event:${event.metadata.uid}`,
  };
}
