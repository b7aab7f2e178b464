// metav1.Condition bookkeeping. Pure: the caller passes the clock reading, so status computation stays
// deterministic and testable.

export type ConditionStatus = "True" | "False" | "Unknown";

export interface Condition {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime: string;
}

export type ConditionInput = Omit<Condition, "lastTransitionTime" | "observedGeneration">;

/**
 * Returns `conditions` with `next` set. lastTransitionTime moves only when the status changes, so an unchanged
 * world yields an identical list (and therefore no status write).
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  next: ConditionInput,
  observedGeneration: number | undefined,
  now: string,
): Condition[] {
  const list = [...(conditions ?? [])];
  const index = list.findIndex((c) => c.type === next.type);
  const previous = index >= 0 ? list[index] : undefined;
  const condition: Condition = {
    type: next.type,
    status: next.status,
    reason: next.reason,
    message: next.message,
    ...(observedGeneration === undefined ? {} : { observedGeneration }),
    lastTransitionTime: previous && previous.status === next.status ? previous.lastTransitionTime : now,
  };
  if (index >= 0) list[index] = condition;
  else list.push(condition);
  return list;
}

export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === "True";
}

/**
 * Knative-style roll-up of dependent conditions into a summary (`Ready` for living resources): the first False
 * dependent makes the summary False with its reason, else the first Unknown makes it Unknown, else True.
 */
export function summarize(
  conditions: readonly Condition[],
  summaryType: string,
  dependents: readonly string[],
  ready: { reason: string; message: string },
): ConditionInput {
  const deps = dependents.map(
    (type) =>
      findCondition(conditions, type) ?? {
        type,
        status: "Unknown" as const,
        reason: "Pending",
        message: `${type} has not been evaluated yet.`,
      },
  );
  const failed = deps.find((c) => c.status === "False");
  if (failed) return { type: summaryType, status: "False", reason: failed.reason, message: failed.message };
  const unknown = deps.find((c) => c.status === "Unknown");
  if (unknown) return { type: summaryType, status: "Unknown", reason: unknown.reason, message: unknown.message };
  return { type: summaryType, status: "True", reason: ready.reason, message: ready.message };
}
