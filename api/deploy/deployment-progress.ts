// What a follower of a deployment sees on each tick: the deployment's outcome from the mirror, its App's Ready
// condition and replicas, and the App's pods live from the cluster (the rollout view shows them coming up). A
// deployment the App can never make Ready (blocked-deployment.ts) is reported Failed with the reason, and ends.
import { LABEL_APP } from "../../crds/app-names.ts";
import { APP } from "../../crds/kinds.ts";
import { type DeploymentView, getDeploymentWithApp } from "../../db/stores/deployments.ts";
import { POD } from "../../kube/resources.ts";
import type { KubeObject } from "../../kube/types.ts";
import type { StatusSnapshot } from "../event-stream.ts";
import { type PodProgress, podProgress } from "../pod-progress.ts";
import type { ApiServices } from "../server.ts";
import { type Blocked, blockedBy } from "./blocked-deployment.ts";

const TERMINAL = new Set(["Available", "Failed", "Superseded"]);

export interface DeploymentKey {
  tenant: string;
  namespace: string;
  app: string;
  id: string;
}

export interface DeploymentReading {
  deployment: DeploymentView;
  app: { spec: unknown; status: unknown } | undefined;
  pods: PodProgress[];
  /** Set when the live App says this deployment cannot become Ready. */
  blocked?: Blocked | undefined;
}

/** The deployment as stored, or Failed with the reason when the live App says it can never become Ready. */
export function withBlocked(
  deployment: DeploymentView,
  blocked: Blocked | undefined,
): DeploymentView & Partial<Blocked> {
  if (!blocked || (deployment.outcome !== "Pending" && deployment.outcome !== "Progressing")) return deployment;
  return { ...deployment, outcome: "Failed", ...blocked };
}

/** The live App's verdict on one deployment (a read of the cluster, not the mirror, for the annotations). */
export async function liveBlocked(services: ApiServices, key: DeploymentKey): Promise<Blocked | undefined> {
  const app = await services.kube.find<KubeObject>(APP, key.namespace, key.app);
  return blockedBy(key.id, app);
}

/**
 * A reader of one deployment for the shared poller: the mirror on every tick, the pods at most once a second and
 * once more when the deployment is over (a failed pod list keeps the last one).
 */
export function deploymentReader(services: ApiServices, key: DeploymentKey): () => Promise<DeploymentReading> {
  const { db, kube } = services;
  let pods: PodProgress[] = [];
  let blocked: Blocked | undefined;
  let podsAt = 0;
  // The deployment and its App come from one snapshot (one statement, one round trip: the last tick of a deploy is
  // on the path of every `loco deploy` to its end, bench/deploy-latency.ts); what the cluster says goes out together.
  return async () => {
    const read = await getDeploymentWithApp(db, key);
    if (!read) throw new Error(`Deployment ${key.id} of ${key.namespace}/${key.app} is no longer recorded`);
    const { deployment, app } = read;
    const settled = TERMINAL.has(deployment.outcome);
    if (Date.now() - podsAt >= 1000 || settled) {
      podsAt = Date.now();
      [pods, blocked] = await Promise.all([
        kube
          .list(POD, key.namespace, { labelSelector: `${LABEL_APP}=${key.app}` })
          .then((list) => podProgress(list.items))
          .catch(() => pods),
        // A settled deployment is never reported blocked (withBlocked): no read of the live App for it.
        settled ? undefined : liveBlocked(services, key).catch(() => blocked),
      ]);
    }
    return { deployment, app, pods, blocked };
  };
}

/** Pure: the state a follower is sent, final once the deployment is Available, Failed or Superseded. */
export function deploymentSnapshot({ deployment: stored, app, pods, blocked }: DeploymentReading): StatusSnapshot {
  const deployment = withBlocked(stored, blocked);
  const status = (app?.status ?? {}) as {
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    readyReplicas?: number;
  };
  const mirrored = status.conditions?.find((c) => c.type === "Ready");
  // The mirror may lag the live App by a moment: a failure shows its own reason.
  const failure =
    deployment.outcome === "Failed" && "reason" in deployment && deployment.reason
      ? { type: "Ready", status: "False", reason: deployment.reason, message: deployment.message ?? "" }
      : undefined;
  const ready = failure ?? mirrored;
  const conditions = failure
    ? [...(status.conditions ?? []).filter((c) => c.type !== "Ready"), failure]
    : (status.conditions ?? []);
  const desired = (app?.spec as { replicas?: number } | undefined)?.replicas;
  return {
    state: {
      ...deployment,
      ready: ready ?? null,
      conditions,
      pods,
      replicas: { desired: desired ?? null, ready: status.readyReplicas ?? 0 },
    },
    end: TERMINAL.has(deployment.outcome),
  };
}
