import { describe, expect, it } from "vitest";
import { queryInt } from "./query-int.ts";

describe("queryInt", () => {
  const tail = queryInt(0, 10_000);
  it("reads digits and refuses an empty or blank value instead of taking it for 0", () => {
    expect(tail.parse("25")).toBe(25);
    expect(tail.parse("0")).toBe(0);
    expect(tail.safeParse("").success).toBe(false);
    expect(tail.safeParse("  ").success).toBe(false);
    expect(tail.safeParse("-1").success).toBe(false);
    expect(tail.safeParse("10001").success).toBe(false);
    expect(tail.safeParse("1.5").success).toBe(false);
  });
});
