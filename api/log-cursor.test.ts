import { describe, expect, it } from "vitest";
import { formatLogPosition, LogResume, parseLogPosition } from "./log-cursor.ts";

const T1 = "2026-12-05T10:00:00.1Z";
const T2 = "2026-12-05T10:00:00.12Z";
const T3 = "2026-12-05T10:00:01Z";
const N1 = "2026-12-05T10:00:00.100000000Z";
const N2 = "2026-12-05T10:00:00.120000000Z";

describe("log positions", () => {
  it("round-trip through their text form, times normalised so that string order is time order", () => {
    const parsed = parseLogPosition(`web-1~${T1}~2,web-2~${T2}~1`);
    expect(parsed).toEqual({
      position: new Map([
        ["web-1", { time: N1, count: 2 }],
        ["web-2", { time: N2, count: 1 }],
      ]),
    });
    if ("position" in parsed) expect(formatLogPosition(parsed.position)).toBe(`web-1~${N1}~2,web-2~${N2}~1`);
    expect(parseLogPosition("")).toEqual({ position: new Map() });
  });

  it.each(["web-1", "web-1~yesterday~1", `Web~${T1}~1`, `web~${T1}~-1`, `web~${T1}~1,`])("refuse %s", (text) => {
    expect(parseLogPosition(text)).toHaveProperty("error");
  });
});

describe("LogResume", () => {
  it("lets every line through from the start, and keeps each pod's last time and count", () => {
    const resume = new LogResume();
    expect(resume.sinceTime("web-1")).toBeUndefined();
    expect([T1, T1, T2].map((t) => resume.accept("web-1", t))).toEqual([true, true, true]);
    expect(resume.accept("web-2", T1)).toBe(true);
    expect(formatLogPosition(resume.position())).toBe(`web-1~${N2}~1,web-2~${N1}~1`);
  });

  it("after a break passes over exactly the lines the follower had, same-time lines included", () => {
    // The follower had web-1's two lines at T1; the log holds a third at T1, then one at T3.
    const resume = new LogResume(new Map([["web-1", { time: N1, count: 2 }]]));
    expect(resume.sinceTime("web-1")).toBe(N1);
    const replay = ["2026-12-05T10:00:00Z", T1, T1, T1, T3].map((t) => resume.accept("web-1", t));
    expect(replay).toEqual([false, false, false, true, true]);
  });

  it("reads a pod it has no position for from the newest time it knows, not from the pod's beginning", () => {
    const resume = new LogResume(
      new Map([
        ["web-1", { time: N1, count: 1 }],
        ["web-2", { time: N2, count: 1 }],
      ]),
    );
    expect(resume.sinceTime("web-3")).toBe(N2);
    expect(resume.accept("web-3", T1)).toBe(false);
    expect(resume.accept("web-3", T2)).toBe(true);
    expect(resume.accept("web-3", T3)).toBe(true);
  });

  it("passes over what it sent when a pod's log is read again from its last time (rewind)", () => {
    const resume = new LogResume();
    expect([T1, T1, T2, T2].map((t) => resume.accept("web-1", t))).toEqual([true, true, true, true]);
    resume.rewind("web-1");
    expect(resume.sinceTime("web-1")).toBe(N2);
    // Read again from T2: its two lines were sent, a third of that time and a later one were not.
    expect([T2, T2, T2, T3].map((t) => resume.accept("web-1", t))).toEqual([false, false, true, true]);
    // A pod it never sent a line of has nothing to pass over.
    resume.rewind("web-9");
    expect(resume.accept("web-9", T1)).toBe(true);
  });

  it("always passes a line without a time (it cannot be placed)", () => {
    const resume = new LogResume(new Map([["web-1", { time: N2, count: 1 }]]));
    expect(resume.accept("web-1", "")).toBe(true);
  });
});
