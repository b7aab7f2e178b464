// A deployment's pods as its progress stream shows them (GET …/deployments/{id}/events): name, phase, readiness,
// restarts and why a pod is not ready. Pure: pod objects in, summaries out, sorted by name.
import type { KubeObject } from "../kube/types.ts";

export interface PodProgress {
  name: string;
  /** Pending, Running, Succeeded, Failed, Unknown. */
  phase: string;
  ready: boolean;
  restarts: number;
  /** Why it is not ready, such as Unschedulable, ImagePullBackOff or CrashLoopBackOff. */
  reason?: string;
}

type Pod = KubeObject & {
  status?: {
    phase?: string;
    conditions?: { type: string; status: string; reason?: string }[];
    containerStatuses?: {
      restartCount?: number;
      state?: { waiting?: { reason?: string }; terminated?: { reason?: string } };
    }[];
  };
};

export function podProgress(pods: readonly KubeObject[]): PodProgress[] {
  return (pods as Pod[])
    .filter((pod) => !pod.metadata.deletionTimestamp)
    .map((pod) => {
      const status = pod.status ?? {};
      const ready = status.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
      const containers = status.containerStatuses ?? [];
      const restarts = containers.reduce((sum, c) => sum + (c.restartCount ?? 0), 0);
      const waiting = containers.map((c) => c.state?.waiting?.reason ?? c.state?.terminated?.reason).find(Boolean);
      const unscheduled = status.conditions?.find((c) => c.type === "PodScheduled" && c.status === "False")?.reason;
      const reason = ready ? undefined : (waiting ?? unscheduled);
      return {
        name: pod.metadata.name ?? "",
        phase: status.phase ?? "Unknown",
        ready,
        restarts,
        ...(reason ? { reason } : {}),
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}
