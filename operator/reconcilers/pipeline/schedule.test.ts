import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { cronMinimumGapMs, cronProblem, dueSlots, scheduleOf, slotAfter } from "./schedule.ts";

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

/**
 * Runs `body` (with slotAfter, dueSlots and scheduleOf in scope) in a separate Node process killed after
 * `deadlineMs`: a synchronous loop can't be interrupted inside the test's own event loop (vitest's timeout would
 * only fire after it), so a schedule function that hangs must fail here instead of hanging the suite.
 */
function evaluateWithin(deadlineMs: number, body: string): unknown {
  const module = fileURLToPath(new URL("./schedule.ts", import.meta.url));
  const child = spawnSync(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `import { dueSlots, scheduleOf, slotAfter } from ${JSON.stringify(module)};\n` +
        `const result = (() => { ${body} })();\nprocess.stdout.write(JSON.stringify(result));`,
    ],
    { timeout: deadlineMs, encoding: "utf8" },
  );
  if (child.signal) throw new Error(`did not finish within ${deadlineMs} ms (killed by ${child.signal})`);
  if (child.status !== 0) throw new Error(child.stderr);
  return JSON.parse(child.stdout);
}

describe("interval schedules are bounded whatever reaches them", () => {
  // Inputs the schema and validation refuse today; the functions must still return at once, so that a Pipeline
  // written before those checks (or a bug in them) can never hang the operator's event loop.
  const day = 86_400_000;

  it("answer for a zero interval instead of looping forever", () => {
    const result = evaluateWithin(
      5000,
      `const s = scheduleOf({ interval: { every: "0s" }, missedPolicy: "RunOnce" }, 0, "uid/t");
       return [slotAfter(s, ${day}), dueSlots(s, ${day}, ${day} + 10).length];`,
    ) as [number, number];
    expect(result[0]).toBeGreaterThan(day);
    expect(result[1]).toBeLessThanOrEqual(1001);
  });

  it("answer for a 1ns interval on a year-old Pipeline in well under a second", () => {
    const year = 365 * day;
    const result = evaluateWithin(
      5000,
      `const s = scheduleOf({ interval: { every: "1ns", jitter: "1h" }, missedPolicy: "RunOnce" }, 0, "uid/t");
       const started = performance.now();
       const next = slotAfter(s, ${year});
       const due = dueSlots(s, ${year} - ${day}, ${year});
       return [next, due.length, due.at(-1), performance.now() - started];`,
    ) as [number, number, number, number];
    expect(result[0]).toBeGreaterThan(year);
    expect(result[1]).toBe(1001);
    expect(result[2]).toBeLessThanOrEqual(year);
    expect(result[3]).toBeLessThan(1000);
  });

  it("keep jitter below the interval, so slots still only move forward", () => {
    const s = scheduleOf({ interval: { every: "1m", jitter: "1h" }, missedPolicy: "RunOnce" }, 0, "uid/t");
    let slot = 0;
    for (let i = 0; i < 100; i++) {
      const next = slotAfter(s, slot);
      expect(next).toBeGreaterThan(slot);
      expect(next).toBeLessThanOrEqual(slot + 2 * 60_000);
      slot = next;
    }
  });

  it("give the same slots as stepping through them one by one (at the minimum, jitter equal to the interval)", () => {
    const s = scheduleOf({ interval: { every: "1m", jitter: "1m" }, missedPolicy: "RunOnce" }, 1000, "uid/t");
    const stepped: number[] = [];
    let slot = 1000;
    while (stepped.length < 200) {
      slot = slotAfter(s, slot);
      stepped.push(slot);
    }
    expect(dueSlots(s, stepped[0]!, stepped[199]!)).toEqual(stepped);
    // From any point between two slots, the next one is the later of them.
    for (let i = 1; i < stepped.length; i++) expect(slotAfter(s, stepped[i]! - 1)).toBe(stepped[i]);
  });
});

describe("cronMinimumGapMs", () => {
  it("finds the shortest time between fire times", () => {
    expect(cronMinimumGapMs("* * * * * *")).toBe(1000);
    expect(cronMinimumGapMs("*/2 * * * * *")).toBe(2000);
    expect(cronMinimumGapMs("*/5 * * * *")).toBe(5 * 60_000);
    expect(cronMinimumGapMs("0,1 3 * * *")).toBe(60_000);
    expect(cronMinimumGapMs("0 3 * * *")).toBe(86_400_000);
    expect(cronMinimumGapMs("@hourly")).toBe(3_600_000);
    // Across midnight: 23:59:59 then 00:00:00.
    expect(cronMinimumGapMs("0,59 0,59 0,23 * * *")).toBe(1000);
    expect(cronMinimumGapMs("not a cron")).toBeUndefined();
  });
});
