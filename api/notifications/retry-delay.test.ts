import { describe, expect, it } from "vitest";
import { DEFAULT_RETRY_POLICY, retryDelayMs } from "./retry-delay.ts";

describe("retryDelayMs", () => {
  const policy = { maxAttempts: 5, baseMs: 1000, maxDelayMs: 5000 };

  it("doubles from the base, keeps at least half of each delay, and is capped", () => {
    expect([1, 2, 3, 4].map((a) => retryDelayMs(a, policy, 0))).toEqual([500, 1000, 2000, 2500]);
    expect([1, 2, 3, 4].map((a) => retryDelayMs(a, policy, 1))).toEqual([1000, 2000, 4000, 5000]);
    expect(retryDelayMs(2, policy, 0.5)).toBe(1500);
  });

  it("gives up after the last attempt", () => {
    expect(retryDelayMs(5, policy, 0.5)).toBeUndefined();
    expect(retryDelayMs(DEFAULT_RETRY_POLICY.maxAttempts, DEFAULT_RETRY_POLICY, 0)).toBeUndefined();
  });

  it("spreads the default schedule over more than an hour at most", () => {
    let total = 0;
    for (let a = 1; a < DEFAULT_RETRY_POLICY.maxAttempts; a++) total += retryDelayMs(a, DEFAULT_RETRY_POLICY, 1)!;
    expect(total).toBeGreaterThan(3_600_000);
    expect(total).toBeLessThan(3 * 3_600_000);
  });
});
