// The operator's view of the world: one informer per kind it reads. Children are watched cluster-wide but only
// those carrying loco's managed-by label, which bounds memory to what loco created.

import { LABEL_MANAGED_BY, MANAGED_BY, MANAGED_SELECTOR } from "../crds/app-names.ts";
import { APP, HOSTNAME_CLAIM, PIPELINE, PROFILE, RUN } from "../crds/kinds.ts";
import { RUN_POD_SELECTOR } from "../crds/run-names.ts";
import { specWriters } from "../db/external-change.ts";
import type { KubeClient } from "../kube/kube-client.ts";
import {
  BACKEND_TRAFFIC_POLICY,
  DEPLOYMENT,
  GATEWAY,
  GRPC_ROUTE,
  HPA,
  HTTP_ROUTE,
  JOB,
  NAMESPACE,
  POD,
  SECRET,
  SERVICE,
} from "../kube/resources.ts";
import { CLAIM_HOLDER_INDEX, claimHolderIndex } from "./reconcilers/app/hostname-claims.ts";
import { OWNER_INDEX, ownerIndex } from "./runtime/children.ts";
import { Informer, type InformerOptions } from "./runtime/informer.ts";

const NOT_MANAGED_SELECTOR = `${LABEL_MANAGED_BY}!=${MANAGED_BY}`;

/** What `kubectl apply` (client-side) stores on every object it writes: the whole object again. */
export const LAST_APPLIED_ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration";

export interface WorldCaches {
  apps: Informer;
  profiles: Informer;
  pipelines: Informer;
  runs: Informer;
  namespaces: Informer;
  gateways: Informer;
  deployments: Informer;
  services: Informer;
  httpRoutes: Informer;
  grpcRoutes: Informer;
  trafficPolicies: Informer;
  autoscalers: Informer;
  secrets: Informer;
  /** Every HostnameClaim in the cluster (whichever shard's Apps hold them), indexed by holder. */
  hostnameClaims: Informer;
  /** Jobs of Runs (loco's label, indexed by owner). */
  jobs: Informer;
  /** Pods of Runs' Jobs (label loco.dev/run): their exit codes. */
  pods: Informer;
  /**
   * Metadata of the objects of the child kinds that do not carry loco's managed-by label: with the full caches
   * above (which hold every object that does), they tell "absent" from "exists but is someone else's" without a
   * GET per child. Metadata only, so the many (often large) Secrets of a cluster cost a few hundred bytes each,
   * never their data; and not loco's own children, which the full caches already hold (a second copy of their
   * metadata was about a quarter of the operator's cache memory).
   */
  existing: Pick<
    WorldCaches,
    "deployments" | "services" | "httpRoutes" | "grpcRoutes" | "trafficPolicies" | "autoscalers" | "secrets"
  >;
}

/**
 * `selector` (a label selector) limits which Apps and Profiles this operator reconciles — for sharding a large
 * cluster across operators, and for tests that run several operators against one cluster.
 */
export function createCaches(
  client: KubeClient,
  options: Omit<InformerOptions, "labelSelector"> = {},
  selector?: string,
): WorldCaches {
  const all = (resource: Parameters<typeof client.list>[0]) => new Informer(client, resource, options);
  const selected = (resource: Parameters<typeof client.list>[0]) =>
    new Informer(client, resource, { ...options, ...(selector ? { labelSelector: selector } : {}) });
  // Children and the metadata of other objects are read for their spec, labels, owners and loco's own annotations;
  // never for kubectl's copy of the last applied object.
  const lean = { ...options, dropAnnotations: [LAST_APPLIED_ANNOTATION] };
  // An object that gains or loses the label moves between the two caches: a watch with a label selector sends
  // DELETED to the one it leaves and ADDED to the one it enters.
  const metadata = (resource: Parameters<typeof client.list>[0]) =>
    new Informer(client, resource, { ...lean, metadataOnly: true, labelSelector: NOT_MANAGED_SELECTOR });
  const owned = (resource: Parameters<typeof client.list>[0]) => {
    const informer = new Informer(client, resource, { ...lean, labelSelector: MANAGED_SELECTOR });
    informer.addIndex(OWNER_INDEX, ownerIndex);
    return informer;
  };
  return {
    // The mirror reads who last wrote an App's spec (releases of changes made outside the API): a summary is kept.
    apps: new Informer(client, APP, {
      ...options,
      ...(selector ? { labelSelector: selector } : {}),
      keepManagedFields: specWriters,
    }),
    profiles: selected(PROFILE),
    pipelines: selected(PIPELINE),
    runs: selected(RUN),
    namespaces: all(NAMESPACE),
    gateways: all(GATEWAY),
    deployments: owned(DEPLOYMENT),
    services: owned(SERVICE),
    httpRoutes: owned(HTTP_ROUTE),
    grpcRoutes: owned(GRPC_ROUTE),
    trafficPolicies: owned(BACKEND_TRAFFIC_POLICY),
    autoscalers: owned(HPA),
    secrets: owned(SECRET),
    hostnameClaims: (() => {
      const informer = all(HOSTNAME_CLAIM);
      informer.addIndex(CLAIM_HOLDER_INDEX, claimHolderIndex);
      return informer;
    })(),
    jobs: owned(JOB),
    pods: new Informer(client, POD, { ...options, labelSelector: RUN_POD_SELECTOR }),
    existing: {
      deployments: metadata(DEPLOYMENT),
      services: metadata(SERVICE),
      httpRoutes: metadata(HTTP_ROUTE),
      grpcRoutes: metadata(GRPC_ROUTE),
      trafficPolicies: metadata(BACKEND_TRAFFIC_POLICY),
      autoscalers: metadata(HPA),
      secrets: metadata(SECRET),
    },
  };
}

export const allInformers = (caches: WorldCaches): Informer[] => {
  const { existing, ...full } = caches;
  return [...Object.values(full), ...Object.values(existing)];
};
