import { describe, expect, it } from "vitest";
import { cronProblem, dueSlots, scheduleOf, slotAfter } from "./schedule.ts";

const at = (s: string) => Date.parse(s);

describe("cron schedules", () => {
  it("read the expression in the trigger's time zone", () => {
    const berlin = scheduleOf(
      { cron: { schedule: "0 3 * * *", timeZone: "Europe/Berlin" }, missedPolicy: "RunOnce" },
      0,
      "s",
    );
    // 03:00 in Berlin is 02:00 UTC in winter and 01:00 UTC in summer.
    expect(new Date(slotAfter(berlin, at("2026-01-10T12:00:00Z"))).toISOString()).toBe("2026-01-11T02:00:00.000Z");
    expect(new Date(slotAfter(berlin, at("2026-07-10T12:00:00Z"))).toISOString()).toBe("2026-07-11T01:00:00.000Z");
  });

  it("give the next slot strictly after the time", () => {
    const hourly = scheduleOf({ cron: { schedule: "0 * * * *" }, missedPolicy: "RunOnce" }, 0, "s");
    expect(slotAfter(hourly, at("2026-01-01T10:00:00Z"))).toBe(at("2026-01-01T11:00:00Z"));
  });

  it("list the slots due in a window", () => {
    const hourly = scheduleOf({ cron: { schedule: "0 * * * *" }, missedPolicy: "RunOnce" }, 0, "s");
    expect(dueSlots(hourly, at("2026-01-01T10:00:00Z"), at("2026-01-01T12:30:00Z"))).toEqual([
      at("2026-01-01T10:00:00Z"),
      at("2026-01-01T11:00:00Z"),
      at("2026-01-01T12:00:00Z"),
    ]);
  });

  it("report expressions and time zones that don't parse", () => {
    expect(cronProblem("0 3 * * *", "Europe/Berlin")).toBeUndefined();
    expect(cronProblem("@daily")).toBeUndefined();
    expect(cronProblem("61 3 * * *")).toMatch(/does not parse/);
    expect(cronProblem("0 3 * * *", "Mars/Olympus")).toMatch(/not an IANA time zone/);
  });
});

describe("interval schedules", () => {
  const anchor = at("2026-01-01T00:00:00Z");

  it("fire every interval after the Pipeline was created, never at creation", () => {
    const every = scheduleOf({ interval: { every: "15m" }, missedPolicy: "RunOnce" }, anchor, "uid/t");
    expect(slotAfter(every, anchor)).toBe(anchor + 15 * 60_000);
    expect(slotAfter(every, anchor + 15 * 60_000)).toBe(anchor + 30 * 60_000);
  });

  it("add a stable jitter per slot, within the configured size", () => {
    const jittered = scheduleOf({ interval: { every: "1h", jitter: "10m" }, missedPolicy: "RunOnce" }, anchor, "uid/t");
    const first = slotAfter(jittered, anchor);
    expect(first).toBeGreaterThanOrEqual(anchor + 3_600_000);
    expect(first).toBeLessThan(anchor + 3_600_000 + 600_000);
    expect(slotAfter(jittered, anchor)).toBe(first);
  });

  it("spread 50 Pipelines created together across the jitter window", () => {
    const slots = Array.from({ length: 50 }, (_, i) =>
      slotAfter(
        scheduleOf({ interval: { every: "1h", jitter: "1h" }, missedPolicy: "RunOnce" }, anchor, `uid-${i}/t`),
        anchor,
      ),
    );
    const buckets = new Set(slots.map((s) => Math.floor((s - anchor - 3_600_000) / 360_000)));
    expect(buckets.size).toBeGreaterThanOrEqual(8);
  });
});
