import { describe, expect, it } from "vitest";
import { isLost, LOST_REASON, readinessOf } from "./lost-object.ts";

const here = { known: true as const, uid: "uid-now" };
const available = [{ type: "Ready", status: "True", reason: "Available", message: "2 of 2 replicas are ready." }];

describe("isLost", () => {
  it("tells rows of another cluster from rows of this one", () => {
    expect(isLost("uid-old", here)).toBe(true);
    expect(isLost("uid-now", here)).toBe(false);
  });

  it("counts rows written before the mirror recorded clusters as live", () => {
    expect(isLost(null, here)).toBe(false);
    expect(isLost(null, { known: false, problem: "connection refused" })).toBe(false);
  });

  it("does not guess when the current cluster cannot be read", () => {
    expect(isLost("uid-old", { known: false, problem: "connection refused" })).toBeNull();
  });
});

describe("readinessOf", () => {
  it("repeats the Ready condition of an object of this cluster", () => {
    expect(readinessOf("App", "web", available, false)).toEqual({
      ready: "True",
      reason: "Available",
      message: "2 of 2 replicas are ready.",
    });
    expect(readinessOf("App", "web", undefined, false)).toEqual({ ready: "Unknown", reason: null, message: null });
  });

  it("does not claim a lost object's last readiness, and says what restores it", () => {
    const lost = readinessOf("App", "web", available, true);
    expect(lost.ready).toBe("Unknown");
    expect(lost.reason).toBe(LOST_REASON);
    expect(lost.message).toMatch(/^App web is not in the current cluster: .* replaced or wiped/);
    expect(lost.message).toContain(
      "The resurrector restores it from the mirror (on the local platform, `npm start` does).",
    );
  });

  it("leaves readiness as reported while the current cluster cannot be read", () => {
    expect(readinessOf("Pipeline", "ci", available, null).ready).toBe("True");
  });
});
