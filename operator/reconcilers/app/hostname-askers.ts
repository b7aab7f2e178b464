// Which Apps ask for each hostname: a reverse index kept in step with the caches, so a HostnameClaim event finds the
// Apps that want its hostname in one lookup. Computing every App's claims on each claim event instead cost N×N
// (1,000 Apps creating their claims: a million claim computations, most of the operator's CPU while converging).
//
// An App's hostnames depend on its spec, its Profile and its namespace's tenant, so each of those events recomputes
// the Apps it concerns. The index only speeds up a wake-up: an App refused a hostname asks again on its own after
// CLAIM_RETRY_MS, whatever this index says.
import { keyOf, type ObjectKey, sameLabels } from "../../../kube/types.ts";
import type { WorldCaches } from "../../caches.ts";
import type { ProfileObject } from "../profile/objects.ts";
import { appClaims } from "./app-claims.ts";
import { tenantOf } from "./app-world.ts";
import { NAMESPACE_INDEX, PROFILE_INDEX } from "./indexes.ts";
import type { AppObject } from "./objects.ts";

const NONE: ReadonlySet<ObjectKey> = new Set();

export class HostnameAskers {
  private readonly byHost = new Map<string, Set<ObjectKey>>();
  private readonly hostsOf = new Map<ObjectKey, readonly string[]>();
  private readonly caches: Pick<WorldCaches, "apps" | "profiles" | "namespaces">;

  constructor(caches: Pick<WorldCaches, "apps" | "profiles" | "namespaces">) {
    this.caches = caches;
    // An App's hostnames come from its spec (and its Profile and tenant, below): a status write, which every
    // reconcile makes, changes neither, and its generation says so.
    caches.apps.addHandlers({
      onUpsert: (app, previous) => {
        const generation = app.metadata.generation;
        if (generation !== undefined && previous?.metadata.generation === generation) return;
        this.refresh(app as AppObject);
      },
      onDelete: (app) => this.forget(keyOf(app)),
    });
    // Only a change of what a Profile says (its generation) can change the hostnames of its Apps; its status cannot.
    const refreshProfile = (profile: ProfileObject, previous?: ProfileObject) => {
      if (previous && previous.metadata.generation === profile.metadata.generation) return;
      for (const app of caches.apps.byIndex(PROFILE_INDEX, profile.metadata.name ?? "")) this.refresh(app as AppObject);
    };
    caches.profiles.addHandlers({
      onUpsert: (profile, previous) => refreshProfile(profile as ProfileObject, previous as ProfileObject | undefined),
      onDelete: (profile) => refreshProfile(profile as ProfileObject),
    });
    caches.namespaces.addHandlers({
      onUpsert: (namespace, previous) => {
        if (previous && sameLabels(previous, namespace)) return;
        for (const app of caches.apps.byIndex(NAMESPACE_INDEX, namespace.metadata.name ?? ""))
          this.refresh(app as AppObject);
      },
    });
  }

  /** The keys of the Apps (of this operator's caches) that ask for `host`. */
  askers(host: string): ReadonlySet<ObjectKey> {
    return this.byHost.get(host) ?? NONE;
  }

  private refresh(app: AppObject): void {
    const key = keyOf(app);
    const profile = this.caches.profiles.get(app.spec?.profile ?? "") as ProfileObject | undefined;
    const hosts = [
      ...new Set(appClaims(app, profile, tenantOf(this.caches, app.metadata.namespace ?? "")).map((c) => c.host)),
    ];
    const before = this.hostsOf.get(key);
    if (before && before.length === hosts.length && before.every((host, i) => host === hosts[i])) return;
    this.forget(key);
    if (hosts.length === 0) return;
    this.hostsOf.set(key, hosts);
    for (const host of hosts) {
      let keys = this.byHost.get(host);
      if (!keys) {
        keys = new Set();
        this.byHost.set(host, keys);
      }
      keys.add(key);
    }
  }

  private forget(key: ObjectKey): void {
    for (const host of this.hostsOf.get(key) ?? []) {
      const keys = this.byHost.get(host);
      keys?.delete(key);
      if (keys?.size === 0) this.byHost.delete(host);
    }
    this.hostsOf.delete(key);
  }
}
