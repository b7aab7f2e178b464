// The cluster-wide hostname claims, held as HostnameClaim objects (crds/hostname-claim.ts) instead of in memory: the
// apiserver's unique names make "first App to claim a hostname keeps it" hold across operators, --selector shards
// and restarts. A claim is taken by create (AlreadyExists: someone was first), changed only by an update carrying
// the resourceVersion read (Conflict: read again), and released by this App's reconcile when the App stops asking
// for the hostname or is gone. Kubernetes' garbage collector cannot free it — a cluster-scoped object may not have a
// namespaced owner — so a claim whose holder App no longer exists is stale, and the next App to ask takes it over
// (after a grace period when the resurrector restored the claim: crds/hostname-claim-holders.ts holderHolds). An App
// re-created under the holder's namespace and name is the holder.

import { FIELD_MANAGER, LABEL_MANAGED_BY, MANAGED_BY } from "../../../crds/app-names.ts";
import { type ClaimHolder, claimName, type HostnameClaim } from "../../../crds/hostname-claim.ts";
import {
  blockingHolders,
  holderHolds,
  holdersWith,
  holdersWithout,
  sameHolders,
} from "../../../crds/hostname-claim-holders.ts";
import { APP, HOSTNAME_CLAIM } from "../../../crds/kinds.ts";
import { KubeApiError, type KubeClient, resourcePath } from "../../../kube/kube-client.ts";
import type { KubeObject } from "../../../kube/types.ts";
import type { Informer } from "../../runtime/informer.ts";
import type { Claim } from "./app-claims.ts";

/** Index of HostnameClaims by the `namespace/app` of each holder. */
export const CLAIM_HOLDER_INDEX = "holder";
export const claimHolderIndex = (claim: KubeObject): string[] =>
  ((claim.spec as HostnameClaim["spec"] | undefined)?.holders ?? []).map((h) => `${h.namespace}/${h.app}`);

/** A hostname the App may not serve because another App holds it. */
export interface Denial {
  claim: Claim;
  /** `namespace/name` of the holder when it is one of the same tenant's Apps; undefined for another tenant's. */
  ownApp: string | undefined;
}

export interface AppRef {
  namespace: string;
  name: string;
  uid: string;
}

const ATTEMPTS = 5;

export class HostnameClaims {
  private readonly client: KubeClient;
  private readonly cache: Informer;
  /** This operator's App cache (its own shard's Apps): a holder found there needs no request. */
  private readonly apps: Informer | undefined;
  /** The tenant a namespace belongs to (to tell the App's own other Apps from other tenants'). */
  private readonly tenantOfNamespace: (namespace: string) => string;
  private readonly now: () => Date;
  /**
   * Claims this operator created or updated, kept until its cache shows that version or a newer one: an informer
   * lags the operator's own writes, and reading the claim again then (a create answering AlreadyExists, a GET)
   * would cost requests at what should be a request-free steady state.
   */
  private readonly written = new Map<string, HostnameClaim>();

  constructor(
    client: KubeClient,
    cache: Informer,
    tenantOfNamespace: (namespace: string) => string,
    now: () => Date = () => new Date(),
    apps?: Informer,
  ) {
    this.client = client;
    this.cache = cache;
    this.apps = apps;
    this.tenantOfNamespace = tenantOfNamespace;
    this.now = now;
  }

  /**
   * Takes (or keeps) the App's claims and lets go of the ones it no longer asks for. Returns the claims another
   * live App holds. Writes nothing when the claims already say what they should.
   */
  async reconcile(app: AppRef, wanted: readonly Claim[]): Promise<Denial[]> {
    const byHost = new Map<string, ClaimHolder[]>();
    for (const claim of wanted) {
      const entries = byHost.get(claim.host) ?? [];
      entries.push({
        namespace: app.namespace,
        app: app.name,
        uid: app.uid,
        protocol: claim.protocol === "grpc" ? "GRPC" : "HTTP",
        service: claim.service,
      });
      byHost.set(claim.host, entries);
    }
    const denials: Denial[] = [];
    for (const [host, mine] of byHost) {
      const blocker = await this.take(host, mine);
      if (blocker) {
        const same = this.tenantOfNamespace(blocker.namespace) === this.tenantOfNamespace(app.namespace);
        const ownApp = same ? `${blocker.namespace}/${blocker.app}` : undefined;
        for (const claim of wanted.filter((c) => c.host === host)) denials.push({ claim, ownApp });
      }
    }
    const keep = new Set([...byHost.keys()].map(claimName));
    for (const held of this.cache.byIndex(CLAIM_HOLDER_INDEX, `${app.namespace}/${app.name}`)) {
      if (!keep.has(held.metadata.name ?? "")) await this.release(held.metadata.name ?? "", app.namespace, app.name);
    }
    return denials;
  }

  /** Lets go of every claim the App `namespace/name` holds (it was deleted). */
  async releaseAll(namespace: string, name: string): Promise<void> {
    for (const held of this.cache.byIndex(CLAIM_HOLDER_INDEX, `${namespace}/${name}`)) {
      await this.release(held.metadata.name ?? "", namespace, name);
    }
  }

  /** The newest copy of a claim: the cache's, or the one this operator wrote if the cache has not caught up. */
  private known(name: string): HostnameClaim | undefined {
    const cached = this.cache.get(name) as HostnameClaim | undefined;
    const written = this.written.get(name);
    if (!written) return cached;
    if (cached && !olderVersion(cached, written)) {
      this.written.delete(name);
      return cached;
    }
    return written;
  }

