// What a follower of a deployment sees on each tick: the deployment's outcome from the mirror, its App's Ready
// condition and replicas, and the App's pods live from the cluster (the rollout view shows them coming up).
import { LABEL_APP } from "../../crds/app-names.ts";
import { type DeploymentView, getDeployment } from "../../db/stores/deployments.ts";
import { getTenantResource } from "../../db/stores/resources.ts";
import { POD } from "../../kube/resources.ts";
import type { StatusSnapshot } from "../event-stream.ts";
import { type PodProgress, podProgress } from "../pod-progress.ts";
import type { ApiServices } from "../server.ts";

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
}

/**
 * A reader of one deployment for the shared poller: the mirror on every tick, the pods at most once a second and
 * once more when the deployment is over (a failed pod list keeps the last one).
 */
export function deploymentReader(services: ApiServices, key: DeploymentKey): () => Promise<DeploymentReading> {
  const { db, kube } = services;
  let pods: PodProgress[] = [];
  let podsAt = 0;
  return async () => {
    const deployment = (await getDeployment(db, key)) as DeploymentView;
    const app = await getTenantResource(db, {
      tenant: key.tenant,
      kind: "App",
      namespace: key.namespace,
      name: key.app,
    });
    if (Date.now() - podsAt >= 1000 || TERMINAL.has(deployment.outcome)) {
      podsAt = Date.now();
      pods = await kube
        .list(POD, key.namespace, { labelSelector: `${LABEL_APP}=${key.app}` })
        .then((list) => podProgress(list.items))
        .catch(() => pods);
    }
    return { deployment, app, pods };
  };
}

/** Pure: the state a follower is sent, final once the deployment is Available, Failed or Superseded. */
export function deploymentSnapshot({ deployment, app, pods }: DeploymentReading): StatusSnapshot {
  const status = (app?.status ?? {}) as {
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    readyReplicas?: number;
  };
  const ready = status.conditions?.find((c) => c.type === "Ready");
  const desired = (app?.spec as { replicas?: number } | undefined)?.replicas;
  return {
    state: {
      ...deployment,
      ready: ready ?? null,
      conditions: status.conditions ?? [],
      pods,
      replicas: { desired: desired ?? null, ready: status.readyReplicas ?? 0 },
    },
    end: TERMINAL.has(deployment.outcome),
  };
}
