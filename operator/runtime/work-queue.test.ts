import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it, vi } from "vitest";
import { WorkQueue } from "./work-queue.ts";

describe("WorkQueue", () => {
  it("merges duplicate keys waiting in the queue", async () => {
    const queue = new WorkQueue();
    queue.add("a");
    queue.add("b");
    queue.add("a");
    expect(queue.length).toBe(2);
    expect(await queue.get()).toBe("a");
    expect(await queue.get()).toBe("b");
  });

  it("never hands a key in flight to a second worker, and reprocesses it once if it was re-added", async () => {
    const queue = new WorkQueue();
    queue.add("a");
    const first = await queue.get();
    queue.add("a");
    queue.add("a");
    expect(queue.length).toBe(0); // held back while "a" is processing
    const second = queue.get();
    let handedOut = false;
    void second.then(() => {
      handedOut = true;
    });
    await sleep(5);
    expect(handedOut).toBe(false);
    queue.done(first!);
    expect(await second).toBe("a");
    queue.done("a");
    expect(queue.length).toBe(0);
  });

  it("backs off per key exponentially and resets on forget", () => {
    const queue = new WorkQueue({ baseDelayMs: 10, maxDelayMs: 50 });
    expect(queue.addRateLimited("a")).toBe(10);
    expect(queue.addRateLimited("a")).toBe(20);
    expect(queue.addRateLimited("a")).toBe(40);
    expect(queue.addRateLimited("a")).toBe(50);
    expect(queue.addRateLimited("b")).toBe(10);
    queue.forget("a");
    expect(queue.addRateLimited("a")).toBe(10);
    queue.shutDown();
  });

  it("releases delayed keys when due, keeping the earliest delay for a key", async () => {
    // A fake clock, so that "when due" is exact whatever the machine's load.
    vi.useFakeTimers();
    try {
      const queue = new WorkQueue();
      queue.addAfter("late", 60);
      queue.addAfter("soon", 10);
      queue.addAfter("soon", 500); // later than the pending delay: ignored
      expect(queue.length).toBe(0);
      const got: (string | undefined)[] = [];
      void queue.get().then((key) => got.push(key));
      await vi.advanceTimersByTimeAsync(9);
      expect(got).toEqual([]);
      await vi.advanceTimersByTimeAsync(1);
      expect(got).toEqual(["soon"]);
      void queue.get().then((key) => got.push(key));
      await vi.advanceTimersByTimeAsync(49);
      expect(got).toEqual(["soon"]);
      await vi.advanceTimersByTimeAsync(1);
      expect(got).toEqual(["soon", "late"]);
      queue.done("soon");
      queue.done("late");
      // The ignored 500 ms delay releases nothing later.
      await vi.advanceTimersByTimeAsync(500);
      expect(queue.length).toBe(0);
      queue.shutDown();
    } finally {
      vi.useRealTimers();
    }
  });

  it("releases a key whose delay was brought forward at the earlier time, and not again at the later one", async () => {
    const queue = new WorkQueue();
    queue.addAfter("moved", 150);
    queue.addAfter("moved", 5);
    queue.addAfter("other", 300);
    expect(await queue.get()).toBe("moved");
    queue.done("moved");
    // The first delay's due time passes: "moved" is not handed out a second time; "other" comes at its own.
    expect(await queue.get()).toBe("other");
    queue.done("other");
    expect(queue.length).toBe(0);
    expect(queue.busy).toBe(false);
    queue.shutDown();
  });

  it("releases many delayed keys in due order", async () => {
    // On a fake clock: each due is the time of its add plus its delay, and on a loaded machine the real clock moves
    // while the loop adds, so a later add with a shorter delay could rightly be due after an earlier, longer one.
    vi.useFakeTimers();
    try {
      const queue = new WorkQueue<number>();
      const delays = Array.from({ length: 200 }, (_, i) => ((i * 37) % 200) / 4);
      for (const [key, delay] of delays.entries()) queue.addAfter(key, 1 + delay);
      const order: number[] = [];
      const drained = (async () => {
        while (order.length < delays.length) {
          const key = (await queue.get()) as number;
          order.push(delays[key] as number);
          queue.done(key);
        }
      })();
      await vi.advanceTimersByTimeAsync(60);
      await drained;
      expect(order).toHaveLength(delays.length);
      // Dues within the same millisecond may come out in either order; otherwise earliest first.
      for (let i = 1; i < order.length; i++)
        expect(order[i] as number).toBeGreaterThanOrEqual((order[i - 1] as number) - 1);
      queue.shutDown();
    } finally {
      vi.useRealTimers();
    }
  });

  it("wakes waiting workers with undefined on shutdown", async () => {
    const queue = new WorkQueue();
    const waiting = queue.get();
    queue.shutDown();
    expect(await waiting).toBeUndefined();
    queue.add("ignored");
    expect(queue.length).toBe(0);
  });
});
