// The loop around one reconciler: informers feed keys into a work queue; workers call `reconcile(key)`.
// Reconcile gets only the key (never the event) and must read the world itself: level-triggered by construction.
//
// Every reconcile runs against a time budget. All reconcilers share one event loop, so a reconcile that awaits
// something that never ends (a request with no answer, a lock never released) would otherwise hold its worker
// for ever, and enough of them stop the controller. When the budget runs out the worker moves on: the signal
// passed to reconcile aborts, the key backs off exponentially, the timeout is counted
// (loco_operator_reconcile_timeouts_total) and the reconciler's onReconcileTimeout hook writes ReconcileTimeout on
// the object's summary condition. The key stays "in flight" until the abandoned reconcile settles, so two
// reconciles of one key never overlap. What the budget cannot do is pre-empt synchronous work: a loop that never
// yields blocks the whole process and no timer fires. Code on the reconcile path must therefore be bounded by
// construction (the trigger schedules are: operator/reconcilers/pipeline/schedule.ts).

import { KubeApiError } from "../../kube/kube-client.ts";
import type { Logger } from "../../kube/logger.ts";
import type { OperatorMetrics } from "../../kube/metrics.ts";
import { type ReconcileOutcome, startReconcileTrace, type TenantOf } from "../../kube/telemetry.ts";
import { controllerOf, type KubeObject, keyOf, type ObjectKey } from "../../kube/types.ts";
import type { Informer } from "./informer.ts";
import { WorkQueue } from "./work-queue.ts";

/** The user must change something (spec or a dependency) before retrying can help: no backoff loop. */
export class TerminalError extends Error {
  override name = "TerminalError";
  readonly reason: string;
  constructor(reason: string, message: string) {
    super(message);
    this.reason = reason;
  }
}

export interface ReconcileResult {
  /** Reconcile again after this long even if nothing changes (e.g. waiting on time). */
  requeueAfterMs?: number;
}

/** `signal` aborts when the reconcile has run past its budget and was abandoned: stop, and write nothing more. */
export type ReconcileFn = (key: ObjectKey, signal: AbortSignal) => Promise<ReconcileResult | undefined>;

/** The reason a reconcile's signal aborts with when it runs past its budget. */
export class ReconcileTimeoutError extends Error {
  override name = "ReconcileTimeoutError";
  readonly budgetMs: number;
  constructor(budgetMs: number) {
    super(`The reconcile took longer than its budget of ${budgetMs} ms and was abandoned.`);
    this.budgetMs = budgetMs;
  }
}

/** The default budget of one reconcile (operator flag --reconcile-timeout). */
export const DEFAULT_RECONCILE_TIMEOUT_MS = 60_000;

export interface ControllerOptions {
  name: string;
  reconcile: ReconcileFn;
  metrics: OperatorMetrics;
  log: Logger;
  /** Workers reconciling different keys in parallel. */
  concurrency?: number;
  /** Every primary key is reconciled at about this interval (drift that raised no event is repaired). */
  resyncMs?: number;
  /** Retry backoff for failures: first delay and cap. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /**
   * Whether the caches can be trusted to act on; while false (a cache is relisting after an outage or after the
   * cluster changed identity), keys wait instead of being reconciled against stale state.
   */
  ready?: () => boolean;
  /** Names a namespace's tenant for telemetry (the loco.tenant attribute); also settable after construction. */
  tenantOf?: TenantOf;
  /** Longest one reconcile may take before it is abandoned and backed off (default 60 s). */
  reconcileTimeoutMs?: number;
  /**
   * Called once a reconcile of `key` was abandoned: the reconciler records it on the object (summary condition,
   * reason ReconcileTimeout). Runs under the same budget; its failures are logged, not retried.
   */
  onReconcileTimeout?: (key: ObjectKey, budgetMs: number, signal: AbortSignal) => Promise<void>;
}

const expired = Symbol("expired");

export class Controller {
  readonly queue: WorkQueue<ObjectKey>;
  private readonly primaries: Informer[] = [];
  private workers: Promise<void>[] = [];
  private resyncTimer: NodeJS.Timeout | undefined;
  private readonly labels: { controller: string };
  private readonly queueLabels: { name: string; controller: string };

  private readonly options: ControllerOptions;
  /** Names a namespace's tenant on spans and OTLP metrics (operator.ts sets it for every controller). */
  tenantOf: TenantOf | undefined;

