// Read-your-own-status-writes for a reconciler that reads its object from an informer cache.
//
// A status write returns as soon as the apiserver has stored it; the watch event that brings the new object into
// the cache comes later (under load, seconds later), and meanwhile other events (a child's) enqueue the key again.
// A reconcile of that stale copy repeats what the written status already records: the App's canary rollout was
// started twice, once per stale read. So, as controller-runtime users do with "expectations": after a status write
// answered with resourceVersion R, the key's reconciles wait until the cache has shown R. The informer delivers an
// object's versions in order, so once R was delivered every copy the cache holds is R or newer.
//
// Resource versions are opaque strings: they are compared only for equality, never ordered. A version the cache
// showed while the write was in flight counts (the watch event can beat the write's answer). Bounded: a relist can
// jump past R (the watch broke in between) and an event can be lost, so after `timeoutMs` without R the reconciler
// reads the object from the apiserver instead of waiting longer (freshness() says "get").
import { type KubeObject, keyOf, type ObjectKey } from "../../kube/types.ts";

/** What a reconcile of a key may act on now. */
export type Freshness =
  | { act: "cache" }
  /** The cache has not shown the last status write yet: reconcile again after `waitMs` (or on the watch event). */
  | { act: "wait"; waitMs: number }
  /** Waited `timeoutMs` in vain: read the object from the apiserver. */
  | { act: "get" };

/** How long a key waits for its written status to reach the cache before it is read from the apiserver. */
export const STATUS_EXPECTATION_TIMEOUT_MS = 5_000;

interface Pending {
  resourceVersion: string;
  sinceMs: number;
}

export class StatusExpectations {
  private readonly pending = new Map<ObjectKey, Pending>();
  /** Per key with a write in flight: the resourceVersions the cache showed meanwhile. */
  private readonly writing = new Map<ObjectKey, Set<string>>();
  private readonly timeoutMs: number;
  private readonly nowMs: () => number;

  constructor(options: { timeoutMs?: number; nowMs?: () => number } = {}) {
    this.timeoutMs = options.timeoutMs ?? STATUS_EXPECTATION_TIMEOUT_MS;
    this.nowMs = options.nowMs ?? Date.now;
  }

  /** Informer handler: the cache now holds `object` (call for every upsert of the kind). */
  observed(object: KubeObject): void {
    const key = keyOf(object);
    const version = object.metadata.resourceVersion;
    if (!version) return;
    this.writing.get(key)?.add(version);
    if (this.pending.get(key)?.resourceVersion === version) this.pending.delete(key);
  }

  /** Informer handler: the object is gone; nothing of it is awaited any more. */
  deleted(object: KubeObject): void {
    this.pending.delete(keyOf(object));
  }

  /**
   * Wraps one status write of `key`: `write` answers the object the apiserver stored, or undefined when nothing was
   * written. A write that fails leaves no expectation (the next reconcile reads whatever the cache has).
   */
  async around<T extends KubeObject | undefined>(key: ObjectKey, write: () => Promise<T>): Promise<T> {
    const seen = new Set<string>();
    this.writing.set(key, seen);
    try {
      const stored = await write();
      const version = stored?.metadata.resourceVersion;
      if (version && !seen.has(version)) this.pending.set(key, { resourceVersion: version, sinceMs: this.nowMs() });
      else if (version) this.pending.delete(key);
      return stored;
    } finally {
      if (this.writing.get(key) === seen) this.writing.delete(key);
    }
  }

  /** Whether a reconcile of `key` may act on the cached copy (`cachedVersion` undefined: not in the cache). */
  freshness(key: ObjectKey, cachedVersion: string | undefined): Freshness {
    const pending = this.pending.get(key);
    if (!pending) return { act: "cache" };
    if (cachedVersion === pending.resourceVersion) {
      this.pending.delete(key);
      return { act: "cache" };
    }
    const waitMs = pending.sinceMs + this.timeoutMs - this.nowMs();
    if (waitMs > 0) return { act: "wait", waitMs };
    this.pending.delete(key);
    return { act: "get" };
  }

  /** Keys still waiting (diagnostics and tests). */
  get size(): number {
    return this.pending.size;
  }
}

/** The object a reconcile acts on: the cached copy, or a fresh one from the apiserver, or a wait. */
export type FreshRead<T extends KubeObject> = { object: T | undefined } | { waitMs: number };

/**
 * Reads `key` for a reconcile: the cached copy unless it predates the key's last status write; then wait for the
 * watch event, or past the bound read the object from the apiserver (`get` answers undefined when it is gone).
 */
export async function readFresh<T extends KubeObject>(
  expectations: StatusExpectations,
  key: ObjectKey,
  cached: T | undefined,
  get: () => Promise<T | undefined>,
): Promise<FreshRead<T>> {
  const freshness = expectations.freshness(key, cached?.metadata.resourceVersion);
  if (freshness.act === "cache") return { object: cached };
  if (freshness.act === "wait") return { waitMs: freshness.waitMs };
  return { object: await get() };
}

/** Feeds an informer's events to `expectations` (add before the informer starts, or at least before writes). */
export function expectationHandlers(expectations: StatusExpectations) {
  return {
    onUpsert: (object: KubeObject) => expectations.observed(object),
    onDelete: (object: KubeObject) => expectations.deleted(object),
  };
}
