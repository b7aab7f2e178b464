// What the resurrector asks the cluster: is it healthy, does it hold loco's state, and what objects it has.
import { LABEL_MANAGED_BY, LABEL_TENANT, MANAGED_BY } from "../crds/app-names.ts";
import { APP, HOSTNAME_CLAIM, PIPELINE, PROFILE, RUN } from "../crds/kinds.ts";
import { readClusterUid } from "../kube/cluster-identity.ts";
import { KubeApiError, type KubeClient } from "../kube/kube-client.ts";
import { CONFIG_MAP, CUSTOM_RESOURCE_DEFINITION, NAMESPACE, SECRET, TENANT_PARENTS } from "../kube/resources.ts";
import type { KubeObject, ResourceType } from "../kube/types.ts";
import { locoCrds } from "./objects.ts";
import { objectKey } from "./plan.ts";

export const SENTINEL_NAMESPACE = "loco-system";
export const SENTINEL_NAME = "loco-sentinel";

export interface ClusterHealth {
  server: string;
  /** The apiserver answered /readyz with 200. */
  ready: boolean;
  /** Why not, when it is not. */
  problem?: string;
  /** uid of the kube-system namespace: the cluster's identity (a new cluster, or a wiped etcd, has a new one). */
  clusterUid?: string;
  missingCrds: string[];
  /** The sentinel ConfigMap the resurrector writes into a cluster it has checked or restored. */
  sentinel: { present: boolean; clusterUid?: string; restoredAt?: string };
  /** How many Profiles, Apps and Pipelines the cluster has (0 when their CRDs are missing). */
  locoObjects: number;
}

function describe(error: unknown): string {
  if (error instanceof KubeApiError) return error.message;
  return error instanceof Error ? error.message : String(error);
}

async function countOf(client: KubeClient, resource: ResourceType): Promise<number> {
  try {
    // One item is enough to know "some"; remainingItemCount gives the rest without listing them.
    const list = await client.list(resource, undefined, { limit: 1 });
    return list.items.length + Number((list.metadata as { remainingItemCount?: number }).remainingItemCount ?? 0);
  } catch (error) {
    if (error instanceof KubeApiError && error.isNotFound) return 0;
    throw error;
  }
}

export async function probeCluster(client: KubeClient, server: string): Promise<ClusterHealth> {
  const health: ClusterHealth = { server, ready: false, missingCrds: [], sentinel: { present: false }, locoObjects: 0 };
  try {
    const readyz = await client.text("/readyz");
    if (readyz.status !== 200) {
      health.problem = `the apiserver is not ready (/readyz answered ${readyz.status}: ${readyz.body.trim().slice(0, 200)})`;
      return health;
    }
    health.clusterUid = await readClusterUid(client);
    const crds = await client.list(CUSTOM_RESOURCE_DEFINITION, undefined, {
      labelSelector: "app.kubernetes.io/part-of=loco",
    });
    const present = new Set(crds.items.map((crd) => crd.metadata.name));
    health.missingCrds = locoCrds()
      .map((crd) => crd.metadata.name ?? "")
      .filter((name) => !present.has(name));
    const sentinel = await client.find(CONFIG_MAP, SENTINEL_NAMESPACE, SENTINEL_NAME);
    const data = (sentinel?.data ?? {}) as Record<string, string>;
    health.sentinel = {
      present: sentinel !== undefined,
      ...(data.clusterUid ? { clusterUid: data.clusterUid } : {}),
      ...(data.restoredAt ? { restoredAt: data.restoredAt } : {}),
    };
    const counts = await Promise.all([PROFILE, APP, PIPELINE].map((r) => countOf(client, r)));
    health.locoObjects = counts.reduce((a, b) => a + b, 0);
    health.ready = true;
  } catch (error) {
    health.ready = false;
    health.problem = `the cluster cannot be reached or read: ${describe(error)}`;
  }
  return health;
}

async function listAll(client: KubeClient, resource: ResourceType, labelSelector?: string): Promise<KubeObject[]> {
  const items: KubeObject[] = [];
  let next: string | undefined;
  try {
    do {
      const page = await client.list(resource, undefined, {
        limit: 500,
        ...(next ? { continue: next } : {}),
        ...(labelSelector ? { labelSelector } : {}),
      });
      for (const item of page.items) {
        // List items omit them; the plan compares whole objects.
        item.kind ??= resource.kind;
        item.apiVersion ??= page.apiVersion;
        items.push(item);
      }
      next = page.metadata.continue || undefined;
    } while (next);
  } catch (error) {
    // A kind whose CRD is missing simply has no objects.
    if (error instanceof KubeApiError && error.isNotFound) return [];
    throw error;
  }
  return items;
}

export interface LiveState {
  /** Every object of a restored kind, by objectKey. */
  byKey: Map<string, KubeObject>;
  /** Profiles, Apps, Pipelines and tenant namespaces: reported when the database does not know them. */
  reportable: KubeObject[];
  runUids: Set<string>;
}

export async function readLiveState(client: KubeClient): Promise<LiveState> {
  const managed = `${LABEL_MANAGED_BY}=${MANAGED_BY}`;
  const [crds, profiles, claims, namespaces, apps, pipelines, secrets, runs, ...parents] = await Promise.all([
    listAll(client, CUSTOM_RESOURCE_DEFINITION, "app.kubernetes.io/part-of=loco"),
    listAll(client, PROFILE),
    listAll(client, HOSTNAME_CLAIM),
    listAll(client, NAMESPACE),
    listAll(client, APP),
    listAll(client, PIPELINE),
    listAll(client, SECRET, managed),
    listAll(client, RUN),
    ...TENANT_PARENTS.map((resource) => listAll(client, resource, managed)),
  ]);
  const byKey = new Map<string, KubeObject>();
  for (const object of [crds, profiles, claims, namespaces, apps, pipelines, secrets, ...parents].flat()) {
    byKey.set(objectKey(object), object);
  }
  const tenantNamespaces = (namespaces ?? []).filter((ns) => ns.metadata.labels?.[LABEL_TENANT]);
  return {
    byKey,
    reportable: [...(profiles ?? []), ...tenantNamespaces, ...(apps ?? []), ...(pipelines ?? [])],
    runUids: new Set((runs ?? []).map((run) => run.metadata.uid ?? "")),
  };
}
