// A keyed work queue with client-go's semantics: a key waiting in the queue is stored once however often it is
// added; a key being processed is never handed to a second worker; a key added while in flight is processed
// again afterwards; failures back off per key exponentially; delayed adds wait on one timer, not one per key, in a
// heap by due time.
import { DueHeap } from "./due-heap.ts";

export interface WorkQueueOptions {
  /** First retry delay after a failure. */
  baseDelayMs?: number;
  /** Retry delays double per consecutive failure up to this cap. */
  maxDelayMs?: number;
  onDepthChange?: (depth: number) => void;
  onAdd?: () => void;
}

export class WorkQueue<K = string> {
  private readonly queue: K[] = [];
  /** Keys waiting in `queue` (dirty) — the set that merges duplicates. */
  private readonly dirty = new Set<K>();
  private readonly processing = new Set<K>();
  /** Keys re-added while processing; queued again when done. */
  private readonly addedWhileProcessing = new Set<K>();
  private readonly failures = new Map<K, number>();
  /** Delayed adds: key → due time (the earliest wins). */
  private readonly delayed = new Map<K, number>();
  /** The same delays by due time. An entry whose due is no longer the key's in `delayed` is stale, skipped when met. */
  private readonly dueOrder = new DueHeap<K>();
  private delayTimer: NodeJS.Timeout | undefined;
  private delayTimerDue = Number.POSITIVE_INFINITY;
  private readonly waiters: ((key: K | undefined) => void)[] = [];
  private readonly enqueuedAt = new Map<K, number>();
  private shuttingDown = false;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  private readonly options: WorkQueueOptions;

  constructor(options: WorkQueueOptions = {}) {
    this.options = options;
    this.baseDelayMs = options.baseDelayMs ?? 5;
    this.maxDelayMs = options.maxDelayMs ?? 1000_000;
  }

  get length(): number {
    return this.queue.length;
  }

  add(key: K): void {
    if (this.shuttingDown) return;
    this.options.onAdd?.();
    if (this.processing.has(key)) {
      this.addedWhileProcessing.add(key);
      return;
    }
    if (this.dirty.has(key)) return;
    this.dirty.add(key);
    this.enqueuedAt.set(key, performance.now());
    const waiter = this.waiters.shift();
    if (waiter) {
      this.dirty.delete(key);
      this.processing.add(key);
      waiter(key);
    } else {
      this.queue.push(key);
      this.options.onDepthChange?.(this.queue.length);
    }
  }

  /** Adds the key after `delayMs` (an earlier pending delay for the same key wins). */
  addAfter(key: K, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const due = Date.now() + delayMs;
    const existing = this.delayed.get(key);
    if (existing !== undefined && existing <= due) return;
    this.delayed.set(key, due);
    this.dueOrder.push(key, due);
    this.armDelayTimer(due);
  }

  /** Adds the key after its per-key exponential backoff, and counts the failure. */
  addRateLimited(key: K): number {
    const failures = this.failures.get(key) ?? 0;
    this.failures.set(key, failures + 1);
    const delay = Math.min(this.baseDelayMs * 2 ** failures, this.maxDelayMs);
    this.addAfter(key, delay);
    return delay;
  }

  /** Clears the key's failure count (after a success, or when retrying is pointless). */
  forget(key: K): void {
    this.failures.delete(key);
  }

  failureCount(key: K): number {
    return this.failures.get(key) ?? 0;
  }

  /** Seconds the key waited in the queue before a worker took it (for workqueue_queue_duration_seconds). */
  takeQueueWait(key: K): number | undefined {
    const at = this.enqueuedAt.get(key);
    this.enqueuedAt.delete(key);
    return at === undefined ? undefined : (performance.now() - at) / 1000;
  }

  /** Waits for the next key; resolves undefined once the queue shuts down. Callers must call done(key). */
  get(): Promise<K | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) {
      this.dirty.delete(key);
      this.processing.add(key);
      this.options.onDepthChange?.(this.queue.length);
      return Promise.resolve(key);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  done(key: K): void {
    this.processing.delete(key);
    if (this.addedWhileProcessing.delete(key)) this.add(key);
  }

  /** True while any key is being processed or waits on a delay. */
  get busy(): boolean {
    return this.processing.size > 0 || this.delayed.size > 0;
  }

  isProcessing(key: K): boolean {
    return this.processing.has(key);
  }

  shutDown(): void {
    this.shuttingDown = true;
    clearTimeout(this.delayTimer);
    this.delayed.clear();
    this.dueOrder.clear();
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }

  private armDelayTimer(due: number): void {
    if (due >= this.delayTimerDue) return;
    clearTimeout(this.delayTimer);
    this.delayTimerDue = due;
    this.delayTimer = setTimeout(() => this.releaseDue(), Math.max(0, due - Date.now()));
    this.delayTimer.unref();
  }

  private releaseDue(): void {
    this.delayTimerDue = Number.POSITIVE_INFINITY;
    const now = Date.now();
    for (let next = this.dueOrder.peek(); next !== undefined; next = this.dueOrder.peek()) {
      const current = this.delayed.get(next.key) === next.due;
      if (current && next.due > now) {
        this.armDelayTimer(next.due);
        return;
      }
      this.dueOrder.pop();
      if (!current) continue;
      this.delayed.delete(next.key);
      this.add(next.key);
    }
  }
}
