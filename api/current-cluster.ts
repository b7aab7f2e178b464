// Which cluster the API talks to now (kube/cluster-identity.ts: the uid of kube-system), so that answers can tell
// mirrored objects of this cluster from those of a lost one. One GET at most every `ttlMs`, never one per request:
// the first caller waits for the answer; later callers get the cached one while a stale one is refreshed behind
// them (a replaced cluster is noticed within one interval). A failed read is remembered as "unknown" with its
// cause, and retried sooner, so a cluster that cannot be reached is never taken for a new one.
import { readClusterUid } from "../kube/cluster-identity.ts";
import type { KubeClient } from "../kube/kube-client.ts";
import { isLost } from "./lost-object.ts";

export type ClusterIdentity = { known: true; uid: string } | { known: false; problem: string };

export interface CurrentClusterOptions {
  /** How long a read identity is trusted. */
  ttlMs?: number;
  /** How long a failed read is remembered before the next attempt. */
  retryMs?: number;
  now?: () => number;
}

export class CurrentCluster {
  private readonly read: () => Promise<string>;
  private readonly ttlMs: number;
  private readonly retryMs: number;
  private readonly now: () => number;
  private last: { identity: ClusterIdentity; at: number } | undefined;
  private inFlight: Promise<ClusterIdentity> | undefined;

  constructor(read: () => Promise<string>, options: CurrentClusterOptions = {}) {
    this.read = read;
    this.ttlMs = options.ttlMs ?? 10_000;
    this.retryMs = options.retryMs ?? 2_000;
    this.now = options.now ?? Date.now;
  }

  async identity(): Promise<ClusterIdentity> {
    const last = this.last;
    if (last && this.now() - last.at < (last.identity.known ? this.ttlMs : this.retryMs)) return last.identity;
    const refresh = this.refresh();
    return last ? last.identity : refresh;
  }

  private refresh(): Promise<ClusterIdentity> {
    this.inFlight ??= this.read()
      .then(
        (uid): ClusterIdentity => ({ known: true, uid }),
        (error: unknown): ClusterIdentity => ({
          known: false,
          problem: error instanceof Error ? error.message : String(error),
        }),
      )
      .then((identity) => {
        this.last = { identity, at: this.now() };
        this.inFlight = undefined;
        return identity;
      });
    return this.inFlight;
  }
}

// One per Kubernetes client, which is one per API process: the routes of every resource share its cache.
const byClient = new WeakMap<KubeClient, CurrentCluster>();

export function currentCluster(kube: KubeClient): CurrentCluster {
  let cluster = byClient.get(kube);
  if (!cluster) {
    cluster = new CurrentCluster(() => readClusterUid(kube));
    byClient.set(kube, cluster);
  }
  return cluster;
}

/**
 * For an answer about mirrored rows: reads the current cluster (from the cache) once, and tells whether each row
 * is lost (api/lost-object.ts).
 */
export async function lostRows(kube: KubeClient): Promise<(row: { clusterUid: string | null }) => boolean | null> {
  const identity = await currentCluster(kube).identity();
  return (row) => isLost(row.clusterUid, identity);
}
