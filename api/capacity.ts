// The deploy pre-flight: is there room in the cluster? Free allocatable capacity of Ready nodes (allocatable minus
// the requests of pods that still run) must be at least a platform-set multiple of what the deploy requests.
// The verdict's message goes to the tenant: it names only what the deploy requests, never the cluster's free
// capacity or its nodes (those reflect every other tenant's workloads); the figures are for the server's log.

import type { KubeClient } from "../kube/kube-client.ts";
import { NODE, POD } from "../kube/resources.ts";
import { parseQuantity } from "../kube/semantic-equal.ts";
import type { KubeObject } from "../kube/types.ts";

export interface Amounts {
  /** Cores. */
  cpu: number;
  /** Bytes. */
  memory: number;
}

export interface ClusterCapacity {
  readyNodes: number;
  free: Amounts;
}

export interface CapacityVerdict {
  ok: boolean;
  readyNodes: number;
  free: Amounts;
  requested: Amounts;
  multiple: number;
  /** Sentences for the 409: what the deploy requests and what to do, nothing about the rest of the cluster. */
  message: string;
}

type Node = KubeObject & {
  status?: { allocatable?: Record<string, string>; conditions?: { type: string; status: string }[] };
  spec?: { unschedulable?: boolean };
};
type Pod = KubeObject & {
  spec?: { nodeName?: string; containers?: { resources?: { requests?: Record<string, string> } }[] };
};

/** Pure: free capacity from node and pod lists. */
export function capacityOf(nodes: Node[], pods: Pod[]): ClusterCapacity {
  const ready = nodes.filter(
    (n) => !n.spec?.unschedulable && n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
  );
  const names = new Set(ready.map((n) => n.metadata.name));
  const sum = (values: (string | undefined)[]) => values.reduce((total, v) => total + (parseQuantity(v) ?? 0), 0);
  const allocatable = {
    cpu: sum(ready.map((n) => n.status?.allocatable?.cpu)),
    memory: sum(ready.map((n) => n.status?.allocatable?.memory)),
  };
  const placed = pods.filter((p) => p.spec?.nodeName && names.has(p.spec.nodeName));
  const requests = (key: string) =>
    sum(placed.flatMap((p) => (p.spec?.containers ?? []).map((c) => c.resources?.requests?.[key])));
  return {
    readyNodes: ready.length,
    free: {
      cpu: Math.max(0, allocatable.cpu - requests("cpu")),
      memory: Math.max(0, allocatable.memory - requests("memory")),
    },
  };
}

const cores = (n: number) => `${Math.round(n * 1000)}m CPU`;
const mebibytes = (n: number) => `${Math.round(n / 2 ** 20)}Mi memory`;

/** Pure: the verdict for a request against the free capacity. */
export function judgeCapacity(capacity: ClusterCapacity, requested: Amounts, multiple: number): CapacityVerdict {
  const base = { readyNodes: capacity.readyNodes, free: capacity.free, requested, multiple };
  if (capacity.readyNodes === 0) {
    return {
      ...base,
      ok: false,
      message:
        "The cluster cannot schedule anything right now, so this deploy was not applied. Ask a platform admin to check the cluster's nodes, then deploy again.",
    };
  }
  const short = (["cpu", "memory"] as const).filter((k) => capacity.free[k] < requested[k] * multiple);
  if (short.length === 0) return { ...base, ok: true, message: "" };
  return {
    ...base,
    ok: false,
    message: `This deploy requests ${cores(requested.cpu)} and ${mebibytes(requested.memory)} in all (replicas × cpu and memory), more than the cluster has room for now, so it was not applied. Lower replicas, cpu or memory and deploy again, or ask a platform admin to add capacity.`,
  };
}

/**
 * How long one reading of the cluster's capacity answers every deploy. Each reading lists every pod of the cluster:
 * under 200 concurrent deploys, one list per deploy loaded the apiserver with the whole cluster's pods 40 times a
 * second. A second-old reading is as good for a pre-flight that asks for a multiple of the request anyway (pods the
 * last deploys add show up later than that).
 */
export const CAPACITY_TTL_MS = 1000;

const readings = new WeakMap<KubeClient, { at: number; capacity: Promise<ClusterCapacity> }>();

/** clusterCapacity, shared: concurrent callers share the reading in flight, and a reading answers for CAPACITY_TTL_MS. */
export function sharedClusterCapacity(kube: KubeClient, now: () => number = Date.now): Promise<ClusterCapacity> {
  const last = readings.get(kube);
  if (last && now() - last.at < CAPACITY_TTL_MS) return last.capacity;
  const capacity = clusterCapacity(kube);
  readings.set(kube, { at: now(), capacity });
  // A failed reading is not kept: the next deploy tries again.
  capacity.catch(() => {
    if (readings.get(kube)?.capacity === capacity) readings.delete(kube);
  });
  return capacity;
}

export async function clusterCapacity(kube: KubeClient): Promise<ClusterCapacity> {
  const [nodes, pods] = await Promise.all([
    kube.list<Node>(NODE),
    kube.list<Pod>(POD, undefined, { fieldSelector: "status.phase!=Succeeded,status.phase!=Failed" }),
  ]);
  return capacityOf(nodes.items, pods.items);
}

/** What a spec asks for in total: replicas (or autoscale.min) × per-replica cpu and memory, Profile defaults applied. */
export function requestedBy(
  spec: {
    replicas?: number;
    autoscale?: { min?: number };
    resources?: { cpu?: string | number; memory?: string | number };
  },
  defaults: { replicas?: number; cpu?: string | number; memory?: string | number } | undefined,
): Amounts {
  const replicas = spec.replicas ?? spec.autoscale?.min ?? defaults?.replicas ?? 1;
  return {
    cpu: replicas * (parseQuantity(spec.resources?.cpu ?? defaults?.cpu) ?? 0),
    memory: replicas * (parseQuantity(spec.resources?.memory ?? defaults?.memory) ?? 0),
  };
}
