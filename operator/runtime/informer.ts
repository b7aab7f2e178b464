// A list+watch cache of one resource type. It survives what real clusters do: `410 Gone` (relist), apiserver
// restarts and broken connections (re-watch from the last resourceVersion, relist if that is too old), and
// silent half-open connections (no event or bookmark within `idleTimeoutMs` → reconnect).
// Handlers receive every change; the reconcile contract means they only ever enqueue keys.
import { setTimeout as sleep } from "node:timers/promises";
import { KubeApiError, type KubeClient, METADATA_LIST_ACCEPT, METADATA_WATCH_ACCEPT } from "../../kube/kube-client.ts";
import { type KubeObject, keyOf, type ObjectKey, type ResourceType } from "../../kube/types.ts";
import { cacheStrings } from "./string-pool.ts";

export interface InformerHandlers<T extends KubeObject> {
  /** An object was added or changed (`previous` undefined when new to the cache). */
  onUpsert?(object: T, previous: T | undefined): void;
  onDelete?(object: T): void;
}

export interface InformerOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Page size for lists (bounded memory per response). */
  pageSize?: number;
  /** Reconnect when the watch has been silent this long (bookmarks arrive about every minute). */
  idleTimeoutMs?: number;
  /** Server-side watch timeout; watches end and are re-established at about this interval. */
  watchTimeoutSeconds?: number;
  /**
   * A watch that streamed this long before it broke proves the server was healthy until then: the failure starts a
   * new outage, backed off from the shortest delay again (default 10 s).
   */
  healthyWatchMs?: number;
  log?: (level: "info" | "warn", message: string, fields?: Record<string, unknown>) => void;
  /** Cache metadata only (PartialObjectMetadata): enough to know what exists and who owns it, at a fraction of the memory. */
  metadataOnly?: boolean;
  /**
   * What to keep of each object's managedFields (default: nothing). The App cache keeps a summary of who last wrote
   * the spec, from which the mirror tells a change made outside the API (db/external-change.ts).
   */
  keepManagedFields?: (entries: unknown[]) => unknown[];
  /**
   * Annotations not kept in the cache, for caches whose readers never look at them: kubectl's last-applied
   * configuration repeats the whole object (a Secret's data included) in every object `kubectl apply` wrote.
   */
  dropAnnotations?: readonly string[];
  /** Keeps only what the cache's readers use of each object (applied before anything else is cached). */
  slim?: (object: KubeObject) => KubeObject;
}

function stripForCache<T extends KubeObject>(received: T, options: InformerOptions): T {
  const object = (options.slim ? options.slim(received) : received) as T;
  // managedFields are often the largest part of an object and the runtime never reads them.
  const entries = object.metadata.managedFields;
  if (entries) {
    if (options.keepManagedFields) object.metadata.managedFields = options.keepManagedFields(entries);
    else delete object.metadata.managedFields;
  }
  const annotations = object.metadata.annotations;
  if (annotations && options.dropAnnotations) for (const name of options.dropAnnotations) delete annotations[name];
  return cacheStrings.internAll(object);
}

export type IndexFn<T> = (object: T) => readonly string[];

export class Informer<T extends KubeObject = KubeObject> {
  private readonly store = new Map<ObjectKey, T>();
  private readonly handlers: InformerHandlers<T>[] = [];
  /** Secondary indexes: name → (index value → keys), kept in step with the store. */
  private readonly indexFns = new Map<string, IndexFn<T>>();
  private readonly indexes = new Map<string, Map<string, Set<ObjectKey>>>();
  private resourceVersion = "";
  /**
   * Counts invalidate() calls. A list or watch that began before one must not leave its resourceVersion or mark the
   * store fresh: its answer may come from the cluster that went away, and the cache would stay stale for good.
   */
  private invalidations = 0;
  private readonly abort = new AbortController();
  private synced = false;
  /** The store reflects the server: false from an invalidation or a failed watch resume until the next relist. */
  private fresh = false;
  private connection: AbortController | undefined;
  private syncWaiters: (() => void)[] = [];
  private running: Promise<void> | undefined;
  /** Counters for tests and diagnostics. */
  readonly stats = {
    lists: 0,
    /** Requests the lists sent (one per page). */
    listPages: 0,
    watches: 0,
    relistsAfterGone: 0,
    relistsAfterErrors: 0,
    idleReconnects: 0,
    errors: 0,
    shortWatches: 0,
  };

