// What feeds the App controller: its Apps, the children it owns, and the objects an App's desired state reads
// (its Profile, its namespace's labels, its project's siblings). Every event maps to the key of an App to
// reconcile; the reconciler never sees the event itself.
import { keyOf, sameLabels } from "../../../kube/types.ts";
import type { WorldCaches } from "../../caches.ts";
import type { Controller } from "../../runtime/controller.ts";
import type { ProfileObject } from "../profile/objects.ts";
import { HostnameAskers } from "./hostname-askers.ts";
import { claimHolderIndex } from "./hostname-claims.ts";
import {
  NAMESPACE_INDEX,
  namespaceIndex,
  PROFILE_INDEX,
  PROJECT_INDEX,
  profileIndex,
  projectIndex,
} from "./indexes.ts";
import type { AppObject } from "./objects.ts";

/** The cache indexes the App reconciler and its watches read; call before the informers start. */
export function addAppIndexes(caches: WorldCaches): void {
  caches.apps.addIndex(PROJECT_INDEX, projectIndex);
  caches.apps.addIndex(PROFILE_INDEX, profileIndex);
  caches.apps.addIndex(NAMESPACE_INDEX, namespaceIndex);
}

export function watchAppInputs(controller: Controller, caches: WorldCaches): void {
  controller.watchPrimary(caches.apps);
  for (const children of [
    caches.deployments,
    caches.services,
    caches.httpRoutes,
    caches.grpcRoutes,
    caches.trafficPolicies,
    caches.autoscalers,
    caches.secrets,
  ]) {
    controller.watchOwned(children, "App");
  }
  controller.watchMapped(caches.profiles, (profile) =>
    caches.apps.byIndex(PROFILE_INDEX, profile.metadata.name ?? "").map(keyOf),
  );
  // A Gateway's controller taking it (or refusing it) decides whether Apps wait for its verdict on their routes
  // (gateway-verdict.ts), and its listeners decide the scheme and port of their URLs (url-origin.ts): the Apps of
  // every Profile that attaches to it. Other changes do not matter.
  controller.watchMapped(caches.gateways, (gateway, previous) => {
    const accepted = (object: typeof gateway | undefined) =>
      JSON.stringify(
        ((object?.status as { conditions?: { type: string }[] } | undefined)?.conditions ?? []).find(
          (c) => c.type === "Accepted",
        ),
      );
    const listeners = (object: typeof gateway | undefined) =>
      JSON.stringify((object?.spec as { listeners?: unknown } | undefined)?.listeners);
    if (previous && accepted(previous) === accepted(gateway) && listeners(previous) === listeners(gateway)) return [];
    return (caches.profiles.list() as ProfileObject[])
      .filter((p) => p.spec?.gateway?.name === gateway.metadata.name)
      .filter((p) => p.spec?.gateway?.namespace === gateway.metadata.namespace)
      .flatMap((p) => caches.apps.byIndex(PROFILE_INDEX, p.metadata.name ?? "").map(keyOf));
  });
  controller.watchMapped(caches.namespaces, (namespace, previous) =>
    previous && sameLabels(previous, namespace)
      ? []
      : caches.apps.byIndex(NAMESPACE_INDEX, namespace.metadata.name ?? "").map(keyOf),
  );
  // A claim taken, changed or released: its holders, and every App here that asks for its hostname (it may be free
  // now, or taken by another operator's App).
  const askers = new HostnameAskers(caches);
  controller.watchMapped(caches.hostnameClaims, (claim) => {
    const host = (claim.spec as { hostname?: string } | undefined)?.hostname;
    // Only this shard's Apps: another shard's holder is that shard's to reconcile.
    const keys = new Set(claimHolderIndex(claim).filter((key) => caches.apps.get(key) !== undefined));
    for (const key of host === undefined ? [] : askers.askers(host)) keys.add(key);
    return keys;
  });
  // Apps of one project discover each other: a new, removed or re-ported App changes its siblings' env.
  controller.watchMapped(caches.apps, (app, previous) => {
    const spec = (app as AppObject).spec;
    const before = (previous as AppObject | undefined)?.spec;
    if (previous && before?.project === spec?.project && before?.ports?.[0]?.port === spec?.ports?.[0]?.port) return [];
    const keys = new Set<string>();
    for (const s of [spec, before]) {
      if (s?.project)
        for (const sibling of caches.apps.byIndex(PROJECT_INDEX, `${app.metadata.namespace}/${s.project}`))
          keys.add(keyOf(sibling));
    }
    keys.delete(keyOf(app));
    return keys;
  });
}
