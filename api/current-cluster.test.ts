import { describe, expect, it } from "vitest";
import { CurrentCluster } from "./current-cluster.ts";

/** A reader whose answers the test sets, counting how often it was asked. */
function reader() {
  const state = { uid: "uid-1" as string | Error, reads: 0 };
  const read = async () => {
    state.reads++;
    if (state.uid instanceof Error) throw state.uid;
    return state.uid;
  };
  return { state, read };
}

describe("CurrentCluster", () => {
  it("reads the identity once per interval, however many answers need it", async () => {
    let now = 0;
    const { state, read } = reader();
    const cluster = new CurrentCluster(read, { ttlMs: 10_000, now: () => now });
    const answers = await Promise.all(Array.from({ length: 20 }, () => cluster.identity()));
    expect(answers.every((a) => a.known && a.uid === "uid-1")).toBe(true);
    now = 9_999;
    await cluster.identity();
    expect(state.reads).toBe(1);
  });

  it("notices a replaced cluster within one interval (serving the cached identity while it refreshes)", async () => {
    let now = 0;
    const { state, read } = reader();
    const cluster = new CurrentCluster(read, { ttlMs: 10_000, now: () => now });
    await cluster.identity();
    state.uid = "uid-2";
    now = 10_000;
    expect(await cluster.identity()).toEqual({ known: true, uid: "uid-1" });
    await new Promise((resolve) => setImmediate(resolve));
    expect(await cluster.identity()).toEqual({ known: true, uid: "uid-2" });
    expect(state.reads).toBe(2);
  });

  it("reports an unreadable cluster as unknown, with the cause, and retries sooner", async () => {
    let now = 0;
    const { state, read } = reader();
    state.uid = new Error("connect ECONNREFUSED 127.0.0.1:6443");
    const cluster = new CurrentCluster(read, { ttlMs: 10_000, retryMs: 1_000, now: () => now });
    expect(await cluster.identity()).toEqual({ known: false, problem: "connect ECONNREFUSED 127.0.0.1:6443" });
    state.uid = "uid-1";
    now = 500;
    expect((await cluster.identity()).known).toBe(false);
    now = 1_000;
    await cluster.identity();
    await new Promise((resolve) => setImmediate(resolve));
    expect(await cluster.identity()).toEqual({ known: true, uid: "uid-1" });
  });
});
