// Which timeline events are worth telling a tenant's webhooks about, and what they are told: a pure function of one
// event, so the mirror can decide in the same transaction that records the event (db/mirror.ts). The timeline's
// source keys (db/timeline.ts) name the fact each event records; they are what is read here, never the prose.
import { Reason } from "../../crds/conditions.ts";
import type { NotificationType } from "../../crds/notification-types.ts";
import type { TimelineEvent } from "../timeline.ts";

export { NOTIFICATION_TYPES, type NotificationType } from "../../crds/notification-types.ts";

/** The body of a notification in loco's own format (docs/notifications.md shows it). */
export interface Notification {
  /** Unique per event; the same on every retry, so receivers can drop duplicates. */
  id: string;
  /** `webhook.test` only for a test send (POST …/webhooks/{id}/test). */
  type: NotificationType | "webhook.test";
  occurredAt: string;
  tenant: string;
  namespace: string;
  /** The profile of `namespace` (namespaces are `<tenant>-<profile>`). */
  profile: string;
  /** What it is about: an App (releases) or a Run. */
  object: { kind: "App" | "Run"; name: string };
  /** The App's deployment id (release events), when known. */
  deploymentId: string | null;
  /** PascalCase, as on the timeline: DeploymentFailed, RolledBack, AbnormalExit, … */
  reason: string;
  message: string;
  /** Who or what caused it, when known. */
  actor: string | null;
}

interface ConditionKey {
  type: string;
  status: string;
  reason: string;
}

/** Reads `condition:<uid>:<type>:<status>:<reason>:<time>` (conditionEvents); undefined for other keys. */
export function conditionKeyOf(sourceKey: string): ConditionKey | undefined {
  const parts = sourceKey.split(":");
  if (parts[0] !== "condition" || parts.length < 6) return undefined;
  return { type: parts[2] ?? "", status: parts[3] ?? "", reason: parts[4] ?? "" };
}

const DEPLOYMENT_REASONS: Record<string, NotificationType> = {
  DeploymentStarted: "release.started",
  DeploymentAvailable: "release.succeeded",
  DeploymentFailed: "release.failed",
};

/** The notification type a timeline event is, if any. */
export function notificationTypeOf(
  event: Pick<TimelineEvent, "kind" | "reason" | "sourceKey">,
): NotificationType | undefined {
  if (event.kind === "App" && event.sourceKey.startsWith("deployment:")) return DEPLOYMENT_REASONS[event.reason];
  const condition = conditionKeyOf(event.sourceKey);
  if (condition?.status !== "False") return undefined;
  // A canary sent back to stable, by failed analysis or by someone's abort: its deployment also ends Failed.
  if (
    event.kind === "App" &&
    condition.type === "Rollout" &&
    (condition.reason === Reason.RolledBack || condition.reason === Reason.RolloutAborted)
  )
    return "release.rolled_back";
  // Someone cancelling their own Run is not a failure worth waking anyone for.
  if (event.kind === "Run" && condition.type === "Succeeded" && condition.reason !== Reason.UserCancelled)
    return "run.failed";
  return undefined;
}

/** The deployment id a release event's source key names (`deployment:<id>:…`). */
const deploymentIdOf = (sourceKey: string) =>
  sourceKey.startsWith("deployment:") ? (sourceKey.split(":")[1] ?? null) : null;

/** The notification an event recorded under `id` becomes, or undefined when it is none. */
export function notificationOf(
  event: Pick<
    TimelineEvent,
    "kind" | "name" | "namespace" | "reason" | "message" | "actor" | "occurredAt" | "sourceKey"
  >,
  tenant: string,
  id: string,
): Notification | undefined {
  const type = notificationTypeOf(event);
  if (!type) return undefined;
  return {
    id,
    type,
    occurredAt: new Date(event.occurredAt).toISOString(),
    tenant,
    namespace: event.namespace,
    profile: event.namespace.startsWith(`${tenant}-`) ? event.namespace.slice(tenant.length + 1) : "",
    object: { kind: event.kind === "Run" ? "Run" : "App", name: event.name },
    deploymentId: deploymentIdOf(event.sourceKey),
    reason: event.reason,
    message: event.message,
    actor: event.actor,
  };
}
