// The controller's time budget: a reconcile that never ends must not hold the controller, is backed off, never
// overlaps a second reconcile of its key, and is reported on the object through the reconciler's hook.
import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../kube/logger.ts";
import { OperatorMetrics } from "../../kube/metrics.ts";
import { Controller, type ReconcileFn, ReconcileTimeoutError } from "./controller.ts";

const controllers: Controller[] = [];
afterEach(async () => {
  await Promise.all(controllers.splice(0).map((c) => c.stop()));
});

function startController(
  reconcile: ReconcileFn,
  options: Partial<ConstructorParameters<typeof Controller>[0]> = {},
): { controller: Controller; metrics: OperatorMetrics } {
  const metrics = new OperatorMetrics({ processMetrics: false });
  const controller = new Controller({
    name: "test",
    reconcile,
    metrics,
    log: silentLogger,
    concurrency: 1,
    reconcileTimeoutMs: 100,
    baseDelayMs: 200,
    ...options,
  });
  controllers.push(controller);
  controller.start();
  return { controller, metrics };
}

const never = () => new Promise<undefined>(() => {});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, predicate: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

async function counterValue(metrics: OperatorMetrics, name: string, labels: Record<string, string>) {
  const metric = await metrics.registry.getSingleMetric(name)?.get();
  return metric?.values.find((v) => Object.entries(labels).every(([k, value]) => v.labels[k] === value))?.value ?? 0;
}

describe("a reconcile past its time budget", () => {
  it("does not block other keys, even with a single worker", { timeout: 10_000 }, async () => {
    const done: string[] = [];
    const { controller } = startController(async (key) => {
      if (key === "acme-dev/hostile") return never();
      done.push(key);
      return undefined;
    });
    controller.enqueue("acme-dev/hostile");
    const healthy = Array.from({ length: 50 }, (_, i) => `globex-dev/app-${i}`);
    for (const key of healthy) controller.enqueue(key);
    await until("every healthy key reconciled", () => healthy.every((key) => done.includes(key)));
  });

  it("aborts the signal it gave the reconcile, counts the timeout and tells the reconciler's hook", async () => {
    let signal: AbortSignal | undefined;
    const reported: [string, number][] = [];
    const { controller, metrics } = startController(
      async (_key, given) => {
        signal = given;
        return never();
      },
      {
        onReconcileTimeout: async (key, budgetMs) => {
          reported.push([key, budgetMs]);
        },
      },
    );
    controller.enqueue("acme-dev/hostile");
    await until("the hook to be told", () => reported.length > 0);
    expect(reported[0]).toEqual(["acme-dev/hostile", 100]);
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBeInstanceOf(ReconcileTimeoutError);
    expect(await counterValue(metrics, "loco_operator_reconcile_timeouts_total", { controller: "test" })).toBe(1);
    expect(
      await counterValue(metrics, "controller_runtime_reconcile_total", { controller: "test", result: "error" }),
    ).toBe(1);
  });

  it("is retried with exponential backoff, never while the abandoned one still runs", { timeout: 10_000 }, async () => {
    const starts: number[] = [];
    let running = 0;
    let overlapped = false;
    const { controller } = startController(
      async () => {
        starts.push(Date.now());
        running++;
        if (running > 1) overlapped = true;
        // The first attempt outlives its budget (100 ms) by far, then finishes: the retry must wait for it.
        await sleep(starts.length === 1 ? 600 : 300);
        running--;
        return undefined;
      },
      { baseDelayMs: 50 },
    );
    controller.enqueue("acme-dev/slow");
    // Enqueued again meanwhile (an informer event): still no second reconcile while the first runs.
    await sleep(150);
    controller.enqueue("acme-dev/slow");
    await until("three attempts", () => starts.length >= 3);
    expect(overlapped).toBe(false);
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(590);
    // Attempt 2 also ran past the budget (300 ms > 100 ms): its retry waited for it as well.
    expect(starts[2]! - starts[1]!).toBeGreaterThanOrEqual(290);
    expect(controller.queue.failureCount("acme-dev/slow")).toBeGreaterThanOrEqual(2);
  });

  it("backs off a key that keeps timing out, doubling the delay", { timeout: 10_000 }, async () => {
    const starts: number[] = [];
    const { controller } = startController(
      async () => {
        starts.push(Date.now());
        // Settles right after the budget, so only the backoff separates attempts.
        await sleep(120);
        return undefined;
      },
      { baseDelayMs: 200, reconcileTimeoutMs: 100 },
    );
    controller.enqueue("acme-dev/slow");
    await until("three attempts", () => starts.length >= 3, 5000);
    // Attempt k+1 waits for max(backoff 200·2^(k-1) ms after the timeout, the attempt's end).
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(290);
    expect(starts[2]! - starts[1]!).toBeGreaterThanOrEqual(490);
  });
});