  /** Keeps what a write answered or a read found (newer than the cache) until the cache catches up. */
  private remember(name: string, claim: HostnameClaim | undefined): HostnameClaim | undefined {
    if (claim) this.written.set(name, claim);
    else this.written.delete(name);
    return claim;
  }

  /** Joins the claim on `host`; returns the live holder that keeps the App out, if any. */
  private async take(host: string, mine: ClaimHolder[]): Promise<ClaimHolder | undefined> {
    const name = claimName(host);
    let current = this.known(name);
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      if (!current) {
        try {
          this.remember(
            name,
            await this.client.create<HostnameClaim>(HOSTNAME_CLAIM, claimObject(name, host, mine), FIELD_MANAGER),
          );
          return undefined;
        } catch (error) {
          if (!(error instanceof KubeApiError && error.isAlreadyExists)) throw error;
          current = this.remember(name, await this.client.find<HostnameClaim>(HOSTNAME_CLAIM, undefined, name));
          continue;
        }
      }
      const holders = current.spec.holders ?? [];
      // `wildcard.<domain>` is the claim of both `*.<domain>` and that literal name: whoever holds it holds both.
      if (current.spec.hostname !== host) {
        const other = holders.find((h) => h.namespace !== mine[0]?.namespace || h.app !== mine[0]?.app);
        if (other) return other;
      }
      const blocking = blockingHolders(holders, mine);
      const stale: ClaimHolder[] = [];
      for (const holder of blocking) if (!(await this.holds(holder, current))) stale.push(holder);
      const live = blocking.find((h) => !stale.includes(h));
      if (live) return live;
      const next = holdersWith(holders, mine, stale);
      if (sameHolders(next, holders)) return undefined;
      try {
        await this.update(name, host, next, current.metadata.resourceVersion);
        return undefined;
      } catch (error) {
        if (!(error instanceof KubeApiError && (error.isConflict || error.isNotFound))) throw error;
        current = this.remember(name, await this.client.find<HostnameClaim>(HOSTNAME_CLAIM, undefined, name));
      }
    }
    throw new Error(`HostnameClaim ${name} kept changing while it was being taken; will retry`);
  }

  private async release(name: string, namespace: string, app: string): Promise<void> {
    let current = this.known(name);
    for (let attempt = 0; attempt < ATTEMPTS && current; attempt++) {
      const next = holdersWithout(current.spec.holders ?? [], namespace, app);
      if (sameHolders(next, current.spec.holders ?? [])) return;
      try {
        if (next.length === 0) {
          await this.client.delete(HOSTNAME_CLAIM, undefined, name, {
            ...(current.metadata.uid ? { uid: current.metadata.uid } : {}),
            ...(current.metadata.resourceVersion ? { resourceVersion: current.metadata.resourceVersion } : {}),
          });
          this.written.delete(name);
        } else {
          await this.update(name, current.spec.hostname, next, current.metadata.resourceVersion);
        }
        return;
      } catch (error) {
        if (!(error instanceof KubeApiError && (error.isConflict || error.isNotFound))) throw error;
        current = this.remember(name, await this.client.find<HostnameClaim>(HOSTNAME_CLAIM, undefined, name));
      }
    }
  }

  /** PUT with the resourceVersion read: the apiserver answers Conflict if anyone changed the claim since. */
  private async update(name: string, host: string, holders: ClaimHolder[], resourceVersion: string | undefined) {
    const object = claimObject(name, host, holders);
    this.remember(
      name,
      await this.client.request<HostnameClaim>("PUT", resourcePath(HOSTNAME_CLAIM, undefined, name), {
        body: { ...object, metadata: { ...object.metadata, resourceVersion } },
        query: { fieldManager: FIELD_MANAGER },
      }),
    );
  }

  /**
   * Whether the holder still keeps the hostname. A live holder in this operator's App cache is believed without a
   * request — a refused App is reconciled again at every resync, and that must cost nothing; if the holder lets go,
   * its claim changes and the refused App is reconciled again. Anything else (another shard's App, or one the cache
   * does not have) is read from the apiserver, because taking a hostname on a stale cache would be wrong.
   */
  private async holds(holder: ClaimHolder, claim: HostnameClaim): Promise<boolean> {
    const cached = this.apps?.get(`${holder.namespace}/${holder.app}`);
    if (cached && holderHolds(cached, claim, this.now())) return true;
    return holderHolds(await this.client.find(APP, holder.namespace, holder.app), claim, this.now());
  }
}

/** `a` is an older version than `b` (resourceVersions are etcd revisions here; anything else counts as not older). */
function olderVersion(a: KubeObject, b: KubeObject): boolean {
  const [x, y] = [a.metadata.resourceVersion, b.metadata.resourceVersion];
  if (!x || !y || !/^\d+$/.test(x) || !/^\d+$/.test(y)) return false;
  return BigInt(x) < BigInt(y);
}

function claimObject(name: string, host: string, holders: ClaimHolder[]) {
  return {
    apiVersion: `${HOSTNAME_CLAIM.group}/${HOSTNAME_CLAIM.version}`,
    kind: HOSTNAME_CLAIM.kind,
    metadata: { name, labels: { [LABEL_MANAGED_BY]: MANAGED_BY } },
    spec: { hostname: host, holders },
  };
}
