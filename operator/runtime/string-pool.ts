// One copy of each repeated string in the operator's caches. JSON.parse makes a new string for every value, so a
// cache of thousands of objects holds thousands of copies of the same apiVersions, namespaces, label values, owner
// uids, condition reasons and pod-template defaults: a sixth of the operator's live heap at 1,000 Apps
// (docs/performance.md, "Memory"). Cached objects are read, never written in place, so sharing their strings is safe.

/** Values under these keys are unique per object and version: pooling them would only grow the pool. */
const UNIQUE_KEYS = new Set(["resourceVersion", "creationTimestamp", "lastTransitionTime", "lastUpdateTime"]);
/** Never pooled: a Secret's values must not outlive the Secret in a pool. */
const PRIVATE_KEYS = new Set(["data", "stringData"]);
/** Longer strings are rarely repeated (messages with names in them, data) and cost the pool more than they save. */
const MAX_POOLED_LENGTH = 128;

/**
 * A bounded pool in two generations. The current one becomes the previous one when it is full or older than
 * `generationMs`, and strings seen in neither are added to a fresh one: a string seen again while its generation is
 * the previous one is carried over. What the caches still hold keeps its copy; the pool only forgets strings no
 * longer seen. The age limit is what keeps the pool small under churn: values that change with every write (a new
 * timeout, a ReplicaSet's name in a condition message) would otherwise fill both generations, 200,000 strings of
 * garbage, over the better part of an hour (a heap that looked like a leak in the soak), while the strings shared
 * by many objects are seen again within minutes and stay.
 */
export class StringPool {
  private current = new Map<string, string>();
  private previous = new Map<string, string>();
  private generationStarted: number;

  private readonly generationSize: number;
  private readonly generationMs: number;
  private readonly now: () => number;

  constructor(options: { generationSize?: number; generationMs?: number; now?: () => number } = {}) {
    this.generationSize = options.generationSize ?? 100_000;
    this.generationMs = options.generationMs ?? 120_000;
    this.now = options.now ?? (() => performance.now());
    this.generationStarted = this.now();
  }

  intern(value: string): string {
    if (value.length > MAX_POOLED_LENGTH) return value;
    const found = this.current.get(value);
    if (found !== undefined) return found;
    const old = this.previous.get(value);
    if (this.current.size >= this.generationSize || this.now() - this.generationStarted >= this.generationMs) {
      this.previous = this.current;
      this.current = new Map();
      this.generationStarted = this.now();
    }
    this.current.set(value, old ?? value);
    return old ?? value;
  }

  /** Replaces, in place, every poolable string in `value` (objects and arrays, keys left as they are) by its pooled copy. */
  internAll<T>(value: T): T {
    this.walk(value as unknown);
    return value;
  }

  /** Whether the pool holds `value` now (in either generation). */
  has(value: string): boolean {
    return this.current.has(value) || this.previous.has(value);
  }

  get size(): number {
    return this.current.size + this.previous.size;
  }

  private walk(value: unknown): void {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const item = value[i];
        if (typeof item === "string") value[i] = this.intern(item);
        else if (item !== null && typeof item === "object") this.walk(item);
      }
      return;
    }
    if (value === null || typeof value !== "object") return;
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (PRIVATE_KEYS.has(key)) continue;
      const item = record[key];
      if (typeof item === "string") {
        if (!UNIQUE_KEYS.has(key)) record[key] = this.intern(item);
      } else if (item !== null && typeof item === "object") this.walk(item);
    }
  }
}

/** The pool every informer of this process shares: the same strings repeat across kinds (names, namespaces, uids). */
export const cacheStrings = new StringPool();
