import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { SharedPoll } from "./shared-poll.ts";

/** Takes `count` values from a follower. */
async function take<T>(values: AsyncGenerator<T>, count: number): Promise<T[]> {
  const out: T[] = [];
  for await (const value of values) {
    out.push(value);
    if (out.length === count) break;
  }
  return out;
}

describe("SharedPoll", () => {
  it("reads once per interval for every follower of a key, and stops when the last one leaves", async () => {
    const poll = new SharedPoll(20);
    let reads = 0;
    const read = async () => ++reads;
    const a = new AbortController();
    const b = new AbortController();
    const [first, second] = await Promise.all([
      take(poll.follow("run:acme/acme-dev/ci-1", read, a.signal), 5),
      take(poll.follow("run:acme/acme-dev/ci-1", read, b.signal), 5),
    ]);
    expect(first).toEqual(second);
    // Two followers, one read per value: not ten.
    expect(reads).toBeLessThanOrEqual(6);
    expect(poll.keys()).toEqual([]);
    const after = reads;
    await sleep(60);
    expect(reads).toBe(after);
  });

  it("polls other keys apart, ends a follower on abort, and hands a failed read to every follower", async () => {
    const poll = new SharedPoll(10);
    const stop = new AbortController();
    const values: string[] = [];
    const following = (async () => {
      for await (const value of poll.follow("run:acme/x", async () => "x", stop.signal)) values.push(value);
    })();
    expect(
      await take(
        poll.follow("run:globex/y", async () => "y", new AbortController().signal),
        2,
      ),
    ).toEqual(["y", "y"]);
    await sleep(30);
    stop.abort();
    await following;
    expect(values.length).toBeGreaterThan(0);
    expect(new Set(values)).toEqual(new Set(["x"]));
    expect(poll.keys()).toEqual([]);

    const failing = async () => {
      throw new Error("database down");
    };
    const signal = new AbortController().signal;
    const results = await Promise.allSettled([
      take(poll.follow("run:acme/z", failing, signal), 1),
      take(poll.follow("run:acme/z", failing, signal), 1),
    ]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect(poll.keys()).toEqual([]);
  });
});
