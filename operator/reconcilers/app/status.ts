// The App's condition set (Knative's lifecycle file): ProfileResolved, DeploymentReady and RoutesReady, summarised
// into Ready. Every App condition is set through a mark… helper here; each is pure over the conditions it is given.
import type { RolloutStatus } from "../../../crds/app-rollout.ts";
import { ConditionType, Reason } from "../../../crds/conditions.ts";
import type { KubeObject } from "../../../kube/types.ts";
import { type Condition, type ConditionInput, summarize } from "../../runtime/conditions.ts";
import { type ConditionStamp, mark } from "../condition-stamp.ts";
import type { Refusal } from "./app-claims.ts";
import type { Denial } from "./hostname-claims.ts";

/** The App's conditions, from the shared vocabulary in crds/conditions.ts. */
export const AppCondition = {
  ProfileResolved: ConditionType.ProfileResolved,
  DeploymentReady: ConditionType.DeploymentReady,
  RoutesReady: ConditionType.RoutesReady,
  Rollout: ConditionType.Rollout,
  Ready: ConditionType.Ready,
} as const;

/** The conditions Ready summarises, in the order the first False (else Unknown) one is picked. */
export const APP_DEPENDENTS = [AppCondition.ProfileResolved, AppCondition.DeploymentReady, AppCondition.RoutesReady];

type Conditions = readonly Condition[] | undefined;

/** How an abandoned reconcile shows on an App (runtime/reconcile-timeout.ts): Ready=False, ReconcileTimeout. */
export const APP_TIMEOUT_REPORT = { summary: AppCondition.Ready, status: "False" } as const;

export function markPaused(conditions: Conditions, stamp: ConditionStamp): Condition[] {
  return mark(conditions, stamp, {
    type: AppCondition.DeploymentReady,
    status: "Unknown",
    reason: Reason.Paused,
    message: "The App is paused: loco leaves its Deployment and routes as they are.",
  });
}

export function markProfileNotFound(
  conditions: Conditions,
  stamp: ConditionStamp,
  profile: string,
  existing: readonly string[],
): Condition[] {
  return mark(conditions, stamp, {
    type: AppCondition.ProfileResolved,
    status: "False",
    reason: Reason.ProfileNotFound,
    message: `Profile "${profile}" does not exist; create it or set spec.profile to one of: ${existing.join(", ") || "(none yet)"}.`,
  });
}

export function markProfileResolved(conditions: Conditions, stamp: ConditionStamp, profile: string): Condition[] {
  return mark(conditions, stamp, {
    type: AppCondition.ProfileResolved,
    status: "True",
    reason: Reason.Resolved,
    message: `Using profile ${profile}.`,
  });
}

/** The spec asks for more than the Profile allows (desired.ts limitViolation). */
export function markLimitViolated(
  conditions: Conditions,
  stamp: ConditionStamp,
  violation: { reason: string; message: string },
): Condition[] {
  return mark(conditions, stamp, {
    type: AppCondition.DeploymentReady,
    status: "False",
    reason: violation.reason,
    message: violation.message,
  });
}

export function markDeploymentNotOwned(conditions: Conditions, stamp: ConditionStamp, name: string): Condition[] {
  return mark(conditions, stamp, {
    type: AppCondition.DeploymentReady,
    status: "False",
    reason: Reason.NotOwned,
    message: `Deployment ${name} exists but is not managed by this App; delete or rename it and loco will create its own.`,
  });
}

/** DeploymentReady from the live Deployment (see deploymentCondition). */
export function markDeployment(
  conditions: Conditions,
  stamp: ConditionStamp,
  deployment: KubeObject | undefined,
  deploymentId: string,
  minimum = 0,
): Condition[] {
  return mark(conditions, stamp, deploymentCondition(deployment, deploymentId, minimum));
}

/**
 * DeploymentReady: the Deployment runs the current pod template, every replica is of it, and enough are
 * available — at least `minimum` (an autoscaled App's min, which the HPA enforces shortly after creation).
 */