  constructor(options: ControllerOptions) {
    this.options = options;
    this.tenantOf = options.tenantOf;
    this.labels = { controller: options.name };
    this.queueLabels = { name: options.name, controller: options.name };
    this.queue = new WorkQueue<ObjectKey>({
      baseDelayMs: options.baseDelayMs ?? 5,
      maxDelayMs: options.maxDelayMs ?? 300_000,
      onDepthChange: (depth) => options.metrics.workqueueDepth.set(this.queueLabels, depth),
      onAdd: () => options.metrics.workqueueAdds.inc(this.queueLabels),
    });
  }

  get name(): string {
    return this.options.name;
  }

  enqueue(key: ObjectKey): void {
    this.queue.add(key);
  }

  enqueueAfter(key: ObjectKey, delayMs: number): void {
    this.queue.addAfter(key, delayMs);
  }

  /** Every change to an object of the primary kind enqueues its own key. */
  watchPrimary(informer: Informer): this {
    this.primaries.push(informer);
    informer.addHandlers({
      onUpsert: (object) => this.enqueue(keyOf(object)),
      onDelete: (object) => this.enqueue(keyOf(object)),
    });
    return this;
  }

  /** A change to a child enqueues the key of its controlling owner of kind `ownerKind` (same namespace). */
  watchOwned(informer: Informer, ownerKind: string): this {
    const enqueueOwner = (object: KubeObject) => {
      const owner = controllerOf(object);
      if (owner?.kind !== ownerKind) return;
      const namespace = object.metadata.namespace;
      const key = namespace ? `${namespace}/${owner.name}` : owner.name;
      // Only owners this controller has: a child of an owner missing from its cache belongs to another shard's
      // operator (the children caches are not sharded), and reconciling it would cost a GET per child event; an
      // owner that was deleted was enqueued by its own delete.
      if (this.primaries.some((primary) => primary.get(key) !== undefined)) this.enqueue(key);
    };
    informer.addHandlers({ onUpsert: enqueueOwner, onDelete: enqueueOwner });
    return this;
  }

  /** A change to a related object enqueues whatever keys `map` names (e.g. Profile → the Apps using it). */
  watchMapped<T extends KubeObject>(
    informer: Informer<T>,
    map: (object: T, previous?: T) => Iterable<ObjectKey>,
  ): this {
    informer.addHandlers({
      onUpsert: (object, previous) => {
        for (const key of map(object, previous)) this.enqueue(key);
      },
      onDelete: (object) => {
        for (const key of map(object)) this.enqueue(key);
      },
    });
    return this;
  }

  start(): void {
    const concurrency = this.options.concurrency ?? 4;
    this.options.metrics.maxConcurrentReconciles.set(this.labels, concurrency);
    this.workers = Array.from({ length: concurrency }, () => this.work());
    const resyncMs = this.options.resyncMs;
    if (resyncMs && resyncMs > 0) {
      const tick = () => {
        this.resync();
        // Jitter spreads resyncs of several controllers and replicas.
        this.resyncTimer = setTimeout(tick, resyncMs * (0.9 + Math.random() * 0.2));
        this.resyncTimer.unref();
      };
      this.resyncTimer = setTimeout(tick, resyncMs);
      this.resyncTimer.unref();
    }
  }

  /** Enqueues every primary object: the level-triggered safety net. */
  resync(): void {
    for (const informer of this.primaries) for (const key of informer.keys()) this.enqueue(key);
  }

