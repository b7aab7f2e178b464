// Applying and pruning the children a reconciler owns. The rules (DESIGN.md §3):
// - every write is server-side apply with the operator's field manager;
// - nothing is sent when the live object already matches (steady state writes nothing);
// - an object with a child's name that this owner does not control is never touched, only reported;
// - only objects that carry loco's labels *and* this owner's controller reference are ever pruned.
import { createHash } from "node:crypto";
import type { KubeClient } from "../../kube/kube-client.ts";
import { isSubset } from "../../kube/semantic-equal.ts";
import { controllerOf, type KubeObject, keyOf, type OwnerReference, type ResourceType } from "../../kube/types.ts";
import type { Informer } from "./informer.ts";

export const DESIRED_HASH_ANNOTATION = "loco.dev/desired-hash";
/** Informer index on children: the uid of their controlling owner. */
export const OWNER_INDEX = "owner-uid";

export const ownerIndex = (object: KubeObject): string[] => {
  const owner = controllerOf(object);
  return owner ? [owner.uid] : [];
};

export type ChildOutcome = "Created" | "Updated" | "Unchanged" | "NotOwned";

export interface ChildResult<T extends KubeObject = KubeObject> {
  outcome: ChildOutcome;
  /** The live object after this step (undefined only for NotOwned objects we did not read fully). */
  live: T | undefined;
  /** For NotOwned: who controls it, if anyone. */
  controller?: OwnerReference;
}

/**
 * A short digest of what we intend to apply; stored on the child so that removing a field is noticed too.
 * Plain JSON.stringify is stable here because the builders are deterministic, key order included.
 */
export function desiredHash(object: KubeObject): string {
  // A resourceVersion is a precondition for the write (a merge of live content, route-rules.ts), not content.
  const { resourceVersion: _precondition, ...metadata } = object.metadata;
  return createHash("sha256")
    .update(JSON.stringify({ ...object, metadata }))
    .digest("hex")
    .slice(0, 16);
}

export function ownerReferenceTo(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name ?? "",
    uid: owner.metadata.uid ?? "",
    controller: true,
    blockOwnerDeletion: true,
  };
}

export interface ChildContext {
  client: KubeClient;
  fieldManager: string;
  owner: KubeObject;
}

/** Applies `desired` unless the live child already matches it; never adopts an object it does not control. */
export async function applyChild<T extends KubeObject>(
  context: ChildContext,
  resource: ResourceType,
  cache: Informer<T>,
  desired: KubeObject,
  existence?: Informer,
): Promise<ChildResult<T>> {
  const hash = desiredHash(desired);
  const withHash: KubeObject = {
    ...desired,
    metadata: {
      ...desired.metadata,
      annotations: { ...desired.metadata.annotations, [DESIRED_HASH_ANNOTATION]: hash },
    },
  };
  const { namespace, name } = desired.metadata;
  // The cache only holds objects carrying loco's labels; a miss may be a foreign object, so look before applying:
  // in the metadata cache of every object of the kind when there is one, else with a GET.
  const key = keyOf(desired);
  const live =
    cache.get(key) ??
    (existence ? (existence.get(key) as T | undefined) : await context.client.find<T>(resource, namespace, name ?? ""));
  if (live) {
    const controller = controllerOf(live);
    if (controller?.uid !== context.owner.metadata.uid) return { outcome: "NotOwned", live: undefined, controller };
    if (live.metadata.annotations?.[DESIRED_HASH_ANNOTATION] === hash && isSubset(withHash, live)) {
      return { outcome: "Unchanged", live };
    }
  }
  const applied = await context.client.apply<T>(resource, withHash, context.fieldManager);
  return { outcome: live ? "Updated" : "Created", live: applied };
}

/**
 * Deletes children of `resource` that this owner controls but no longer wants. Only objects in the cache (which
 * is filtered to loco's labels) and controlled by this owner's uid qualify; the delete carries a uid
 * precondition so a same-named replacement is never removed.
 */
export async function pruneChildren<T extends KubeObject>(
  context: ChildContext,
  resource: ResourceType,
  cache: Informer<T>,
  wanted: ReadonlySet<string>,
): Promise<string[]> {
  const ownerUid = context.owner.metadata.uid;
  if (!ownerUid) return [];
  const pruned: string[] = [];
  for (const child of cache.byIndex(OWNER_INDEX, ownerUid)) {
    const key = keyOf(child);
    if (wanted.has(key) || child.metadata.deletionTimestamp) continue;
    await context.client.delete(resource, child.metadata.namespace, child.metadata.name ?? "", {
      uid: child.metadata.uid,
    });
    pruned.push(key);
  }
  return pruned;
}