export function deploymentCondition(
  deployment: KubeObject | undefined,
  deploymentId: string,
  minimum = 0,
): ConditionInput {
  const type = AppCondition.DeploymentReady;
  const status = (deployment?.status ?? {}) as {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
  const spec = (deployment?.spec ?? {}) as { replicas?: number };
  if (!deployment)
    return {
      type,
      status: "Unknown",
      reason: Reason.Progressing,
      message: "Waiting for the Deployment to be created.",
    };
  if ((status.observedGeneration ?? 0) < (deployment.metadata.generation ?? 0)) {
    return { type, status: "Unknown", reason: Reason.Progressing, message: `Rolling out deployment ${deploymentId}.` };
  }
  const progressing = status.conditions?.find((c) => c.type === "Progressing");
  if (progressing?.status === "False" && progressing.reason === "ProgressDeadlineExceeded") {
    return {
      type,
      status: "False",
      reason: Reason.ProgressDeadlineExceeded,
      message: `Deployment ${deploymentId} made no progress for 10 minutes: ${progressing.message ?? ""}`.trim(),
    };
  }
  // The ReplicaSet controller keeps retrying, but a quota or an admission refusal does not pass by itself: the
  // user must free quota or change the App, so a deploy waiting on it fails now instead of at its timeout.
  const refused = status.conditions?.find((c) => c.type === "ReplicaFailure" && c.status === "True");
  if (refused) {
    return {
      type,
      status: "False",
      reason: Reason.PodsRefused,
      message: `The cluster refused to create the pods of deployment ${deploymentId}: ${refused.message ?? refused.reason ?? "no reason given"}`,
    };
  }
  const wanted = Math.max(spec.replicas ?? 1, minimum);
  const updated = status.updatedReplicas ?? 0;
  const available = status.availableReplicas ?? 0;
  const total = status.replicas ?? 0;
  if (updated >= wanted && total === updated && available >= wanted) {
    return {
      type,
      status: "True",
      reason: Reason.Available,
      message: `Deployment ${deploymentId} is available with ${available} replica(s).`,
    };
  }
  return {
    type,
    status: "Unknown",
    reason: Reason.Progressing,
    message: `Rolling out deployment ${deploymentId}: ${Math.min(updated, available)} of ${wanted} new replica(s) available${total > updated ? `, ${total - updated} old replica(s) still running` : ""}.`,
  };
}

/** A port needs the default hostname, which a tenant name with '-' does not get. */
export function markNoDefaultHostname(conditions: Conditions, stamp: ConditionStamp, protocol: string): Condition[] {
  return mark(conditions, stamp, {
    type: AppCondition.RoutesReady,
    status: "False",
    reason: Reason.NoDefaultHostname,
    message: `This tenant's name contains '-', so loco gives its Apps no default hostname (it could be another tenant's); set spec.routes.${protocol}.hostnames to the hostnames to serve.`,
  });
}

const claimText = (claim: Denial["claim"]) =>
  claim.protocol === "grpc" && claim.service !== "*" ? `${claim.host} (${claim.service})` : claim.host;

/**
 * Hostnames another App holds. Only the tenant's own Apps are named: another tenant's namespace and App names are
 * never shown (house rule 12), just that the hostname is taken.
 */
export function markRouteConflict(
  conditions: Conditions,
  stamp: ConditionStamp,
  denials: readonly Denial[],
): Condition[] {
  const named = denials.map((d) =>
    d.ownApp
      ? `${claimText(d.claim)} is already served by your App ${d.ownApp}`
      : `${claimText(d.claim)} is already taken by another tenant`,
  );
  return mark(conditions, stamp, {
    type: AppCondition.RoutesReady,
    status: "False",
    reason: Reason.RouteConflict,
    message: `${named.join("; ")}; choose another hostname in spec.routes.`,
  });
}

/** Hostnames the hostname rules refuse (crds/hostname-policy.ts), whoever holds them. */
export function markHostnameNotAllowed(
  conditions: Conditions,
  stamp: ConditionStamp,
  refusals: readonly Refusal[],
): Condition[] {
  const messages = [...new Set(refusals.map((r) => r.refusal.message))];
  return mark(conditions, stamp, {
    type: AppCondition.RoutesReady,
    status: "False",
    reason: Reason.HostnameNotAllowed,
    message: messages.join(" "),
  });
}

/** Route children (`Kind name`) with loco's names that this App does not control. */
export function markRoutesNotOwned(
  conditions: Conditions,
  stamp: ConditionStamp,
  children: readonly string[],
): Condition[] {
  return mark(conditions, stamp, {
    type: AppCondition.RoutesReady,
    status: "False",
    reason: Reason.NotOwned,
    message: `${children.join(", ")} exist(s) but are not managed by this App; delete or rename them.`,
  });
}

export function markNoRoutes(conditions: Conditions, stamp: ConditionStamp): Condition[] {
  return mark(conditions, stamp, {
    type: AppCondition.RoutesReady,
    status: "True",
    reason: Reason.NoRoutes,
    message: "The App has no ports to route to.",
  });
}

/**
 * The routes are applied; `accepted` when the gateway's controller said so too (without a controller nobody will,
 * see gateway-verdict.ts).
 */
export function markRouted(
  conditions: Conditions,
  stamp: ConditionStamp,
  hostnames: readonly string[],
  gateway: { namespace: string; name: string },
  accepted = false,
): Condition[] {
  const through = `gateway ${gateway.namespace}/${gateway.name}`;
  return mark(conditions, stamp, {
    type: AppCondition.RoutesReady,
    status: "True",
    reason: Reason.Routed,
    message: `Routed ${hostnames.join(", ")} through ${through}${accepted ? ", which accepted the routes" : ""}.`,
  });
}

/** A Gateway controller serves the gateway but has not judged the App's current routes yet. */
export function markWaitingForGateway(conditions: Conditions, stamp: ConditionStamp, message: string): Condition[] {
  return mark(conditions, stamp, {
    type: AppCondition.RoutesReady,
    status: "Unknown",
    reason: Reason.WaitingForGateway,
    message,
  });
}

/** The gateway's controller refused a route, could not resolve its references, or refused the Gateway itself. */
export function markGatewayRefused(
  conditions: Conditions,
  stamp: ConditionStamp,
  refusal: { reason: "RouteNotAccepted" | "RouteRefsNotResolved" | "GatewayNotAccepted"; message: string },
): Condition[] {
  return mark(conditions, stamp, {
    type: AppCondition.RoutesReady,
    status: "False",
    reason: Reason[refusal.reason],
    message: refusal.message,
  });
}

/**
 * Rollout (strategies canary and blueGreen): Unknown while a rollout is in flight, False when the App's current template's
 * rollout ended without promotion, True otherwise. A rollout ended for a template the spec no longer asks for is
 * history, not a problem.
 */
export function markRollout(
  conditions: Conditions,
  stamp: ConditionStamp,
  rollout: RolloutStatus | undefined,
  templateHash: string,
): Condition[] {
  const type = AppCondition.Rollout;
  const current = rollout?.templateHash === templateHash;
  if (rollout && ["Progressing", "Paused", "Analysing", "Promoting"].includes(rollout.phase)) {
    return mark(conditions, stamp, {
      type,
      status: "Unknown",
      reason: Reason.RolloutInProgress,
      message: rollout.message,
    });
  }
  if (rollout && current && rollout.phase === "RolledBack") {
    return mark(conditions, stamp, { type, status: "False", reason: Reason.RolledBack, message: rollout.message });
  }
  if (rollout && current && rollout.phase === "Aborted") {
    return mark(conditions, stamp, { type, status: "False", reason: Reason.RolloutAborted, message: rollout.message });
  }
  return mark(conditions, stamp, {
    type,
    status: "True",
    reason: Reason.Completed,
    message: rollout?.phase === "Completed" && current ? rollout.message : "No canary rollout is in flight.",
  });
}

/** Drops the Rollout condition of an App whose strategy is now rolling. */
export function clearRollout(conditions: Conditions): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== AppCondition.Rollout);
}

/** Sets Ready from the dependents; returns the new list and the Ready it computed (for the warning event). */
export function markAppReady(
  conditions: Conditions,
  stamp: ConditionStamp,
): { conditions: Condition[]; ready: ConditionInput } {
  // Rollout counts only for canary and blue-green Apps, which are the ones that carry it.
  const dependents = (conditions ?? []).some((c) => c.type === AppCondition.Rollout)
    ? [...APP_DEPENDENTS, AppCondition.Rollout]
    : APP_DEPENDENTS;
  const ready = summarize(conditions ?? [], AppCondition.Ready, dependents, {
    reason: Reason.Available,
    message: "The App is serving its current deployment.",
  });
  return { conditions: mark(conditions, stamp, ready), ready };
}
