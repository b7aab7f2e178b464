import { describe, expect, it } from "vitest";
import { DueHeap } from "./due-heap.ts";

describe("DueHeap", () => {
  it("pops keys in due order, whatever order they were pushed in", () => {
    const heap = new DueHeap<string>();
    // A fixed shuffle with repeats, so the test is the same on every run.
    const dues = [50, 3, 77, 3, 12, 99, 0, 41, 12, 8, 64, 23, 5, 88, 31];
    for (const [i, due] of dues.entries()) heap.push(`k${i}`, due);
    expect(heap.size).toBe(dues.length);
    const popped: number[] = [];
    for (let item = heap.pop(); item !== undefined; item = heap.pop()) popped.push(item.due);
    expect(popped).toEqual([...dues].sort((a, b) => a - b));
    expect(heap.size).toBe(0);
    expect(heap.peek()).toBeUndefined();
  });

  it("keeps the earliest on top as pushes and pops interleave", () => {
    const heap = new DueHeap<number>();
    const reference: number[] = [];
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % 1000;
    };
    for (let round = 0; round < 2000; round++) {
      if (round % 3 === 2) {
        reference.sort((a, b) => a - b);
        expect(heap.pop()?.due).toBe(reference.shift());
      } else {
        const due = next();
        heap.push(round, due);
        reference.push(due);
      }
      expect(heap.peek()?.due).toBe(reference.length === 0 ? undefined : Math.min(...reference));
    }
  });
});
