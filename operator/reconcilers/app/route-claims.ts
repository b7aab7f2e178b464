// Who may serve which hostname. Claims come from every App in the cluster (any tenant); when two Apps claim the
// same hostname, the older App keeps it and the younger one is refused (RouteConflict) — so a newcomer can never
// take traffic away from a running service. Two gRPC Apps may share a hostname if they claim different services.

export interface Claim {
  protocol: "http" | "grpc";
  host: string;
  /** gRPC service, or "*" for every service (HTTP claims are always "*"). */
  service: string;
}

export interface Denial {
  claim: Claim;
  /** The App (namespace/name) that holds the hostname. */
  holder: string;
}

interface Entry {
  rank: string;
  claims: Claim[];
}

function conflicts(a: Claim, b: Claim): boolean {
  if (a.host !== b.host) return false;
  if (a.protocol === "grpc" && b.protocol === "grpc")
    return a.service === "*" || b.service === "*" || a.service === b.service;
  return true;
}

const sameClaims = (a: Claim[], b: Claim[]) =>
  a.length === b.length &&
  a.every((c, i) => c.host === b[i]?.host && c.protocol === b[i]?.protocol && c.service === b[i]?.service);

/** Orders claimants: the older App (creation time), then the key, wins. */
export function claimRank(creationTimestamp: string | undefined, key: string): string {
  return `${creationTimestamp ?? "9999"}|${key}`;
}

export class RouteClaims {
  private readonly byApp = new Map<string, Entry>();
  private readonly byHost = new Map<string, Set<string>>();

  /**
   * Records the App's claims. Returns the other Apps whose outcome may have changed (they share a hostname with
   * the old or new claims), to be reconciled again; empty when nothing changed.
   */
  update(appKey: string, rank: string, claims: Claim[]): string[] {
    const previous = this.byApp.get(appKey);
    if (previous && previous.rank === rank && sameClaims(previous.claims, claims)) return [];
    const affectedHosts = new Set([...(previous?.claims ?? []), ...claims].map((c) => c.host));
    this.removeFromHosts(appKey, previous);
    this.byApp.set(appKey, { rank, claims });
    for (const claim of claims) {
      let apps = this.byHost.get(claim.host);
      if (!apps) {
        apps = new Set();
        this.byHost.set(claim.host, apps);
      }
      apps.add(appKey);
    }
    return this.appsOn(affectedHosts, appKey);
  }

  /** Forgets a deleted App; returns the Apps that may now get the hostnames it held. */
  remove(appKey: string): string[] {
    const previous = this.byApp.get(appKey);
    if (!previous) return [];
    this.removeFromHosts(appKey, previous);
    this.byApp.delete(appKey);
    return this.appsOn(new Set(previous.claims.map((c) => c.host)), appKey);
  }

  /** The App's claims that an older App holds. */
  denials(appKey: string): Denial[] {
    const entry = this.byApp.get(appKey);
    if (!entry) return [];
    const denied: Denial[] = [];
    for (const claim of entry.claims) {
      for (const other of this.byHost.get(claim.host) ?? []) {
        if (other === appKey) continue;
        const otherEntry = this.byApp.get(other);
        if (!otherEntry || otherEntry.rank >= entry.rank) continue;
        if (otherEntry.claims.some((c) => conflicts(claim, c))) {
          denied.push({ claim, holder: other });
          break;
        }
      }
    }
    return denied;
  }

  get size(): number {
    return this.byApp.size;
  }

  private removeFromHosts(appKey: string, entry: Entry | undefined): void {
    for (const claim of entry?.claims ?? []) {
      const apps = this.byHost.get(claim.host);
      apps?.delete(appKey);
      if (apps?.size === 0) this.byHost.delete(claim.host);
    }
  }

  private appsOn(hosts: Set<string>, except: string): string[] {
    const result = new Set<string>();
    for (const host of hosts) for (const app of this.byHost.get(host) ?? []) if (app !== except) result.add(app);
    return [...result];
  }
}