  private readonly client: KubeClient;
  readonly resource: ResourceType;
  private readonly options: InformerOptions;

  constructor(client: KubeClient, resource: ResourceType, options: InformerOptions = {}) {
    this.client = client;
    this.resource = resource;
    this.options = options;
  }

  addHandlers(handlers: InformerHandlers<T>): void {
    this.handlers.push(handlers);
  }

  get(key: ObjectKey): T | undefined {
    return this.store.get(key);
  }

  /** Adds a secondary index (e.g. children by owner uid); add indexes before start(). */
  addIndex(name: string, fn: IndexFn<T>): void {
    this.indexFns.set(name, fn);
    const index = new Map<string, Set<ObjectKey>>();
    this.indexes.set(name, index);
    for (const [key, object] of this.store) for (const value of fn(object)) this.indexAdd(index, value, key);
  }

  /** Objects whose index `name` yields `value`. */
  byIndex(name: string, value: string): T[] {
    const keys = this.indexes.get(name)?.get(value);
    if (!keys) return [];
    const result: T[] = [];
    for (const key of keys) {
      const object = this.store.get(key);
      if (object) result.push(object);
    }
    return result;
  }

  private indexAdd(index: Map<string, Set<ObjectKey>>, value: string, key: ObjectKey): void {
    let keys = index.get(value);
    if (!keys) {
      keys = new Set();
      index.set(value, keys);
    }
    keys.add(key);
  }

  private storeSet(key: ObjectKey, object: T): void {
    this.storeDelete(key);
    this.store.set(key, object);
    for (const [name, fn] of this.indexFns) {
      const index = this.indexes.get(name)!;
      for (const value of fn(object)) this.indexAdd(index, value, key);
    }
  }

  private storeDelete(key: ObjectKey): void {
    const old = this.store.get(key);
    if (!old) return;
    this.store.delete(key);
    for (const [name, fn] of this.indexFns) {
      const index = this.indexes.get(name)!;
      for (const value of fn(old)) {
        const keys = index.get(value);
        keys?.delete(key);
        if (keys?.size === 0) index.delete(value);
      }
    }
  }

  list(): T[] {
    return [...this.store.values()];
  }

  keys(): ObjectKey[] {
    return [...this.store.keys()];
  }

