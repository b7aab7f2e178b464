import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
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
    const queue = new WorkQueue();
    queue.addAfter("late", 60);
    queue.addAfter("soon", 10);
    queue.addAfter("soon", 500); // later than the pending delay: ignored
    expect(queue.length).toBe(0);
    expect(await queue.get()).toBe("soon");
    const started = Date.now();
    expect(await queue.get()).toBe("late");
    expect(Date.now() - started).toBeLessThan(200);
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
