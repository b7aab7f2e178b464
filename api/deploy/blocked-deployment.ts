// A deployment the App can never make Ready until the user fixes something: its Ready condition is False with a
// reason the operator gives when the spec or a dependency must change (crds/conditions.ts), for the spec this
// deployment applied. Such a deployment has failed; waiting for it would only end at a timeout. Pure.
import { ANNOTATION_REQUESTED_DEPLOYMENT_ID } from "../../crds/app-names.ts";
import { BLOCKING_APP_REASONS } from "../../crds/conditions.ts";
import type { KubeObject } from "../../kube/types.ts";

export interface Blocked {
  reason: string;
  message: string;
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
}

/**
 * Why deployment `id` of the live App has failed, or undefined while it may still succeed. It counts only when it is
 * the App's latest requested deployment (or, without a request, the one running) and the operator has judged the
 * App's current generation, so a fix deployed since is never reported as the old failure.
 */
export function blockedBy(id: string, app: KubeObject | undefined): Blocked | undefined {
  if (!app) return undefined;
  const status = (app.status ?? {}) as { observedGeneration?: number; deploymentId?: string; conditions?: Condition[] };
  const generation = app.metadata.generation;
  if (generation === undefined || status.observedGeneration !== generation) return undefined;
  const requested = app.metadata.annotations?.[ANNOTATION_REQUESTED_DEPLOYMENT_ID];
  if ((requested ?? status.deploymentId) !== id) return undefined;
  const ready = status.conditions?.find((c) => c.type === "Ready");
  if (ready?.status !== "False" || !ready.reason || !BLOCKING_APP_REASONS.has(ready.reason)) return undefined;
  if (ready.observedGeneration !== undefined && ready.observedGeneration !== generation) return undefined;
  return { reason: ready.reason, message: ready.message ?? "" };
}
