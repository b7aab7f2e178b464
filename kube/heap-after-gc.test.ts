import { setTimeout as sleep } from "node:timers/promises";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { heapAfterGcBytes } from "./heap-after-gc.ts";

setFlagsFromString("--expose-gc");
const fullGc = runInNewContext("gc") as () => void;

/** A full collection, then the observer's delivery (it runs after the collection, on a later tick). */
async function collect(): Promise<number> {
  fullGc();
  await sleep(50);
  return heapAfterGcBytes();
}

describe("heapAfterGcBytes", () => {
  it("follows what stays alive across full collections, not the garbage made in between", async () => {
    heapAfterGcBytes();
    const before = await collect();
    expect(before).toBeGreaterThan(0);

    // 40 MB kept alive: the figure rises by about that much.
    let kept: number[][] | undefined = Array.from({ length: 40 }, () => new Array<number>(128 * 1024).fill(1.5));
    const held = await collect();
    expect(held - before).toBeGreaterThan(30 * 1024 * 1024);

    // The same amount made and dropped: after the next collection the figure is back near where it began.
    kept = undefined;
    for (let i = 0; i < 40; i++) new Array<number>(128 * 1024).fill(2.5);
    const released = await collect();
    expect(kept).toBeUndefined();
    expect(released - before).toBeLessThan(10 * 1024 * 1024);
  });
});
