// A mirrored object of a lost cluster. The mirror keeps the rows of a cluster that was replaced or wiped live (for
// the resurrector), with the status that cluster last reported. The API tells such an object by its row's cluster
// (kube-system uid) differing from the cluster it talks to now, and answers it as lost: its readiness is not
// claimed, and the reason and message say where it went and what restores it.
import type { ClusterIdentity } from "./current-cluster.ts";

export const LOST_REASON = "Lost";

export type LostKind = "App" | "Pipeline" | "Run";

/**
 * Whether a row is of a lost cluster: true when it was mirrored from another cluster than the current one, false
 * when from this one (or before rows recorded their cluster), null when the current cluster cannot be read now.
 */
export function isLost(rowCluster: string | null, current: ClusterIdentity): boolean | null {
  if (rowCluster === null) return false;
  if (!current.known) return null;
  return rowCluster !== current.uid;
}

/** What a lost object's message says: where it is not, and what brings it back. */
export function lostMessage(kind: LostKind, name: string): string {
  const restore =
    kind === "Run"
      ? "The resurrector does not re-run it: restoring the cluster records it as interrupted."
      : "The resurrector restores it from the mirror (on the local platform, `npm start` does).";
  return `${kind} ${name} is not in the current cluster: it was mirrored from a cluster that has since been replaced or wiped, so its last reported status is not live. ${restore}`;
}

export interface Readiness {
  ready: "True" | "False" | "Unknown";
  reason: string | null;
  message: string | null;
}

type ConditionLike = { type: string; status: string; reason?: string; message?: string };

/** The Ready summary of a living object (App, Pipeline), or Unknown/Lost when its cluster was lost. */
export function readinessOf(
  kind: LostKind,
  name: string,
  conditions: readonly ConditionLike[] | undefined,
  lost: boolean | null,
): Readiness {
  if (lost === true) return { ready: "Unknown", reason: LOST_REASON, message: lostMessage(kind, name) };
  const ready = conditions?.find((c) => c.type === "Ready");
  return {
    ready: ready?.status === "True" || ready?.status === "False" ? ready.status : "Unknown",
    reason: ready?.reason ?? null,
    message: ready?.message ?? null,
  };
}

/** The `lost` field of every answer that shows a mirrored object, described once for the OpenAPI document. */
export const LOST_DESCRIPTION =
  "True when the object is not in the cluster the API talks to: its row was mirrored from a cluster that has since been replaced or wiped, so ready/reason no longer repeat its last status (reason Lost) and the resurrector can restore it. Null when the API cannot read the current cluster's identity right now, so it cannot tell.";
