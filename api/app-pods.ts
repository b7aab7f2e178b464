// An App's pods as its page shows them (GET …/apps/{app}/pods): the deploy stream's summary (name, phase, ready,
// restarts, why not ready) plus the deployment each pod runs and when it started. Pure: pod objects in, rows out.
import { ANNOTATION_DEPLOYMENT_ID } from "../crds/app-names.ts";
import type { KubeObject } from "../kube/types.ts";
import { type PodProgress, podProgress } from "./pod-progress.ts";

export interface AppPod extends PodProgress {
  /** The loco deployment whose pod template made it (null for a pod from outside loco's rollouts). */
  deploymentId: string | null;
  /** When the kubelet started it (null while it waits to be scheduled). */
  startedAt: string | null;
  createdAt: string | null;
}

type Pod = KubeObject & { status?: { startTime?: string } };

export function appPods(pods: readonly KubeObject[]): AppPod[] {
  const byName = new Map((pods as Pod[]).map((pod) => [pod.metadata.name ?? "", pod]));
  return podProgress(pods).map((summary) => {
    const pod = byName.get(summary.name);
    return {
      ...summary,
      deploymentId: pod?.metadata.annotations?.[ANNOTATION_DEPLOYMENT_ID] ?? null,
      startedAt: pod?.status?.startTime ?? null,
      createdAt: pod?.metadata.creationTimestamp ?? null,
    };
  });
}
