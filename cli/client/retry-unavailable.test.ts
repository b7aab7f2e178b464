import { describe, expect, it } from "vitest";
import { RETRY_ATTEMPTS, retryDelayMs } from "./retry-unavailable.ts";

const shed = { status: 503, method: "POST", problem: { status: 503, retryAfterSeconds: 4, notStarted: true } };

describe("retryDelayMs", () => {
  it("waits the server's Retry-After, stretched by up to half, for a request the API did not start", () => {
    expect(retryDelayMs(shed, 1, 0, () => 0)).toBe(4000);
    expect(retryDelayMs(shed, 1, 0, () => 0.999)).toBe(5998);
  });

  it("retries a read's 503 with Retry-After, but not a change that may have been made", () => {
    const read = { status: 503, method: "GET", problem: { status: 503, retryAfterSeconds: 2 } };
    expect(retryDelayMs(read, 1, 0, () => 0)).toBe(2000);
    expect(retryDelayMs({ ...read, method: "POST" }, 1, 0, () => 0)).toBeUndefined();
  });

  it("waits longer with each attempt when the server's Retry-After is shorter, so clients shed together spread out", () => {
    const soon = { ...shed, problem: { ...shed.problem, retryAfterSeconds: 1 } };
    expect([1, 2, 3, 4, 5].map((attempt) => retryDelayMs(soon, attempt, 0, () => 0))).toEqual([
      1000, 2000, 4000, 8000, 16000,
    ]);
    // The server's own figure still wins when it is the longer.
    expect(retryDelayMs(shed, 2, 0, () => 0)).toBe(4000);
  });

  it("gives up without a Retry-After, on other statuses, after its attempts and past its patience", () => {
    expect(retryDelayMs({ ...shed, problem: { status: 503, notStarted: true } }, 1, 0)).toBeUndefined();
    expect(retryDelayMs({ ...shed, status: 504 }, 1, 0)).toBeUndefined();
    expect(retryDelayMs(shed, RETRY_ATTEMPTS + 1, 0)).toBeUndefined();
    expect(retryDelayMs(shed, 2, 118_000, () => 0)).toBeUndefined();
  });
});