  async stop(): Promise<void> {
    clearTimeout(this.resyncTimer);
    this.queue.shutDown();
    await Promise.all(this.workers);
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      const waited = this.queue.takeQueueWait(key);
      if (waited !== undefined) this.options.metrics.workqueueQueueDuration.observe(this.queueLabels, waited);
      let settled = true;
      try {
        settled = await this.reconcileOne(key);
      } finally {
        // An abandoned reconcile releases its key itself, when it settles (see reconcileOne).
        if (settled) this.queue.done(key);
      }
    }
  }

  /** False when the reconcile was abandoned: the key is then released once it settles, not by the worker. */
  private async reconcileOne(key: ObjectKey): Promise<boolean> {
    const { metrics, log } = this.options;
    if (this.options.ready && !this.options.ready()) {
      this.queue.addAfter(key, 250);
      return true;
    }
    metrics.activeWorkers.inc(this.labels);
    const started = performance.now();
    // The span and OTLP metrics of this reconcile (the no-op API when telemetry is off).
    const traced = startReconcileTrace(this.options.name, key, this.tenantOf);
    let outcome: ReconcileOutcome = "error";
    let failure: unknown;
    const budgetMs = this.options.reconcileTimeoutMs ?? DEFAULT_RECONCILE_TIMEOUT_MS;
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    // A reconcile that throws before its first await becomes a rejected attempt like any other failure.
    const attempt = new Promise<ReconcileResult | undefined>((resolve) =>
      resolve(traced.run(() => this.options.reconcile(key, abort.signal))),
    );
    try {
      const raced = await Promise.race([
        attempt,
        new Promise<typeof expired>((resolve) => {
          timer = setTimeout(() => resolve(expired), budgetMs);
        }),
      ]);
      if (raced === expired) {
        failure = new ReconcileTimeoutError(budgetMs);
        abort.abort(failure);
        this.abandon(key, attempt, budgetMs);
        return false;
      }
      const result = raced ?? {};
      this.queue.forget(key);
      if (result.requeueAfterMs !== undefined) {
        outcome = "requeue_after";
        metrics.reconcileTotal.inc({ ...this.labels, result: "requeue_after" });
        this.queue.addAfter(key, result.requeueAfterMs);
      } else {
        outcome = "success";
        metrics.reconcileTotal.inc({ ...this.labels, result: "success" });
      }
    } catch (error) {
      failure = error;
      if (error instanceof TerminalError) {
        metrics.reconcileTotal.inc({ ...this.labels, result: "error" });
        metrics.terminalReconcileErrors.inc(this.labels);
        this.queue.forget(key);
        log.info({ key, reason: error.reason, err: error.message }, "Reconcile stopped on a terminal error");
      } else if (error instanceof KubeApiError && error.isConflict) {
        // Someone else wrote first; the next pass reads their write. Not worth an error log (nor a failed span).
        outcome = "requeue";
        failure = undefined;
        metrics.reconcileTotal.inc({ ...this.labels, result: "requeue" });
        this.queue.addRateLimited(key);
        metrics.workqueueRetries.inc(this.queueLabels);
      } else {
        metrics.reconcileTotal.inc({ ...this.labels, result: "error" });
        metrics.reconcileErrors.inc(this.labels);
        const delay = this.queue.addRateLimited(key);
        metrics.workqueueRetries.inc(this.queueLabels);
        log.warn(
          { key, err: error instanceof Error ? error.message : String(error), retryInMs: delay },
          "Reconcile failed, retrying",
        );
      }
    } finally {
      clearTimeout(timer);
      traced.end(outcome, failure);
      const seconds = (performance.now() - started) / 1000;
      metrics.reconcileTime.observe(this.labels, seconds);
      metrics.workqueueWorkDuration.observe(this.queueLabels, seconds);
      metrics.activeWorkers.dec(this.labels);
    }
    return true;
  }

  /**
   * Gives up on a reconcile that ran past its budget: the worker moves on, the key backs off, and the object is
   * told. The key stays in flight (the queue hands it to no one) until the abandoned reconcile settles.
   */
  private abandon(key: ObjectKey, attempt: Promise<unknown>, budgetMs: number): void {
    const { metrics, log } = this.options;
    metrics.reconcileTotal.inc({ ...this.labels, result: "error" });
    metrics.reconcileErrors.inc(this.labels);
    metrics.reconcileTimeouts.inc(this.labels);
    const retryInMs = this.queue.addRateLimited(key);
    metrics.workqueueRetries.inc(this.queueLabels);
    log.warn({ key, budgetMs, retryInMs }, "Abandoned a reconcile that exceeded its time budget");
    void attempt
      .then(
        () => log.info({ key }, "Abandoned reconcile finished late"),
        (error: unknown) =>
          log.info(
            { key, err: error instanceof Error ? error.message : String(error) },
            "Abandoned reconcile failed late",
          ),
      )
      .finally(() => this.queue.done(key));
    void this.reportTimeout(key, budgetMs);
  }

  private async reportTimeout(key: ObjectKey, budgetMs: number): Promise<void> {
    const hook = this.options.onReconcileTimeout;
    if (!hook) return;
    const signal = AbortSignal.timeout(budgetMs);
    try {
      await Promise.race([
        hook(key, budgetMs, signal),
        new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason), { once: true })),
      ]);
    } catch (error) {
      this.options.log.warn(
        { key, err: error instanceof Error ? error.message : String(error) },
        "Failed to record a reconcile timeout on the object",
      );
    }
  }
}
