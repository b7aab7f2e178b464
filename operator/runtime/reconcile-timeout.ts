// How an abandoned reconcile shows on its object: the summary condition (Ready, or Succeeded of a Run in flight)
// gets reason ReconcileTimeout, the rest of the status stays as it was. The next reconcile that completes writes
// the condition it computes, which replaces this one.
import { Reason } from "../../crds/conditions.ts";
import { KubeApiError, type KubeClient } from "../../kube/kube-client.ts";
import type { ObjectKey, ResourceType } from "../../kube/types.ts";
import { type Condition, type ConditionStatus, setCondition } from "./conditions.ts";
import type { Informer } from "./informer.ts";
import { applyStatusIfChanged } from "./status.ts";

export interface TimeoutReportTarget {
  client: KubeClient;
  resource: ResourceType;
  cache: Pick<Informer, "get">;
  fieldManager: string;
  now: () => Date;
  /** The summary condition: Ready for the living kinds, Succeeded for Runs. */
  summary: string;
  /** Ready=False for living kinds; a Run in flight is Succeeded=Unknown (a timeout is not its outcome). */
  status: ConditionStatus;
}

/** The onReconcileTimeout hook of a controller (operator/runtime/controller.ts). */
export function reconcileTimeoutReporter(target: TimeoutReportTarget) {
  return async (key: ObjectKey, budgetMs: number): Promise<void> => {
    const live = target.cache.get(key);
    if (!live || live.metadata.deletionTimestamp) return;
    const status = (live.status ?? {}) as { conditions?: Condition[] };
    const current = status.conditions?.find((c) => c.type === target.summary);
    // A finished Run's outcome is terminal; a timeout in tidying up after it does not change it.
    if (target.status === "Unknown" && (current?.status === "True" || current?.status === "False")) return;
    const seconds = Math.round(budgetMs / 100) / 10;
    const conditions = setCondition(
      status.conditions,
      {
        type: target.summary,
        status: target.status,
        reason: Reason.ReconcileTimeout,
        message: `Reconciling this ${live.kind} took longer than the operator's budget of ${seconds}s, so the attempt was abandoned; it is retried with backoff. If this persists, ask your platform admin to check the operator's logs.`,
      },
      // Nothing new was observed: the condition keeps the generation it last reported on.
      current?.observedGeneration,
      target.now().toISOString(),
    );
    try {
      await applyStatusIfChanged(target.client, target.resource, live, { ...status, conditions }, target.fieldManager);
    } catch (error) {
      if (error instanceof KubeApiError && error.isNotFound) return;
      throw error;
    }
  };
}
