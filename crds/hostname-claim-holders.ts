// Pure decisions over one HostnameClaim's holders (crds/hostname-claim.ts): whether an App may join them, and what
// the holders become. One App holds a hostname; several gRPC Apps may share one only inside one namespace (one
// tenant) and only for different services. The first holder keeps the hostname: a newcomer is refused, never the
// other way round. Holders whose App is gone are dropped by whoever finds them (the caller says which are alive).
import { ANNOTATION_RESTORED, type ClaimHolder, RESTORE_GRACE_MS } from "./hostname-claim.ts";

const sameApp = (a: ClaimHolder, b: Pick<ClaimHolder, "namespace" | "app">) =>
  a.namespace === b.namespace && a.app === b.app;

/** Whether two holder entries of different Apps can share the hostname. */
export function holdersConflict(a: ClaimHolder, b: ClaimHolder): boolean {
  if (a.namespace !== b.namespace) return true;
  if (a.protocol !== "GRPC" || b.protocol !== "GRPC") return true;
  return a.service === "*" || b.service === "*" || a.service === b.service;
}

/**
 * The holders of other Apps that keep `mine` (entries of one App, same hostname) out. An entry of the same
 * namespace/name is this App, even under an older uid (the App was re-created, e.g. restored after a disaster).
 */
export function blockingHolders(current: readonly ClaimHolder[], mine: readonly ClaimHolder[]): ClaimHolder[] {
  const me = mine[0];
  if (!me) return [];
  return current.filter((other) => !sameApp(other, me) && mine.some((entry) => holdersConflict(entry, other)));
}

/** The holders after this App takes its entries, with `stale` (holders whose App is gone) dropped. */
export function holdersWith(
  current: readonly ClaimHolder[],
  mine: readonly ClaimHolder[],
  stale: readonly ClaimHolder[],
): ClaimHolder[] {
  const me = mine[0];
  const others = current.filter((h) => !(me && sameApp(h, me)) && !stale.includes(h));
  return [...others, ...mine];
}

/** The holders once the App `namespace/app` lets go of the hostname. */
export function holdersWithout(current: readonly ClaimHolder[], namespace: string, app: string): ClaimHolder[] {
  return current.filter((h) => !sameApp(h, { namespace, app }));
}

export function sameHolders(a: readonly ClaimHolder[], b: readonly ClaimHolder[]): boolean {
  const text = (list: readonly ClaimHolder[]) =>
    list
      .map((h) => `${h.namespace}/${h.app}/${h.uid}/${h.protocol}/${h.service}`)
      .sort()
      .join("|");
  return text(a) === text(b);
}

/**
 * Whether a holder still keeps the hostname, given the App now living under its namespace/name (if any). That App is
 * the holder whatever its uid — the same tenant's namespace and name, re-created or restored after a disaster —
 * unless it is being deleted. A holder without an App has gone unseen and is stale, except on a claim the resurrector
 * restored less than RESTORE_GRACE_MS ago: its Apps are being restored after it, and another App reconciled in
 * between must not take their hostnames. One rule for the operator and the API.
 */
export function holderHolds(
  liveApp: { metadata: { deletionTimestamp?: string } } | undefined,
  claim: { metadata: { creationTimestamp?: string; annotations?: Record<string, string> } },
  now: Date,
): boolean {
  if (liveApp) return !liveApp.metadata.deletionTimestamp;
  if (claim.metadata.annotations?.[ANNOTATION_RESTORED] === undefined) return false;
  const created = Date.parse(claim.metadata.creationTimestamp ?? "");
  return Number.isFinite(created) && now.getTime() - created < RESTORE_GRACE_MS;
}