  get size(): number {
    return this.store.size;
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  /** Synced and not known to be stale (readers can trust it to act). */
  get isFresh(): boolean {
    return this.synced && this.fresh;
  }

  /**
   * Forgets the resourceVersion and relists now: for when the cluster behind the cache changed identity (etcd
   * restored or wiped), where a resumed watch could silently skip everything.
   */
  invalidate(): void {
    this.fresh = false;
    this.resourceVersion = "";
    this.invalidations++;
    this.connection?.abort();
  }

  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  start(): void {
    this.running ??= this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running?.catch(() => {});
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  private log(level: "info" | "warn", message: string, fields: Record<string, unknown> = {}): void {
    this.options.log?.(level, message, { kind: this.resource.kind, ...fields });
  }

  private async run(): Promise<void> {
    let failures = 0;
    let shortWatches = 0;
    let watchStarted: number | undefined;
    while (!this.stopped) {
      try {
        watchStarted = undefined;
        if (!this.resourceVersion) {
          await this.relist();
          // The list was invalidated while it ran: list again rather than watch from nothing.
          if (!this.resourceVersion) continue;
        }
        watchStarted = Date.now();
        await this.watchOnce();
        // Reset only once a watch worked: a list that works and a watch that keeps failing must still back off.
        failures = 0;
        // A watch that ends at once, again and again, would be a hot loop of requests: back off instead.
        if (Date.now() - watchStarted < 1000) {
          shortWatches++;
          this.stats.shortWatches++;
          if (shortWatches > 1) {
            await sleep(Math.min(500 * 2 ** (shortWatches - 2), 30_000), undefined, {
              signal: this.abort.signal,
            }).catch(() => {});
          }
        } else {
          shortWatches = 0;
        }
      } catch (error) {
        if (this.stopped) return;
        if (error instanceof KubeApiError && error.isGone) {
          this.stats.relistsAfterGone++;
          this.log("info", "Watch expired (410 Gone), relisting");
          this.resourceVersion = "";
          continue;
        }
        this.stats.errors++;
        // Watches end with an error far more often than cleanly (every apiserver restart or rollout breaks them
        // mid-stream), so counting on from the last outage would leave the informer blind for up to the 30 s cap
        // after the apiserver's next routine restart.
        if (watchStarted !== undefined && Date.now() - watchStarted >= (this.options.healthyWatchMs ?? 10_000)) {
          failures = 0;
        }
        failures++;
        // After a failed watch, relist rather than resume. Our resourceVersion may mean nothing to the server any
        // more: etcd was restored or wiped (the new cluster's versions may already be past ours, so a resumed watch
        // would silently skip everything), the kind went away, or events were compacted during the outage. A
        // relist of unchanged objects emits nothing, so after a plain apiserver restart it costs one list.
        if (this.resourceVersion) {
          this.stats.relistsAfterErrors++;
          this.resourceVersion = "";
          this.fresh = false;
        }
        // Back off on repeated failures (apiserver down): 0.2 s doubling to 30 s, with jitter.
        // A kind that is not served (its CRD is missing) is retried more often: it comes back when the CRD is
        // installed, and the operator should notice within seconds, not half a minute.
        const cap = error instanceof KubeApiError && error.isNotFound ? 5_000 : 30_000;
        const delay = Math.min(200 * 2 ** (failures - 1), cap) * (0.8 + Math.random() * 0.4);
        this.log("warn", "List/watch failed, retrying", { error: String(error), retryInMs: Math.round(delay) });
        await sleep(delay, undefined, { signal: this.abort.signal }).catch(() => {});
      }
    }
  }

  /** Lists everything (paged) and replaces the store, emitting the difference as upserts and deletes. */
  private async relist(): Promise<void> {
    this.stats.lists++;
    const invalidations = this.invalidations;
    const fresh = new Map<ObjectKey, T>();
    let continueToken: string | undefined;
    let listVersion = "";
    do {
      let page: Awaited<ReturnType<typeof this.client.list<T>>>;
      this.stats.listPages++;
      try {
        page = await this.client.list<T>(
          this.resource,
          this.options.namespace,
          {
            labelSelector: this.options.labelSelector,
            fieldSelector: this.options.fieldSelector,
            limit: this.options.pageSize ?? 500,
            continue: continueToken,
          },
          this.abort.signal,
          this.options.metadataOnly ? METADATA_LIST_ACCEPT : undefined,
        );
      } catch (error) {
        // The kind is not served (its CRD is missing or was deleted): it has no objects. Say so to the handlers,
        // then let the caller back off and retry until it is served again.
        if (error instanceof KubeApiError && error.isNotFound && continueToken === undefined) {
          this.replaceStore(new Map());
          this.fresh = true;
        }
        throw error;
      }
      // A PartialObjectMetadataList with no items says `items: null`.
      for (const item of page.items ?? []) {
        // List items omit apiVersion/kind; restore them so handlers see complete objects.
        item.apiVersion ??= page.apiVersion;
        item.kind ??= this.resource.kind;
        if (this.options.metadataOnly) item.kind = this.resource.kind;
        fresh.set(keyOf(item), stripForCache(item, this.options));
      }
      continueToken = page.metadata.continue || undefined;
      listVersion = page.metadata.resourceVersion ?? "";
    } while (continueToken);

    this.replaceStore(fresh);
    // Invalidated meanwhile (a handler of replaceStore may be the one that did): list again before trusting it.
    if (this.invalidations !== invalidations) return;
    this.resourceVersion = listVersion;
    this.fresh = true;
  }

  /** Makes the store equal `fresh`, emitting the difference as upserts and deletes; marks the cache synced. */
  private replaceStore(fresh: Map<ObjectKey, T>): void {
    const previous = new Map(this.store);
    for (const key of previous.keys()) if (!fresh.has(key)) this.storeDelete(key);
    for (const [key, object] of fresh) this.storeSet(key, object);
    for (const [key, object] of fresh) {
      const old = previous.get(key);
      if (!old || old.metadata.resourceVersion !== object.metadata.resourceVersion) this.emitUpsert(object, old);
    }
    for (const [key, old] of previous) if (!fresh.has(key)) this.emitDelete(old);
    if (!this.synced) {
      this.synced = true;
      for (const resolve of this.syncWaiters.splice(0)) resolve();
    }
  }

  private async watchOnce(): Promise<void> {
    this.stats.watches++;
    const connection = new AbortController();
    this.connection = connection;
    const onStop = () => connection.abort();
    this.abort.signal.addEventListener("abort", onStop, { once: true });
    const idleMs = this.options.idleTimeoutMs ?? 90_000;
    let idleTimer: NodeJS.Timeout | undefined;
    let idled = false;
    const armIdle = () => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        idled = true;
        connection.abort();
      }, idleMs);
      idleTimer.unref();
    };
    armIdle();
    const timeoutSeconds = this.options.watchTimeoutSeconds ?? 240 + Math.floor(Math.random() * 120);
    try {
      const events = this.client.watch<T>(
        this.resource,
        this.options.namespace,
        {
          resourceVersion: this.resourceVersion,
          allowWatchBookmarks: true,
          labelSelector: this.options.labelSelector,
          fieldSelector: this.options.fieldSelector,
          timeoutSeconds,
        },
        connection.signal,
        this.options.metadataOnly ? METADATA_WATCH_ACCEPT : undefined,
      );
      for await (const event of events) {
        // Lines already read before invalidate() aborted the connection still arrive: taking their resourceVersion
        // would resume the watch instead of relisting, with the cache never fresh again.
        if (connection.signal.aborted) break;
        armIdle();
        if (event.type === "ERROR") {
          const status = event.object as unknown as { code?: number; reason?: string; message?: string };
          throw new KubeApiError(status.code ?? 500, status.reason ?? "WatchError", status.message ?? "watch error");
        }
        const object = stripForCache(event.object, this.options);
        if (object.metadata.resourceVersion) this.resourceVersion = object.metadata.resourceVersion;
        if (event.type === "BOOKMARK") continue;
        const key = keyOf(object);
        if (event.type === "DELETED") {
          this.storeDelete(key);
          this.emitDelete(object);
        } else {
          const previous = this.store.get(key);
          this.storeSet(key, object);
          this.emitUpsert(object, previous);
        }
      }
    } catch (error) {
      if (idled) {
        this.stats.idleReconnects++;
        this.log("info", "Watch was silent too long, reconnecting", { idleMs });
        return;
      }
      if (this.stopped) return;
      // Aborted by invalidate(): the run loop relists.
      if (connection.signal.aborted) return;
      throw error;
    } finally {
      clearTimeout(idleTimer);
      this.abort.signal.removeEventListener("abort", onStop);
      connection.abort();
    }
  }

  private emitUpsert(object: T, previous: T | undefined): void {
    for (const handler of this.handlers) {
      try {
        handler.onUpsert?.(object, previous);
      } catch (error) {
        this.log("warn", "An informer handler threw", { error: String(error) });
      }
    }
  }

  private emitDelete(object: T): void {
    for (const handler of this.handlers) {
      try {
        handler.onDelete?.(object);
      } catch (error) {
        this.log("warn", "An informer handler threw", { error: String(error) });
      }
    }
  }
}
